"""The error policy of every Redis call: the circuit breaker, failure counting, logging.

Every call goes through ``guarded``: a Redis error, an open breaker or a server restart
seen during the call becomes ``CacheUnavailable``, is logged (at most once per
``_LOG_EVERY`` seconds) and counted, and the caller falls back to the database. While the breaker is open no request
waits on Redis; each failed trial doubles the pause, up to a ceiling.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pybreaker
from django.core.signals import setting_changed
from django.dispatch import receiver
from django_redis import get_redis_connection
from redis import ConnectionPool, Redis, RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisClusterException, RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from aipal.cache import epoch, keys, stats
from aipal.cache.client import direct, topology
from aipal.cache.conf import cache_settings

log = logging.getLogger("aipal.cache.client")
T = TypeVar("T")
_LOG_EVERY = 10.0
# What a failed call raises: redis-py's errors, a socket's, and a cluster whose slot map
# has no master for a slot (during a failover).
_FAILURES = (RedisError, OSError, RedisClusterException)


class CacheUnavailable(Exception):
    """Redis could not be used for this call; serve from the database."""


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
_client: Redis | None = None
_clustered = False  # whether _client is a RedisCluster (asked on every call of the hit path)


def breaker() -> pybreaker.CircuitBreaker:
    """Return the process-wide circuit breaker, built from the settings on first use."""
    global _breaker
    if _breaker is not None:  # every Redis call asks: no lock once it exists
        return _breaker
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
    """Return the raw redis-py client behind django-redis' pool (looked up once per settings).

    A cluster's client reads the slot map when it is built: a cluster no startup node
    answers for raises CacheUnavailable (counted, so the breaker opens), and the next
    call tries again.
    """
    global _client, _clustered
    if _client is None:
        try:
            found = get_redis_connection("default")
        except _FAILURES as exc:
            _record_failure()
            _log_failure(exc)
            raise CacheUnavailable(f"Redis cannot be reached: {exc}") from exc
        _client, _clustered = found, topology.is_cluster(found)
    return _client


@receiver(setting_changed, dispatch_uid="aipal.cache.client.guard.reset")
def _forget_client(*, setting: str, **kwargs: object) -> None:
    global _client
    if setting == "CACHES":
        _client = None
        direct.forget()
        topology.forget_clusters()


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
        lost = isinstance(exc, RedisConnectionError | RedisTimeoutError | ConnectionError | TimeoutError)
        log.error("Redis connection failed: %s" if lost else "Redis call failed: %s", exc)


def _raise(exc: BaseException) -> None:
    raise exc


def _through_breaker(operation: Callable[[Redis], T]) -> T:
    """Run ``operation`` under the breaker's rules, at no cost while all is well.

    NOTE: pybreaker's ``call`` costs about as much as the hit path's whole Redis call
    (state lookup, listeners, a counter reset on every success). While the breaker is
    closed with no failure counted, nothing needs recording on success, so the operation
    runs directly; a failure is then handed to the breaker, which counts it (or opens)
    exactly as if it had made the call.
    """
    cb = breaker()
    storage = cb._state_storage  # the state pybreaker itself reads (see breaker_resting)
    if storage.state != pybreaker.STATE_CLOSED or storage.counter:
        return cb.call(lambda: operation(redis_client()))  # an open breaker fails fast: no client built
    try:
        return operation(redis_client())
    except BaseException as exc:
        cb.call(_raise, exc)  # re-raises it, or CircuitBreakerError when it opens the breaker
        raise


def outside_breaker(operation: Callable[[Redis, Mapping[int, str]], T], users: Iterable[int]) -> T:
    """Run one operation on ``users``' keys on a fresh connection with a short timeout,
    whatever the breaker.

    For invalidations, which must not be put off because this process's breaker is still
    resting after an outage that is over for the others (they would serve what the write
    changed until a drainer replays it). ``operation`` gets each user's server lifetime,
    learnt after connecting; success closes the breaker. A cluster's client is used as it
    is (its nodes' pools, its timeouts): it has no single connection to replace.
    """
    r = redis_client()
    try:
        if topology.is_cluster(r):
            lifetimes = {user_id: _cluster_run_id(r, user_id) for user_id in users}
            result = operation(r, lifetimes)
        else:
            result, lifetimes = _on_fresh_connection(r, operation, users)
    except _FAILURES as exc:
        _record_failure()
        _log_failure(exc)
        topology.after_failure(r, exc)
        raise CacheUnavailable(str(exc)) from exc
    if _moved(lifetimes):
        _record_failure()
        raise CacheUnavailable("Redis restarted or failed over during the call")
    cb = breaker()
    if cb.current_state != pybreaker.STATE_CLOSED:
        cb.close()
    return result


def _on_fresh_connection(
    r: Redis, operation: Callable[[Redis, Mapping[int, str]], T], users: Iterable[int], timeout_s: float = 0.25
) -> tuple[T, dict[int, str]]:
    pool = r.connection_pool
    kwargs = {**pool.connection_kwargs, "socket_timeout": timeout_s, "socket_connect_timeout": timeout_s}
    kwargs.pop("retry", None)
    single = ConnectionPool(connection_class=pool.connection_class, max_connections=1, **kwargs)
    try:
        single.release(single.get_connection())  # connects: the run_id is learnt on connect
        run_id = epoch.current() or epoch.NO_RUN_ID
        lifetimes = dict.fromkeys(users, run_id)
        return operation(Redis(connection_pool=single), lifetimes), lifetimes
    finally:
        single.disconnect()


def _cluster_run_id(r: RedisCluster, user_id: int, *, learn: bool = True) -> str:
    """The run_id of the master serving ``user_id``'s slot, asking it once if unknown."""
    node = topology.node_name(r, topology.user_slot(keys.user_tag(user_id)))
    run_id = epoch.current(node)
    if run_id is None and learn:
        epoch.learn(r.get_redis_connection(r.get_node(node_name=node)), node)
        run_id = epoch.current(node)
    return run_id or epoch.NO_RUN_ID


def server_run_id(user_id: int | None = None) -> str:
    """Return the run_id of the server lifetime ``user_id``'s keys belong to: the server's,
    or in a cluster the master's that serves the user's slot. Asked once per server and
    process; without a user, the lifetime of the server last connected to."""
    redis_client()  # looked up first: it says whether it is a cluster
    if user_id is not None and _clustered:
        try:
            return _through_breaker(lambda c: _cluster_run_id(c, user_id))
        except (pybreaker.CircuitBreakerError, *_FAILURES) as exc:
            _record_failure()
            raise CacheUnavailable(str(exc)) from exc
    run_id = epoch.current()
    if run_id is None:
        guarded(epoch.learn)
        run_id = epoch.current() or epoch.NO_RUN_ID
    return run_id


def server_lifetimes() -> tuple[str, ...]:
    """Return the run_ids of every master (one for a single server), asking any unknown one:
    what names "this Redis" for records kept per server lifetime (the key count)."""
    r = redis_client()
    if not topology.is_cluster(r):
        return (server_run_id(),)

    def read(c: RedisCluster) -> tuple[str, ...]:
        found = []
        for node in c.get_primaries():
            if epoch.current(node.name) is None:
                epoch.learn(c.get_redis_connection(node), node.name)
            found.append(epoch.current(node.name) or epoch.NO_RUN_ID)
        return tuple(sorted(found))

    return guarded(read)


def _moved(lifetimes: Mapping[int, str]) -> bool:
    """Whether a user's keys now belong to another server lifetime than the call used (a
    restart, or a failover: another master serves the slot)."""
    r = redis_client()
    if not _clustered:
        current = epoch.current()
        for run_id in lifetimes.values():
            if run_id != current:
                return True
        return False
    try:
        return any(_cluster_run_id(r, user_id, learn=False) != run_id for user_id, run_id in lifetimes.items())
    except RedisClusterException:
        return True


def guarded(operation: Callable[[Redis], T], *, lifetimes: Mapping[int, str] | None = None) -> T:
    """Run one Redis operation through the breaker; any failure becomes CacheUnavailable.

    An operation whose keys name server lifetimes passes them (``{user_id: run_id}`` from
    ``server_run_id``): a restart or a failover is seen by the reconnection that precedes
    the command (or the slot map it refreshed), so another run_id after the call means the
    keys named a previous lifetime, and the result is discarded.
    Each call that reached Redis is timed (``redis_operation_duration_ms``).
    """
    started = time.perf_counter()
    try:
        result = _through_breaker(operation)
    except pybreaker.CircuitBreakerError as exc:  # failed fast, or the failure that opened it
        _record_failure()
        raise CacheUnavailable("circuit breaker open") from exc
    except CacheUnavailable:  # the client could not be built (already counted)
        stats.record_redis_call((time.perf_counter() - started) * 1000)
        raise
    except ResponseError as exc:  # refused (OOM, ACL, WRONGTYPE): not an outage for the breaker
        stats.record_redis_call((time.perf_counter() - started) * 1000)
        _record_failure()
        _log_failure(exc)
        topology.after_failure(_client, exc)  # a cluster's MOVED: its slot map is old
        raise CacheUnavailable(str(exc)) from exc
    except _FAILURES as exc:
        stats.record_redis_call((time.perf_counter() - started) * 1000)
        _record_failure()
        _log_failure(exc)
        topology.after_failure(_client, exc)
        raise CacheUnavailable(str(exc)) from exc
    stats.record_redis_call((time.perf_counter() - started) * 1000)
    if lifetimes is not None and _moved(lifetimes):
        _record_failure()
        raise CacheUnavailable("Redis restarted or failed over during the call")
    return result
