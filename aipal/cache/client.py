"""The only module that talks to Redis: scripts, error policy and the circuit breaker.

Every call goes through ``guarded``: a Redis error or an open breaker becomes
``CacheUnavailable``, is logged (at most once per ``_LOG_EVERY`` seconds) and counted,
and the caller falls back to the database. While the breaker is open no request
waits on Redis; each failed trial doubles the pause, up to a ceiling.

Reads and fills are Lua scripts so that a hit costs one round trip and a fill can
never store bytes read before a concurrent write committed (see ``keys``).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pybreaker
from django_redis import get_redis_connection
from redis import Redis
from redis.exceptions import NoScriptError, RedisError, ResponseError

from aipal.cache import epoch, stats
from aipal.cache.conf import cache_settings
from aipal.cache.keys import CacheKey, generation_hash

__all__ = [
    "CacheUnavailable",
    "ReadResult",
    "bump_generations",
    "failure_count",
    "fill",
    "guarded",
    "new_token",
    "ping",
    "probe",
    "read",
    "redis_client",
    "release_lock",
    "scan_delete",
    "scan_keys",
]

log = logging.getLogger(__name__)
T = TypeVar("T")
_LOG_EVERY = 10.0
# A generation hash outlives every entry stamped from it (longest TTL is 1800 s).
GENERATION_TTL_SECONDS = 7200

# KEYS: entry, generation hash, fill lock. ARGV: token, lock ms, generation ttl, fields...
# Missing generations start at the caller's fresh random token, never at an old value.
_READ_LUA = """
local gens = {}
for i = 4, #ARGV do
  local g = redis.call('HGET', KEYS[2], ARGV[i])
  if not g then
    g = ARGV[1]
    redis.call('HSET', KEYS[2], ARGV[i], g)
  end
  gens[#gens + 1] = g
end
local stamp = table.concat(gens, ',')
local value = redis.call('GET', KEYS[1])
if value then
  local sep = string.find(value, '\\n', 1, true)
  if sep and string.sub(value, 1, sep - 1) == stamp then
    return {1, string.sub(value, sep + 1)}
  end
end
redis.call('EXPIRE', KEYS[2], ARGV[3])
local locked = redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2])
return {0, stamp, locked and 1 or 0}
"""

# KEYS: entry, generation hash, fill lock. ARGV: stamp, body, ttl ms, token, fields...
# Stores only if the generations are still those read before the loader ran.
_FILL_LUA = """
local gens = {}
for i = 5, #ARGV do
  local g = redis.call('HGET', KEYS[2], ARGV[i])
  if not g then gens = nil break end
  gens[#gens + 1] = g
end
local stored = 0
if gens and table.concat(gens, ',') == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1] .. '\\n' .. ARGV[2], 'PX', ARGV[3])
  stored = 1
end
if redis.call('GET', KEYS[3]) == ARGV[4] then redis.call('DEL', KEYS[3]) end
return stored
"""

_RELEASE_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class _Script:
    """A Lua script run by EVALSHA, loaded on first use or after a Redis restart."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()  # Redis names scripts by SHA1

    def __call__(self, r: Redis, keys: tuple[str, ...], args: tuple[object, ...]):  # type: ignore[no-untyped-def]
        try:
            return r.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            return r.eval(self.source, len(keys), *keys, *args)


_READ = _Script(_READ_LUA)
_FILL = _Script(_FILL_LUA)
_RELEASE = _Script(_RELEASE_LUA)


class CacheUnavailable(Exception):
    """Redis could not be used for this call; serve from the database."""


@dataclass(frozen=True)
class ReadResult:
    body: bytes | None
    stamp: str = ""
    holds_lock: bool = False


class _Backoff(pybreaker.CircuitBreakerListener):
    """Double the breaker's pause after each failed trial; restore it once Redis answers."""

    def state_change(self, cb: pybreaker.CircuitBreaker, old_state, new_state) -> None:  # type: ignore[no-untyped-def]
        conf = cache_settings()
        if new_state.name == pybreaker.STATE_OPEN:
            if old_state is not None and old_state.name == pybreaker.STATE_HALF_OPEN:
                cb.reset_timeout = min(cb.reset_timeout * 2, conf.breaker_max_reset_seconds)
            log.error("Redis circuit breaker open; retrying in %.1fs", cb.reset_timeout)
        elif new_state.name == pybreaker.STATE_CLOSED:
            cb.reset_timeout = conf.breaker_reset_seconds
            log.info("Redis circuit breaker closed; cache back in use")
        stats.set_breaker_state(new_state.name)


class _Breaker(pybreaker.CircuitBreaker):
    """pybreaker's breaker, minus its lock around the protected call.

    NOTE: ``CircuitBreaker.call`` holds the breaker's lock while the call runs, so one
    Redis call waiting on a socket timeout would queue every other thread's call behind
    it. Here the state is read under the lock (``state``) and the call runs outside it;
    state changes still take the lock.
    """

    def call(self, func: Callable[..., T], *args: object, **kwargs: object) -> T:
        return self.state.call(func, *args, **kwargs)


_breaker_lock = threading.Lock()
_breaker: pybreaker.CircuitBreaker | None = None
_last_log = 0.0
_failures = 0


def breaker() -> pybreaker.CircuitBreaker:
    """Return the process-wide circuit breaker, built from the settings on first use."""
    global _breaker
    with _breaker_lock:
        if _breaker is None:
            conf = cache_settings()
            _breaker = _Breaker(
                fail_max=conf.breaker_fail_max,
                reset_timeout=conf.breaker_reset_seconds,
                listeners=[_Backoff()],
                # A refused command (WRONGTYPE, an unknown command) is an answer, not an outage.
                exclude=[ResponseError],
                name="redis",
            )
        return _breaker


def breaker_resting() -> bool:
    """Return True while the breaker is open and its pause has not run out (calls would fail fast)."""
    cb = breaker()
    opened_at = cb._state_storage.opened_at  # pybreaker keeps it there; its own open state reads it too
    if cb.current_state != pybreaker.STATE_OPEN or opened_at is None:
        return False
    return datetime.now(UTC) < opened_at + timedelta(seconds=cb.reset_timeout)


def reset_breaker() -> None:
    """Forget the breaker (tests, or after settings change)."""
    global _breaker
    with _breaker_lock:
        _breaker = None


def redis_client() -> Redis:
    """Return the raw redis-py client behind django-redis' pool."""
    return get_redis_connection("default")


def failure_count() -> int:
    """Return how many Redis calls of this process have failed (only ever grows)."""
    return _failures


def _record_failure() -> None:
    global _failures
    with _breaker_lock:
        _failures += 1
    stats.record_error()


def _log_failure(exc: BaseException) -> None:
    global _last_log
    now = time.monotonic()
    if now - _last_log >= _LOG_EVERY:
        _last_log = now
        log.error("Redis call failed: %s", exc)


def guarded(operation: Callable[[Redis], T]) -> T:
    """Run one Redis operation through the breaker; any failure becomes CacheUnavailable."""
    try:
        return breaker().call(operation, redis_client())
    except pybreaker.CircuitBreakerError as exc:
        _record_failure()
        raise CacheUnavailable("circuit breaker open") from exc
    except ResponseError as exc:  # refused (OOM, ACL, WRONGTYPE): not an outage for the breaker
        _record_failure()
        _log_failure(exc)
        raise CacheUnavailable(str(exc)) from exc
    except (RedisError, OSError) as exc:
        _record_failure()
        _log_failure(exc)
        raise CacheUnavailable(str(exc)) from exc


def _in_one_epoch(operation: Callable[[], T]) -> T:
    """Run an operation whose keys name the server's lifetime; discard it if Redis restarted.

    Keys are built inside ``operation`` from ``epoch.current()``. A restart is seen by
    the reconnection that precedes the command, so a changed run_id after the call
    means the keys named the previous lifetime: the result cannot be trusted.
    """
    if epoch.current() is None:
        guarded(epoch.learn)
    before = epoch.current()
    result = operation()
    if epoch.current() != before:
        _record_failure()
        raise CacheUnavailable("Redis restarted during the call")
    return result


def new_token() -> str:
    """Return a fresh random token (fill lock owner, new generation value)."""
    return secrets.token_hex(8)


def read(key: CacheKey, token: str) -> ReadResult:
    """Fetch an entry if its stamp matches the current generations; else try the fill lock."""
    conf = cache_settings()

    def op() -> list:
        keys = (key.entry, key.generations, key.fill_lock)
        args = (token, conf.fill_lock_ms, GENERATION_TTL_SECONDS, *key.generation_fields)
        return guarded(lambda r: _READ(r, keys, args))

    reply = _in_one_epoch(op)
    if int(reply[0]) == 1:
        return ReadResult(body=bytes(reply[1]))
    return ReadResult(body=None, stamp=reply[1].decode(), holds_lock=bool(int(reply[2])))


def fill(key: CacheKey, stamp: str, body: bytes, ttl_ms: int, token: str) -> bool:
    """Store ``body`` under ``key`` unless a write changed its generations since ``stamp``."""

    def op() -> int:
        keys = (key.entry, key.generations, key.fill_lock)
        return guarded(lambda r: _FILL(r, keys, (stamp, body, ttl_ms, token, *key.generation_fields)))

    return bool(int(_in_one_epoch(op)))


def release_lock(key: CacheKey, token: str) -> None:
    """Drop the fill lock if this caller still holds it."""
    guarded(lambda r: _RELEASE(r, (key.fill_lock,), (token,)))


def bump_generations(per_user: Mapping[int, Iterable[str]]) -> None:
    """Give each user's ``fields`` a fresh random generation, all in one round trip."""
    token = new_token()
    work = {user_id: sorted(fields) for user_id, fields in per_user.items() if fields}
    if not work:
        return

    def op() -> None:
        def send(r: Redis) -> None:
            pipe = r.pipeline(transaction=False)
            for user_id, fields in work.items():
                pipe.hset(generation_hash(user_id), mapping=dict.fromkeys(fields, token))
                pipe.expire(generation_hash(user_id), GENERATION_TTL_SECONDS)
            pipe.execute()

        guarded(send)

    _in_one_epoch(op)


def ping() -> float:
    """Return the PING round trip in milliseconds."""

    def op(r: Redis) -> float:
        started = time.perf_counter()
        r.ping()
        return (time.perf_counter() - started) * 1000

    return guarded(op)


def probe(timeout_s: float = 0.25) -> float | None:
    """PING on a fresh connection with a short timeout; return ms, or None when Redis fails.

    For liveness probes: it never waits on the pool, the breaker or the socket timeout.
    """
    pool = redis_client().connection_pool
    connection = pool.connection_class(
        **{**pool.connection_kwargs, "socket_timeout": timeout_s, "socket_connect_timeout": timeout_s}
    )
    started = time.perf_counter()
    try:
        connection.connect()
        connection.send_command("PING")
        connection.read_response()
    except (RedisError, OSError):
        return None
    finally:
        connection.disconnect()
    return (time.perf_counter() - started) * 1000


def scan_keys(pattern: str, count: int = 500) -> Iterator[bytes]:
    """Yield keys matching ``pattern`` with SCAN (never KEYS); off the request path only."""
    yield from guarded(lambda r: list(r.scan_iter(match=pattern, count=count)))


def scan_delete(pattern: str, batch: int = 500) -> int:
    """Delete every key matching ``pattern`` in batches; return how many were deleted."""

    def op(r: Redis) -> int:
        deleted = 0
        chunk: list[bytes] = []
        for key in r.scan_iter(match=pattern, count=batch):
            chunk.append(key)
            if len(chunk) >= batch:
                deleted += r.unlink(*chunk)
                chunk.clear()
        if chunk:
            deleted += r.unlink(*chunk)
        return deleted

    return guarded(op)


def info(section: str | None = None) -> dict:
    """Return ``INFO`` (or one section of it)."""
    return guarded(lambda r: r.info(section) if section else r.info())
