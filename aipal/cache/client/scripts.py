"""Reads, fills and generation bumps: Lua scripts and pipelines, one round trip each.

Reads and fills are Lua scripts (``aipal/cache/lua``, run by redis-py's ``Script``) so
that a hit costs one round trip and a fill can never store bytes read before a
concurrent write committed (see ``keys``). Every call names the server lifetime its
keys were built for, so a Redis restart during the call discards its result.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from redis import Redis
from redis.commands.core import Script
from redis.exceptions import NoScriptError, ResponseError

from aipal.cache import encoding
from aipal.cache.client import direct, topology
from aipal.cache.client.guard import guarded, outside_breaker, server_run_id
from aipal.cache.client.lua import lua_script
from aipal.cache.client.throttle import Rate
from aipal.cache.conf import cache_settings
from aipal.cache.keys import TOKEN_RECORD_TTL_SECONDS, CacheKey, generation_hash, user_throttle_key

__all__ = [
    "GENERATION_TTL_SECONDS",
    "ReadResult",
    "bump_generations",
    "fill",
    "lua_script",
    "new_token",
    "read",
    "release_lock",
    "serve",
    "ServeResult",
]

# A generation hash outlives every entry stamped from it (longest TTL is 1800 s).
GENERATION_TTL_SECONDS = 7200

_READ = lua_script("read")
_FILL = lua_script("fill")
_RELEASE = lua_script("release")
_SERVE = lua_script("serve", include=("gcra",))
_BUMP = lua_script("bump")


@dataclass(frozen=True)
class ReadResult:
    body: bytes | None
    etag: str = ""
    stamp: str = ""
    holds_lock: bool = False
    # The user's last commit position on a miss (``*lsn``: see ``aipal.db.wal``), if known.
    lsn: int | None = None
    # ``*lsn`` as the miss found it when it held no position: '' (absent) or a "?" marker.
    # A fill with a floor stores the floor only while ``*lsn`` is still this (fill.lua).
    lsn_seen: str = ""


@dataclass(frozen=True)
class ServeResult:
    """What the fast path's call found: ``HIT`` (etag and stored payload), ``MISS`` (the
    token is valid, the entry is not: ``read`` is what ``read()`` would have answered,
    under ``token``, and ``staff`` the owner's flag), ``THROTTLED`` (the token is valid, the
    user's throttle refused the request for ``wait_s``; ``staff`` as for a miss),
    ``REFUSED`` (the token expired or its user is inactive) or ``UNKNOWN_TOKEN`` (no valid
    record: ``stamp`` is what to fill it with). A hit or a miss was charged to the user's
    throttle; the others were not."""

    HIT: ClassVar[int] = 1
    MISS: ClassVar[int] = 2
    THROTTLED: ClassVar[int] = 3
    REFUSED: ClassVar[int] = -1
    UNKNOWN_TOKEN: ClassVar[int] = 0

    outcome: int
    etag: str = ""
    payload: bytes = b""
    stamp: str = ""
    read: ReadResult | None = None
    token: str = ""
    staff: bool = False
    wait_s: float = 0.0


def new_token() -> str:
    """Return a fresh random token (fill lock owner, new generation value).

    Unique, not secret (no one outside Redis sees it): the process's seeded generator,
    which Python reseeds in a forked worker, spares the hit path a getrandom() call.
    """
    return f"{random.getrandbits(64):016x}"


def read(key: CacheKey, token: str) -> ReadResult:
    """Fetch an entry if its stamp matches the current generations; else try the fill lock."""
    run_id = server_run_id(key.user_id)
    names = key.names(run_id)
    args = (token, cache_settings().fill_lock_ms, GENERATION_TTL_SECONDS, *key.generation_fields)
    keys = (names.entry, names.generations, names.fill_lock)
    reply = guarded(lambda r: _READ(keys, args, client=r), lifetimes={key.user_id: run_id})
    if int(reply[0]) == 1:
        return ReadResult(body=encoding.restored(bytes(reply[2])), etag=reply[1].decode())
    return _missed(reply[1], reply[2], reply[3])


def _missed(stamp: bytes, locked: bytes | int, held: bytes) -> ReadResult:
    """A miss as read.lua and serve.lua answer it; ``held`` is the raw ``*lsn``."""
    position, seen = (int(held), "") if held.isdigit() else (None, held.decode())
    return ReadResult(body=None, stamp=stamp.decode(), holds_lock=bool(int(locked)), lsn=position, lsn_seen=seen)


def _stored_position(lsn: int | None) -> str:
    """A WAL position as the scripts keep it: 20 digits; "unknown" below 0; "" for none."""
    return "" if lsn is None else ("unknown" if lsn < 0 else f"{lsn:020d}")


def fill(
    key: CacheKey,
    stamp: str,
    value: bytes,
    ttl_ms: int,
    token: str = "",
    lsn_floor: int | None = None,
    lsn_seen: str = "",
) -> bool:
    """Store ``value`` under ``key`` unless a write changed its generations since ``stamp``;
    with it, set the user's ``*lsn`` to ``lsn_floor`` (a stamp read without a position)
    if ``*lsn`` still holds ``lsn_seen``, what the read found ('' for none)."""
    run_id = server_run_id(key.user_id)
    names = key.names(run_id)
    keys = (names.entry, names.generations, names.fill_lock)
    args = (stamp, value, ttl_ms, token, _stored_position(lsn_floor), lsn_seen, *key.generation_fields)
    return bool(int(guarded(lambda r: _FILL(keys, args, client=r), lifetimes={key.user_id: run_id})))


def serve(entry: CacheKey, token_record: CacheKey, now_ms: int, throttle: Rate | None = None) -> ServeResult:
    """Check a token's record, charge its user's ``throttle`` and read ``entry``, in one round
    trip (all keys of one user)."""
    run_id = server_run_id(entry.user_id)
    names = entry.names(run_id)
    token = new_token()
    throttle_key = user_throttle_key(entry.user_id)
    keys = (token_record.names(run_id).entry, names.generations, names.entry, names.fill_lock, throttle_key)
    fill_lock_ms = cache_settings().fill_lock_ms
    interval, period = (throttle.interval_ms, throttle.period_ms) if throttle else (0, 0)
    args = (now_ms, entry.user_id, entry.generation_fields[1], token, GENERATION_TTL_SECONDS, fill_lock_ms)
    args += (interval, period, TOKEN_RECORD_TTL_SECONDS)
    reply = guarded(lambda r: direct.evalsha(r, _SERVE, keys, args), lifetimes={entry.user_id: run_id})
    outcome = int(reply[0])
    if outcome == ServeResult.HIT:
        _, etag, payload = reply[1].split(b"\n", 2)
        return ServeResult(outcome, etag=etag.decode(), payload=payload)
    if outcome == ServeResult.MISS:
        read = _missed(reply[1], reply[2], reply[4])
        return ServeResult(outcome, read=read, token=token, staff=bool(int(reply[3])))
    if outcome == ServeResult.UNKNOWN_TOKEN:
        return ServeResult(outcome, stamp=reply[1].decode())
    if outcome == ServeResult.THROTTLED:
        return ServeResult(outcome, wait_s=int(reply[1]) / 1000, staff=bool(int(reply[2])))
    return ServeResult(outcome)


def release_lock(key: CacheKey, token: str) -> None:
    """Drop the fill lock if this caller still holds it."""
    run_id = server_run_id(key.user_id)
    lock = key.names(run_id).fill_lock
    guarded(lambda r: _RELEASE((lock,), (token,), client=r), lifetimes={key.user_id: run_id})


def bump_generations(
    per_user: Mapping[int, Iterable[str]], *, fresh_connection: bool = False, lsn: int | None = None
) -> None:
    """Give each user's ``fields`` a fresh random generation, all in one round trip (a
    ``bump.lua`` call per user, in a pipeline).

    ``lsn``: the primary's position after the writes committed, kept as each user's
    ``*lsn`` (None: SQLite, no replicas; below 0: unknown, a marker; see bump.lua).

    ``fresh_connection``: on a connection of its own, even while the breaker rests (see
    ``guard.outside_breaker``): the retry of an invalidation that failed.
    """
    token = new_token()
    work = {user_id: sorted(fields) for user_id, fields in per_user.items() if fields}
    if not work:
        return
    position = _stored_position(lsn)

    def send(r: Redis, lifetimes: Mapping[int, str]) -> None:
        for server, users in topology.by_master(r, work):  # a cluster: one pipeline per master

            def build(server: Redis = server, users: list[int] = users) -> Any:
                pipe = server.pipeline(transaction=False)
                for user_id in users:
                    name = generation_hash(lifetimes[user_id], user_id)
                    pipe.evalsha(_BUMP.sha, 1, name, token, GENERATION_TTL_SECONDS, position, *work[user_id])
                return pipe

            try:
                _executed(server, build, _BUMP)
            except ResponseError as exc:
                if not topology.redirected(exc):
                    raise
                # A slot moved or is migrating (resharding): through RedisCluster, which
                # follows MOVED and ASK. A moved slot's master has another lifetime, so
                # ``guarded`` then discards the call and the caller retries with new names.
                topology.after_failure(r, exc)
                for user_id in users:
                    name = generation_hash(lifetimes[user_id], user_id)
                    _BUMP((name,), (token, GENERATION_TTL_SECONDS, position, *work[user_id]), client=r)

    if fresh_connection:
        outside_breaker(send, work)
        return
    lifetimes = {user_id: server_run_id(user_id) for user_id in work}
    guarded(lambda r: send(r, lifetimes), lifetimes=lifetimes)


def _executed(r: Redis, build: Callable[[], Any], script: Script) -> list[Any]:
    """Execute the pipeline of EVALSHA calls of ``script`` that ``build`` queues; once more
    after loading the script if the server lost it (a restart). NOTE: not redis-py's
    ``Script`` in the pipeline, which asks ``SCRIPT EXISTS`` on every execute: a round
    trip more per write."""
    replies = build().execute(raise_on_error=False)
    if any(isinstance(reply, NoScriptError) for reply in replies):
        r.script_load(script.script)
        replies = build().execute(raise_on_error=False)
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies
