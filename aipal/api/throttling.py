"""Throttles: requests per user, per anonymous IP, and failed logins per username and IP.

Counted in Redis (``aipal.cache.client.throttle``), so every worker and server shares one
count, one round trip and one atomic script per verdict; a throttled request answers 429
with ``Retry-After`` (DRF's ``Throttled``). Throttles fail open: when Redis cannot be
used, requests go ahead, since refusing every request over a cache outage would turn it
into an API outage.

- ``UserThrottle`` (``THROTTLE_USER``): every request of an authenticated user. On a
  cached GET the fast path charges it inside its own Redis call and leaves the verdict in
  the WSGI environ (``THROTTLE_VERDICT``), so a request it passes on is not counted twice.
- ``AnonThrottle`` (``THROTTLE_ANON``): requests without credentials, per client IP, and
  requests whose credentials were refused (``charge_failed_authentication``, called by
  the token authentication: DRF answers those 401 before any throttle runs). Health,
  metrics, schema and docs are exempt (``throttle_classes = []``).
- ``LoginThrottle`` (``THROTTLE_LOGIN``): logins per username and IP. Each attempt is
  charged before the password is checked (so concurrent guesses cannot slip past the
  count) and given back when it succeeds: only failures add up. Used by the token login
  and, through ``throttled_login``, by the admin's login form.

The client IP is DRF's ``get_ident``, trusting ``NUM_PROXIES`` (``DJANGO_NUM_PROXIES``)
entries of ``X-Forwarded-For`` and no more; an IPv6 client counts by its /64.
"""

from __future__ import annotations

import ipaddress
import unicodedata
from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from aipal.cache.client import CacheUnavailable
from aipal.cache.client.throttle import Rate, charge
from aipal.cache.keys import throttle_key, user_throttle_key
from aipal.settings.rates import parse_rate

__all__ = [
    "THROTTLE_VERDICT",
    "AnonThrottle",
    "LoginThrottle",
    "UserThrottle",
    "charge_failed_authentication",
    "configured_rate",
    "login_succeeded",
    "throttled_login",
]

# The login throttle's key charged for this request (given back when the login succeeds).
_LOGIN_KEY = "aipal.throttle.login_key"
# Set by the fast path when its call charged the user's throttle: 0 (go ahead) or the
# seconds to wait. WSGI environ keys from a client start with HTTP_: this one cannot be forged.
THROTTLE_VERDICT = "aipal.throttle.user_wait"


@lru_cache(maxsize=16)
def _rate(text: str | None) -> Rate | None:
    parsed = None if text is None else parse_rate(text)
    return None if parsed is None else Rate(*parsed)


def configured_rate(scope: str) -> Rate | None:
    """Return the rate in force for ``scope`` (``user``, ``anon``, ``login``), None when off."""
    return _rate(api_settings.DEFAULT_THROTTLE_RATES.get(scope))


class _RedisThrottle(BaseThrottle):
    scope: str = ""

    def __init__(self) -> None:
        self.rate = configured_rate(self.scope)
        self._wait: float | None = None

    def key(self, request: HttpRequest | Request) -> str | None:
        """The throttle's key for this request; None: not this throttle's to count."""
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        return self.charge_request(request) == 0

    def charge_request(self, request: HttpRequest | Request) -> float:
        """Charge this request, if it is this throttle's to count; return the seconds to wait."""
        key = None if self.rate is None else self.key(request)
        return 0.0 if key is None else self.charge(key)

    def charge(self, key: str, cost: int = 1) -> float:
        """Charge ``key``; return the seconds to wait (0: go ahead; also when Redis fails)."""
        if self.rate is None:
            return 0.0
        try:
            self._wait = charge(key, self.rate, cost)
        except CacheUnavailable:
            self._wait = 0.0
        return self._wait

    def wait(self) -> float | None:
        return self._wait

    def get_ident(self, request: HttpRequest | Request) -> str:
        """The client's address (DRF's rule: ``NUM_PROXIES`` entries of X-Forwarded-For),
        an IPv6 address as its /64: one host usually holds a whole /64."""
        ident = super().get_ident(request)
        try:
            address = ipaddress.ip_address(ident)
        except ValueError:
            return ident
        if isinstance(address, ipaddress.IPv6Address):
            if address.ipv4_mapped is not None:
                return str(address.ipv4_mapped)
            return str(ipaddress.ip_network(f"{address}/64", strict=False))
        return str(address)


class UserThrottle(_RedisThrottle):
    scope = "user"

    def allow_request(self, request: Request, view: Any) -> bool:
        verdict = request.META.get(THROTTLE_VERDICT)
        if verdict is not None:  # charged by the fast path's call
            self._wait = verdict
            return verdict == 0
        return super().allow_request(request, view)

    def key(self, request: Request) -> str | None:
        user = request.user
        return user_throttle_key(int(user.pk)) if user is not None and user.is_authenticated else None


class AnonThrottle(_RedisThrottle):
    scope = "anon"

    def key(self, request: HttpRequest | Request) -> str | None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return None
        return self.ip_key(request)

    def ip_key(self, request: HttpRequest | Request) -> str:
        return throttle_key("anon", self.get_ident(request))


class LoginThrottle(_RedisThrottle):
    """Charged for every login attempt of a username from an IP, given back on success.

    The username is counted as the login forms compare it (stripped, NFKC-normalised,
    and case-folded here too), so spelling one account several ways buys no attempts.
    """

    scope = "login"

    def key(self, request: HttpRequest | Request) -> str | None:
        data = request.data if isinstance(request, Request) else request.POST
        username = data.get("username") if hasattr(data, "get") else None
        if isinstance(username, bool) or not isinstance(username, str | int | float):
            return None  # no username a form would accept: the form answers 400
        folded = unicodedata.normalize("NFKC", str(username)).strip().casefold()
        key = throttle_key("login", f"{folded}\n{self.get_ident(request)}")
        _http_request(request).META[_LOGIN_KEY] = key
        return key


def login_succeeded(request: HttpRequest | Request) -> None:
    """Give back the attempt this request's login was charged: only failures count."""
    key = _http_request(request).META.get(_LOGIN_KEY)
    if key is not None:
        LoginThrottle().charge(key, cost=-1)


def charge_failed_authentication(request: HttpRequest | Request) -> None:
    """Count a request whose credentials were refused against its client's IP (the
    anonymous throttle), and raise ``Throttled`` once it is over: otherwise bad tokens
    could be sent without limit, each costing a database lookup."""
    throttle = AnonThrottle()
    if throttle.rate is not None and (wait := throttle.charge(throttle.ip_key(request))):
        raise Throttled(wait)


def _http_request(request: HttpRequest | Request) -> HttpRequest:
    return request._request if isinstance(request, Request) else request


def throttled_response(wait: float) -> JsonResponse:
    """429 as DRF answers it, for views outside DRF."""
    exc = Throttled(wait)
    response = JsonResponse({"detail": str(exc.detail)}, status=exc.status_code)
    response["Retry-After"] = str(int(exc.wait))
    return response


def throttled_login(login_view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap a session login view (the admin's) in the anonymous and login throttles."""

    @wraps(login_view)
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "POST":
            return login_view(request, *args, **kwargs)
        wait = max(AnonThrottle().charge_request(request), LoginThrottle().charge_request(request))
        if wait:
            return throttled_response(wait)
        response = login_view(request, *args, **kwargs)
        if request.user.is_authenticated and response.status_code in (301, 302, 303):
            login_succeeded(request)
        return response

    return view
