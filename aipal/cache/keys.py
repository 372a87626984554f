"""Every cached data set, declared once: its key template and TTL.

A key reads ``{prefix}:{schema}:{run_id}:{u:<user>}:<template>[?<variant>]``, where
``run_id`` names the Redis server's lifetime (see ``epoch``): the client passes it in,
so a key never reads the server identity behind the caller's back. The user's hash
tag keeps all of one user's keys (entries, generation hash, fill locks) on one Redis
Cluster slot, so the Lua scripts of ``client`` stay single-slot.

NOTE: entries are never deleted one by one on a write. Each entry is stamped with
the *generations* it was filled under (the user's and its data set's, per object for
detail keys); a write replaces those generations with fresh random values in one
round trip, which makes every variant (filters, limits) of the data set unreadable
at once. ``SCHEMA_VERSION`` changes whenever a response's shape changes, so a new
release never serves bytes cached by the previous one; the generation hash keeps
``GENERATIONS_SCHEMA``, so a write on a server of either release invalidates both.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from functools import lru_cache
from typing import NamedTuple

from aipal.cache.conf import cache_settings

__all__ = [
    "ALL_SPECS",
    "AUTH_TOKEN",
    "HEALTH_PROBE",
    "PROBE_USER_ID",
    "THROTTLES",
    "ARI_HISTORY",
    "ARI_LATEST",
    "DASHBOARD",
    "GOAL_DETAIL",
    "GOAL_LIST",
    "PREDICTIONS",
    "PROFILE",
    "SCHEMA_VERSION",
    "TOKEN_RECORD_TTL_SECONDS",
    "TASK_DETAIL",
    "TASK_LIST",
    "USER_GENERATION",
    "COMMIT_POSITION",
    "CacheKey",
    "CacheTTL",
    "KeyNames",
    "KeySpec",
    "app_key",
    "app_key_pattern",
    "generation_hash",
    "throttle_key",
    "token_record",
    "user_base",
    "user_key_pattern",
    "user_tag",
    "user_throttle_key",
]

# v2: entries hold their ETag and may be compressed with encoding's preset dictionary.
SCHEMA_VERSION = "v2"
# The generation every key of a user carries: bumping it drops all of the user's entries.
USER_GENERATION = "*user"
# The generation hash's field holding the user's last commit position (or a marker),
# kept for PostgreSQL replicas (aipal.db.wal); the Lua scripts spell it (bump, read,
# serve, fill), and tests/cache/test_keys.py holds them to this name.
COMMIT_POSITION = "*lsn"
GENERATION_HASH = "gen"
# NOTE: the generation hash keeps this schema whatever SCHEMA_VERSION becomes. During a
# rolling deploy servers of two releases share one Redis: a write on either must bump
# the generations the entries of both are stamped with (entries carry SCHEMA_VERSION,
# so neither serves the other's bytes). Never change it with SCHEMA_VERSION.
GENERATIONS_SCHEMA = "v2"

_SCOPE = re.compile(r"^[a-z]{1,16}$")
_VARIANT_VALUE = re.compile(r"^[A-Za-z0-9_.:+~\-]{1,64}$")
_MAX_ID = 2**63 - 1


class CacheTTL(IntEnum):
    """TTLs of the seed design, in seconds."""

    SYSTEM_HEALTH = 60
    TASK_STATUS = 120
    ARI_METRICS = 300
    GOAL_DETAILS = 600
    USER_PROFILE = 1800


def _valid_id(value: object) -> int:
    """Return ``value`` as a positive id, refusing anything that could shape a key."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= _MAX_ID:
        raise ValueError(f"cache ids must be positive integers, got {value!r}")
    return value


@dataclass(frozen=True)
class KeySpec:
    """One cached data set: ``template`` names it, ``object_param`` scopes it per object."""

    name: str
    template: str
    ttl: int | None = None  # a CacheTTL for the responses
    object_param: str | None = None

    def ttl_seconds(self) -> int:
        """Return the TTL in seconds; data sets without a named TTL use CACHE_TTL_SECONDS."""
        return int(self.ttl) if self.ttl is not None else cache_settings().default_ttl

    def generation_field(self, object_id: int | None = None) -> str:
        """Return the generation-hash field this data set (or one of its objects) uses."""
        if self.object_param is None:
            return self.name
        return f"{self.name}:{_valid_id(object_id)}"

    def key(
        self, *, user_id: int, object_id: int | None = None, variant: Mapping[str, object] | None = None
    ) -> CacheKey:
        """Build the key of one cached response."""
        return CacheKey(spec=self, user_id=_valid_id(user_id), object_id=object_id, variant=_variant(variant))


def _variant(params: Mapping[str, object] | None) -> str:
    """Encode query parameters canonically (sorted, validated) so one filter has one key."""
    if not params:
        return ""
    return _encoded(tuple(sorted((name, type(value), value) for name, value in params.items())))


@lru_cache(maxsize=4096)
def _encoded(params: tuple[tuple[str, type, object], ...]) -> str:
    """``_variant`` of sorted (name, type, value) triples; remembered, as query strings repeat."""
    parts = []
    for name, _, value in params:
        if isinstance(value, datetime):
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        text = "~" if value is None else str(value)
        if text and not _VARIANT_VALUE.match(text):
            raise ValueError(f"unsafe cache variant value {name}={text!r}")
        parts.append(f"{name}={text}")
    return "&".join(parts)


def user_tag(user_id: int) -> str:
    """Return the hash tag of one user's keys: a Redis Cluster keeps them all on one slot."""
    return f"{{u:{_valid_id(user_id)}}}"


def user_base(run_id: str, user_id: int) -> str:
    """Return the part every key of one user starts with (its hash tag included)."""
    return f"{cache_settings().key_prefix}:{SCHEMA_VERSION}:{run_id}:{user_tag(user_id)}"


def app_key(name: str) -> str:
    """Return the key of an app-wide record under the prefix (``stats``, ``health:...``,
    ``throttle:...``): one user's data never lives there."""
    return f"{cache_settings().key_prefix}:{name}"


THROTTLES = "throttle:"


def user_throttle_key(user_id: int) -> str:
    """Return the key of one user's request throttle: under the user's hash tag, so the fast
    path's call charges it, and outside every server lifetime (``user_base``), since a
    count of requests does not go stale."""
    return app_key(f"{THROTTLES}user:{user_tag(user_id)}")


def throttle_key(scope: str, ident: str) -> str:
    """Return the key of a throttle counting by ``ident`` (an IP address, a username and
    an IP address): hashed, so no client-chosen text reaches a key."""
    if not _SCOPE.match(scope):
        raise ValueError(f"a throttle scope is a lowercase word, got {scope!r}")
    digest = hashlib.blake2b(ident.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return app_key(f"{THROTTLES}{scope}:{digest}")


def user_key_pattern(user_id: int) -> str:
    """Return the SCAN pattern matching every key of one user, of every schema and server
    lifetime (ids validated first, the prefix escaped)."""
    return f"{_glob_escape(cache_settings().key_prefix)}:*:{user_tag(user_id)}:*"


def app_key_pattern() -> str:
    """Return the SCAN pattern matching every key of this app (all schema versions)."""
    prefix = cache_settings().key_prefix
    return f"{_glob_escape(prefix)}:*"


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)


class KeyNames(NamedTuple):
    """The Redis keys of one cached response under one server lifetime."""

    entry: str
    generations: str
    fill_lock: str


@dataclass(frozen=True)
class CacheKey:
    """One cached response: its data set, user, object and variant.

    ``names(run_id)`` spells its Redis keys for one server lifetime (see ``epoch``):
    the user's part is built once and the entry, generation hash and fill lock derive
    from it.
    """

    spec: KeySpec
    user_id: int
    object_id: int | None
    variant: str

    def __post_init__(self) -> None:
        if self.spec.object_param is not None:
            _valid_id(self.object_id)

    def names(self, run_id: str) -> KeyNames:
        base = user_base(run_id, self.user_id)
        entry = f"{base}:{self.path}?{self.variant}" if self.variant else f"{base}:{self.path}"
        same = SCHEMA_VERSION == GENERATIONS_SCHEMA  # the generation hash then shares the entries' base
        generations = f"{base}:{GENERATION_HASH}" if same else generation_hash(run_id, self.user_id)
        return KeyNames(entry, generations, f"{entry}#lock")

    @property
    def path(self) -> str:
        """The data set's part of the key (its template, with the object id)."""
        if self.spec.object_param:
            return self.spec.template.format(**{self.spec.object_param: self.object_id})
        return self.spec.template

    def __str__(self) -> str:
        """The key as logs show it: the user's tag, the data set, its object and variant
        (the Redis key adds the prefix, schema and server lifetime)."""
        tail = f"{self.path}?{self.variant}" if self.variant else self.path
        return f"{{u:{self.user_id}}}:{tail}"

    @property
    def generation_fields(self) -> tuple[str, str]:
        return (USER_GENERATION, self.spec.generation_field(self.object_id))

    @property
    def ttl_seconds(self) -> int:
        return self.spec.ttl_seconds()


def generation_hash(run_id: str, user_id: int) -> str:
    """Return the key of the hash holding one user's generations (every release's: ``GENERATIONS_SCHEMA``)."""
    return f"{cache_settings().key_prefix}:{GENERATIONS_SCHEMA}:{run_id}:{user_tag(user_id)}:{GENERATION_HASH}"


PROFILE = KeySpec("PROFILE", "profile", CacheTTL.USER_PROFILE)
ARI_LATEST = KeySpec("ARI_LATEST", "ari:latest", CacheTTL.ARI_METRICS)
ARI_HISTORY = KeySpec("ARI_HISTORY", "ari:history", CacheTTL.ARI_METRICS)
PREDICTIONS = KeySpec("PREDICTIONS", "ari:predictions", CacheTTL.ARI_METRICS)
DASHBOARD = KeySpec("DASHBOARD", "dashboard", CacheTTL.ARI_METRICS)
GOAL_LIST = KeySpec("GOAL_LIST", "goals:list", CacheTTL.GOAL_DETAILS)
GOAL_DETAIL = KeySpec("GOAL_DETAIL", "goals:{goal}", CacheTTL.GOAL_DETAILS, object_param="goal")
TASK_LIST = KeySpec("TASK_LIST", "tasks:list", CacheTTL.TASK_STATUS)
TASK_DETAIL = KeySpec("TASK_DETAIL", "tasks:{task}", CacheTTL.TASK_STATUS, object_param="task")
# A token record lives a minute at most (and never past its token): a change no signal
# reports (``User.objects.update(is_active=False)``) reaches the cached path within that minute.
TOKEN_RECORD_TTL_SECONDS = 60
# Not a response: the record of one token (variant ``t=<hash>``) that lets a hit check it
# without the database (see aipal.accounts.tokens).
AUTH_TOKEN = KeySpec("AUTH_TOKEN", "auth", TOKEN_RECORD_TTL_SECONDS)
_HASH = re.compile(r"^[0-9a-f]{32}$")


def token_record(user_id: int, token_hash: str) -> CacheKey:
    """Return the key of one token's record (variant ``t=<hash>``; the token itself never)."""
    if not _HASH.match(token_hash):
        raise ValueError("a token record is named by 32 hex digits of the token's hash")
    return CacheKey(spec=AUTH_TOKEN, user_id=_valid_id(user_id), object_id=None, variant=f"t={token_hash}")


# The health check's invalidation probe (cachehealth.probe): one entry per process, of a
# user id no real user can have; not a data set of the API, so not in ALL_SPECS.
PROBE_USER_ID = 2**63 - 1
HEALTH_PROBE = KeySpec("HEALTH_PROBE", "health:probe:{probe}", 60, object_param="probe")

ALL_SPECS: tuple[KeySpec, ...] = (
    PROFILE,
    ARI_LATEST,
    ARI_HISTORY,
    PREDICTIONS,
    DASHBOARD,
    GOAL_LIST,
    GOAL_DETAIL,
    TASK_LIST,
    TASK_DETAIL,
    AUTH_TOKEN,
)
