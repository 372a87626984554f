"""What the full stack would wrap around a cached body: the request checks and response
headers of Django's middleware, spelled once so that the fast path answers as the views do.

Only middleware whose effect on a token-authenticated JSON GET is known may be in
``MIDDLEWARE``: ``KNOWN_MIDDLEWARE`` says what each does there. With any other, the fast
path stays off (and says so at start-up) rather than answer differently from the stack.
The headers the security and clickjacking middleware add are taken from those
middleware themselves, run once on an empty response, so settings such as
``SECURE_REFERRER_POLICY`` or HSTS apply to both paths alike.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.security import SecurityMiddleware

__all__ = ["KNOWN_MIDDLEWARE", "Envelope", "forget", "unknown_middleware"]
_MAX_HOSTS = 1024
_hosts: dict[str, bool] = {}  # Host header -> whether ALLOWED_HOSTS takes it

_COMMON = "django.middleware.common.CommonMiddleware"
_WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"
# Middleware -> what it does to a token-authenticated JSON GET answered from the cache.
KNOWN_MIDDLEWARE = {
    "django_prometheus.middleware.PrometheusBeforeMiddleware": "request metrics (fastpath.metrics)",
    "django_prometheus.middleware.PrometheusAfterMiddleware": "request metrics (fastpath.metrics)",
    "aipal.cache.middleware.InvalidationBatchMiddleware": "nothing: a GET writes nothing",
    "aipal.api.exceptions.DatabaseOutageMiddleware": "nothing: no view runs",
    "django.middleware.security.SecurityMiddleware": "SSL redirect (not answered here) and headers",
    _WHITENOISE: "nothing: it answers paths under STATIC_URL only (see _static_files_apart)",
    "aipal.api.limits.RequestLimitsMiddleware": "411, 413 or 400 (not answered here: FastPath checks first)",
    "django.contrib.sessions.middleware.SessionMiddleware": "nothing: the session is not touched",
    _COMMON: "Host check, disallowed user agents (not answered here), Content-Length",
    "django.middleware.csrf.CsrfViewMiddleware": "nothing for a GET",
    "django.contrib.auth.middleware.AuthenticationMiddleware": "nothing: request.user is lazy",
    "django.contrib.messages.middleware.MessageMiddleware": "nothing: no message is stored",
    "django.middleware.clickjacking.XFrameOptionsMiddleware": "X-Frame-Options",
}


def unknown_middleware() -> list[str]:
    """The middleware in ``MIDDLEWARE`` whose effect on a cached GET the fast path cannot vouch for."""
    known = set(KNOWN_MIDDLEWARE) if _static_files_apart() else set(KNOWN_MIDDLEWARE) - {_WHITENOISE}
    return [path for path in settings.MIDDLEWARE if path not in known]


def _static_files_apart() -> bool:
    """True when WhiteNoise cannot answer a path the fast path answers: it serves only its
    static prefix (and WHITENOISE_ROOT's files at the site's root, when that is set)."""
    from aipal.fastpath.app import PREFIX  # the paths the fast path answers (app imports this module)

    if getattr(settings, "WHITENOISE_ROOT", None):
        return False
    prefix = getattr(settings, "WHITENOISE_STATIC_PREFIX", None) or urlparse(settings.STATIC_URL or "").path
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    return not (PREFIX.startswith(prefix) or prefix.startswith(PREFIX))


def _request(environ: dict[str, Any]) -> WSGIRequest:
    """A request over ``environ`` for Django's own host and scheme logic, without parsing it."""
    request = WSGIRequest.__new__(WSGIRequest)
    request.environ = request.META = environ
    return request


@lru_cache(maxsize=2)
def _middleware_headers(secure: bool) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Headers the middleware add to a response: (names before Content-Length, after it)."""
    request = _request({"wsgi.url_scheme": "https" if secure else "http", "SERVER_NAME": "x", "SERVER_PORT": "1"})
    if secure and settings.SECURE_PROXY_SSL_HEADER:
        header, value = settings.SECURE_PROXY_SSL_HEADER
        request.META[header] = value
    before, after = [], []
    if "django.middleware.clickjacking.XFrameOptionsMiddleware" in settings.MIDDLEWARE:
        response = XFrameOptionsMiddleware(lambda r: None).process_response(request, HttpResponse())
        before += [(k, v) for k, v in response.items() if k != "Content-Type"]
    if "django.middleware.security.SecurityMiddleware" in settings.MIDDLEWARE:
        response = SecurityMiddleware(lambda r: None).process_response(request, HttpResponse())
        after += [(k, v) for k, v in response.items() if k != "Content-Type"]
    return tuple(before), tuple(after)


@lru_cache(maxsize=1)
def _checks() -> tuple[bool, bool, bool, bool]:
    """(Host read from X-Forwarded-Host, SSL redirect on, CommonMiddleware redirecting or
    refusing some requests, Content-Length set by CommonMiddleware): read once."""
    return (
        settings.USE_X_FORWARDED_HOST,
        settings.SECURE_SSL_REDIRECT,
        bool(settings.DISALLOWED_USER_AGENTS) or settings.PREPEND_WWW,
        _COMMON in settings.MIDDLEWARE,
    )


def forget() -> None:
    """Read the settings again (they changed)."""
    _checks.cache_clear()
    _middleware_headers.cache_clear()
    _after_etag.cache_clear()
    _hosts.clear()


class Envelope:
    """One request's checks and the headers of its answer."""

    def __init__(self, environ: dict[str, Any]) -> None:
        self.request = _request(environ)
        self.secure = self.request.is_secure()

    def refused_by_middleware(self) -> bool:
        """True when the stack might not answer this request with the view (bad Host, SSL
        redirect, disallowed user agents or PREPEND_WWW set): the full stack must answer it."""
        forwarded_host, ssl_redirect, common_redirects, _ = _checks()
        if not self._host_allowed(forwarded_host):
            return True
        return (ssl_redirect and not self.secure) or common_redirects

    def _host_allowed(self, forwarded_host: bool) -> bool:
        """Django's own Host check (``get_host``), remembered per Host header."""
        host = self.request.META.get("HTTP_HOST")
        if host is not None and not forwarded_host and host in _hosts:
            return _hosts[host]
        try:
            self.request.get_host()
            allowed = True
        except DisallowedHost:
            allowed = False
        if host is not None and not forwarded_host and len(_hosts) < _MAX_HOSTS:
            _hosts[host] = allowed
        return allowed

    def ok(self, body: bytes, etag: str, *, allow: str, vary: str, x_cache: str = "HIT") -> list[tuple[str, str]]:
        """The headers of a 200 of a cached GET, in the order the stack writes them."""
        middle, after = _after_etag(allow, vary, self.secure)
        length = (("Content-Length", str(len(body))),) if _checks()[3] else ()
        return [("Content-Type", "application/json"), ("X-Cache", x_cache), ("ETag", etag), *middle, *length, *after]

    def not_modified(self, etag: str, *, allow: str, vary: str) -> list[tuple[str, str]]:
        """The headers of a 304: those Django keeps from the 200, then the middleware's."""
        middle, after = _after_etag(allow, vary, self.secure)
        length = (("Content-Length", "0"),) if _checks()[3] else ()
        return [("ETag", etag), *middle, *length, *after]


Headers = tuple[tuple[str, str], ...]


@lru_cache(maxsize=64)
def _after_etag(allow: str, vary: str, secure: bool) -> tuple[Headers, Headers]:
    """The headers after the ETag, before and after Content-Length (for one route)."""
    before_length, after_length = _middleware_headers(secure)
    return (("Vary", vary), ("Allow", allow), ("Cache-Control", "private"), *before_length), after_length
