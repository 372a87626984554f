"""Reads, fills and generation bumps: Lua scripts and pipelines, one round trip each.

Reads and fills are Lua scripts so that a hit costs one round trip and a fill can
never store bytes read before a concurrent write committed (see ``keys``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import NoScriptError

from aipal.cache.client.guard import guarded, in_one_epoch
from aipal.cache.conf import cache_settings
from aipal.cache.keys import CacheKey, generation_hash

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


@dataclass(frozen=True)
class ReadResult:
    body: bytes | None
    stamp: str = ""
    holds_lock: bool = False


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

    reply = in_one_epoch(op)
    if int(reply[0]) == 1:
        return ReadResult(body=bytes(reply[1]))
    return ReadResult(body=None, stamp=reply[1].decode(), holds_lock=bool(int(reply[2])))


def fill(key: CacheKey, stamp: str, body: bytes, ttl_ms: int, token: str) -> bool:
    """Store ``body`` under ``key`` unless a write changed its generations since ``stamp``."""

    def op() -> int:
        keys = (key.entry, key.generations, key.fill_lock)
        return guarded(lambda r: _FILL(r, keys, (stamp, body, ttl_ms, token, *key.generation_fields)))

    return bool(int(in_one_epoch(op)))


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

    in_one_epoch(op)
