"""``FastPath``: a WSGI wrapper that answers cached GETs from Redis before Django runs.

A request it recognises, a JSON GET of a cached route under ``/api/users/<id>/`` with
``Authorization: Token ...``, costs one Redis call (``client.serve``, one Lua script)
that checks the token's record (owner, active, not expired, not revoked), charges the
user's throttle (``THROTTLE_USER``; a throttled request goes on to DRF, which answers
the 429 with the verdict given here), and reads the entry under the generations it must
match. A hit is answered with the stored bytes, or
304 when ``If-None-Match`` names its ETag, with the headers the full stack would send
(``envelope``), and counted in the request metrics (``metrics``). No SQL, no middleware
stack, no DRF: that is the whole point.

A miss whose fill lock the call took is answered here too, with the view's own loader
and fill (``aside.load_and_fill``) between Django's request signals: a miss then costs
its data queries and a second round trip, without the middleware stack and DRF. Any
error in the loader (a 404, the database down) leaves the miss to the view, which then
needs no query to authenticate and no second read (``FastPathIdentity``, ``PriorRead``).

Everything else goes to Django, which stays the reference for behaviour: a token without
a valid record (the request carries what is needed to fill it, see
``aipal.accounts.tokens``), a refused token (Django answers 401), another user's path
(403 or staff), a browsable-API or conditional request it does not handle, the cache
off, Redis failing, or any error in here. The fast path may only answer
what the view would have answered, byte for byte; the tests compare the two.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.core import signals
from django.core.signals import setting_changed
from django.dispatch import receiver

from aipal.accounts.tokens import FASTPATH_IDENTITY, FASTPATH_STAMP, FASTPATH_USER, record_key
from aipal.api.limits import refusal
from aipal.api.throttling import THROTTLE_VERDICT, configured_rate
from aipal.api.views import CACHED_VARY
from aipal.cache import background, client, encoding, recovery, stats
from aipal.cache.aside import FASTPATH_PRIOR, CachedRead, CacheStatus, PriorRead, Served, load_and_fill
from aipal.cache.conf import cache_settings
from aipal.fastpath import metrics
from aipal.fastpath.envelope import Envelope, unknown_middleware
from aipal.fastpath.routes import FastRoute, RouteTable, cached_routes

__all__ = ["FastPath"]

log = logging.getLogger("aipal.cache.fastpath")
PREFIX = "/api/users/"
# Accept headers DRF's content negotiation answers with JSON (absent, or asking for it).
JSON_ACCEPTS = frozenset({None, "*/*", "application/json"})
VARY = ", ".join(CACHED_VARY)
_PASSED_ON = ("HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_COOKIE")

StartResponse = Callable[..., Any]
Answer = tuple[str, list[tuple[str, str]], bytes]


class FastPath:
    """Wrap a WSGI application (Django's) with the cached-GET fast path."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self._routes: RouteTable | None = None
        self._routes_for = -1  # the settings generation the routes were found under

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        try:
            answer = self._answer(environ, started)
        except Exception:  # the stack below answers whatever this could not
            log.exception("Fast path failed; the request goes through Django")
            answer = None
        if answer is None:
            return self.app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def routes(self) -> RouteTable:
        if self._routes is None or self._routes_for != _settings_generation:
            self._routes_for = _settings_generation
            unknown = unknown_middleware()
            if unknown:
                log.warning("Fast path off: it does not know what %s would add to a response.", ", ".join(unknown))
            self._routes = RouteTable([] if unknown else cached_routes())
        return self._routes

    def _answer(self, environ: dict[str, Any], started: float) -> Answer | None:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") != "GET" or not path.startswith(PREFIX):
            return None
        auth = environ.get("HTTP_AUTHORIZATION", "")
        if not auth.startswith("Token ") or environ.get("HTTP_ACCEPT") not in JSON_ACCEPTS:
            return None
        if any(environ.get(name) for name in _PASSED_ON) or not cache_settings().fast_path:
            return None
        token, query_string = auth[6:], environ.get("QUERY_STRING", "")
        if not token or " " in token or not token.isascii() or "format" in query_string:
            return None  # DRF answers malformed headers, and ?format= picks the renderer
        if refusal(environ) is not None:
            return None  # the stack answers 411, 413 or 400 (a body, too many query fields)
        matched = self.routes().match(path[1:])
        if matched is None or not cache_settings().enabled:
            return None
        route, ids = matched
        read = route.read(ids, query_string)
        if read is None:
            return None  # an invalid query string: the view answers 400
        envelope = Envelope(environ)
        if envelope.refused_by_middleware():
            return None
        background.ensure_started()
        if not recovery.clean():  # the view replays the outbox first (so does the maintenance thread)
            return self._passed_on("not_ready")
        throttle = configured_rate("user")
        try:
            found = client.serve(read.key, record_key(read.key.user_id, token), int(time.time() * 1000), throttle)
        except client.CacheUnavailable:
            return self._passed_on("unavailable")
        if found.outcome == client.ServeResult.THROTTLED:  # DRF answers the 429, with the verdict given here
            environ[FASTPATH_IDENTITY] = (read.key.user_id, found.staff)
            environ[THROTTLE_VERDICT] = found.wait_s
            return self._passed_on("throttled")
        if found.outcome == client.ServeResult.UNKNOWN_TOKEN:
            environ[FASTPATH_STAMP] = found.stamp
            environ[FASTPATH_USER] = read.key.user_id
            return self._passed_on("unknown_token")
        if found.outcome == client.ServeResult.MISS:
            prior = PriorRead(read.key, found.read, found.token)
            if found.read.holds_lock and (served := self._load(environ, read, prior)) is not None:
                return self._respond(environ, route, envelope, read, served, started)
            environ[FASTPATH_IDENTITY] = (read.key.user_id, found.staff)
            environ[FASTPATH_PRIOR] = prior
            environ[THROTTLE_VERDICT] = 0  # charged by the call above
            return self._passed_on("miss")
        if found.outcome != client.ServeResult.HIT:
            return self._passed_on("refused_token")
        stats.record_hit(read.key.spec.name)
        served = Served(encoding.restored(found.payload), found.etag, CacheStatus.HIT)
        return self._respond(environ, route, envelope, read, served, started)

    def _load(self, environ: dict[str, Any], read: CachedRead, prior: PriorRead) -> Served | None:
        """Answer a miss here, as the view would: its loader, then the fill under the read's
        stamp and lock, with Django's per-request database housekeeping around it (the
        request signals). Any error (404, the database down) leaves the answer to the view."""
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            return load_and_fill(prior, read.load)
        except Exception:  # the view answers it, and reports what must be reported
            return None
        finally:
            signals.request_finished.send(sender=self.__class__)

    @staticmethod
    def _respond(
        environ: dict[str, Any], route: FastRoute, envelope: Envelope, read: CachedRead, served: Served, started: float
    ) -> Answer:
        if served.status is CacheStatus.HIT and log.isEnabledFor(logging.DEBUG):  # a miss: by load_and_fill
            log.debug("Cache hit: %s", read.key)
        if _names(environ.get("HTTP_IF_NONE_MATCH"), served.etag):
            metrics.count("not_modified")
            headers = envelope.not_modified(served.etag, allow=route.allow, vary=VARY)
            metrics.record_answer(view=route.view_name, secure=envelope.secure, status=304, size=0, started=started)
            return "304 Not Modified", headers, b""
        metrics.count("hit" if served.status is CacheStatus.HIT else "loaded")
        headers = envelope.ok(served.body, served.etag, allow=route.allow, vary=VARY, x_cache=served.status.value)
        size = len(served.body)
        metrics.record_answer(view=route.view_name, secure=envelope.secure, status=200, size=size, started=started)
        return "200 OK", headers, served.body

    @staticmethod
    def _passed_on(outcome: str) -> None:
        metrics.count(outcome)
        return None


def _names(if_none_match: str | None, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (weak comparison, as Django's
    ``get_conditional_response`` does for GET)."""
    if not if_none_match:
        return False
    from django.utils.cache import parse_etags

    etags = parse_etags(if_none_match)
    if etags == ["*"]:
        return True
    return etag.strip("W/") in (tag.strip("W/") for tag in etags)


_settings_generation = 0


@receiver(setting_changed, dispatch_uid="aipal.fastpath.app.reset")
def _reset(*, setting: str, **kwargs: object) -> None:
    """Settings read once (tests change them): read them again."""
    global _settings_generation
    if setting in {"MIDDLEWARE", "ROOT_URLCONF"}:
        _settings_generation += 1
    if setting in {"MIDDLEWARE", "ALLOWED_HOSTS", "DEBUG", "USE_X_FORWARDED_HOST", "DISALLOWED_USER_AGENTS"} or (
        setting.startswith(("SECURE_", "X_FRAME", "PREPEND_"))
    ):
        from aipal.fastpath import envelope

        envelope.forget()
