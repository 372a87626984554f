"""What the admin cache page reads from Redis: the app's keys by family, and one user's entries.

The Redis may be shared and large, so the family listing is one bounded SCAN over
``<prefix>:*`` (``MAX_SCANNED`` keys at most, then flagged partial), and memory is
``MEMORY USAGE`` of at most ``MEMORY_SAMPLES`` keys per family, scaled to the family's
count (flagged "sampled"). A Redis without ``MEMORY USAGE`` (the embedded fakeredis)
gets the stored value's length (STRLEN) instead, and the page says so.

NOTE: token records (``AUTH_TOKEN``) hold what authenticates a request: their values are
never read here, only their keys, TTLs and sizes.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import ResponseError

from aipal.cache import client, encoding, keys
from cachehealth.families import family_matcher

__all__ = ["FamilyRow", "KeyFamilies", "UserEntries", "UserEntry", "key_families", "user_entries"]

MAX_SCANNED = 50_000
SCAN_COUNT = 1000
MEMORY_SAMPLES = 20
MAX_USER_KEYS = 500
PREVIEW_CHARS = 300

# Keys of the app outside every family, by what they are.
GENERATIONS, THROTTLES, OTHER = "generation hashes", "throttle counters", "other keys of the app"


@dataclass(frozen=True)
class FamilyRow:
    """One family's keys: how many, their TTL and their memory (estimated from ``sampled`` keys)."""

    name: str
    count: int
    ttl_seconds: int | None
    memory_bytes: int | None
    sampled: int


@dataclass(frozen=True)
class KeyFamilies:
    """The app's keys by family; ``complete`` is False when the SCAN stopped at MAX_SCANNED."""

    rows: list[FamilyRow]
    scanned: int
    complete: bool
    memory_measure: str


@dataclass(frozen=True)
class UserEntry:
    """One key of a user: its family, TTL, stored size and (for cached responses) a preview."""

    key: str
    family: str
    ttl_seconds: float | None
    size_bytes: int | None
    preview: str


@dataclass(frozen=True)
class UserEntries:
    entries: list[UserEntry]
    complete: bool


def _kind(name: str, spec: keys.KeySpec | None) -> str:
    if spec is not None:
        return spec.name
    if name.endswith(f":{keys.GENERATION_HASH}"):
        return GENERATIONS
    if name.startswith(keys.app_key(keys.THROTTLES)):
        return THROTTLES
    return OTHER


def _scan(r: Redis) -> tuple[list[bytes], bool]:
    names: list[bytes] = []
    for found, last in client.scan_pages(r, keys.app_key_pattern(), SCAN_COUNT):
        names.extend(found)
        if last:
            return names, True
        if len(names) >= MAX_SCANNED:
            break
    return names, False


def _sizes(r: Redis, names: list[bytes]) -> tuple[list[int | None], str]:
    """Return MEMORY USAGE of ``names`` (STRLEN where Redis refuses MEMORY USAGE)."""
    pipe = r.pipeline(transaction=False)
    for name in names:
        pipe.memory_usage(name)
    used = pipe.execute(raise_on_error=False)
    if not any(isinstance(value, ResponseError) for value in used):
        return [value if isinstance(value, int) else None for value in used], "MEMORY USAGE"
    pipe = r.pipeline(transaction=False)
    for name in names:
        pipe.strlen(name)
    lengths = pipe.execute(raise_on_error=False)
    return [value if isinstance(value, int) else None for value in lengths], "stored value length (STRLEN)"


def _ttl(kind: str) -> int | None:
    if kind == GENERATIONS:
        return client.GENERATION_TTL_SECONDS
    spec = next((spec for spec in keys.ALL_SPECS if spec.name == kind), None)
    return None if spec is None else spec.ttl_seconds()


def key_families() -> KeyFamilies:
    """Return the app's keys grouped by family; raise CacheUnavailable when Redis fails."""
    family_of = family_matcher()

    def op(r: Redis) -> KeyFamilies:
        names, complete = _scan(r)
        kinds = {}
        grouped: dict[str, list[bytes]] = defaultdict(list)
        for name in names:
            text = name.decode("utf-8", "replace")
            kinds[name] = _kind(text, family_of(text))
            grouped[kinds[name]].append(name)
        samples = [name for members in grouped.values() for name in members[:MEMORY_SAMPLES]]
        sizes, measure = _sizes(r, samples) if samples else ([], "MEMORY USAGE")
        measured: dict[str, list[int]] = defaultdict(list)
        for name, size in zip(samples, sizes, strict=True):
            if size is not None:
                measured[kinds[name]].append(size)
        rows = []
        for kind in [spec.name for spec in keys.ALL_SPECS] + [GENERATIONS, THROTTLES, OTHER]:
            count, sample = len(grouped.get(kind, ())), measured.get(kind, [])
            memory = round(sum(sample) / len(sample) * count) if sample else None
            rows.append(FamilyRow(kind, count, _ttl(kind), memory, len(sample)))
        return KeyFamilies(rows, len(names), complete, measure)

    return client.guarded(op)


def _preview(value: bytes | None) -> str:
    """Return the start of the body a cached entry holds (``<stamp>\\n<etag>\\n<payload>``)."""
    if value is None:
        return ""
    parts = value.split(b"\n", 2)
    if len(parts) < 3:
        return "(not a cached response)"
    try:
        body = encoding.restored(parts[2]).decode("utf-8", "replace")
    except zlib.error:
        return "(undecodable body)"
    return body if len(body) <= PREVIEW_CHARS else body[:PREVIEW_CHARS] + "…"


def _readable(spec: keys.KeySpec | None, name: str) -> bool:
    """Whether a key's value is a cached response to preview (never a token record or a lock)."""
    return spec is not None and spec is not keys.AUTH_TOKEN and not name.endswith("#lock")


def user_entries(*, user_id: int) -> UserEntries:
    """Return the keys of one user (at most MAX_USER_KEYS) with TTL, size and a preview;
    raise CacheUnavailable when Redis fails, ValueError for an invalid id."""
    pattern = keys.user_key_pattern(user_id)
    family_of = family_matcher()

    def op(r: Redis) -> UserEntries:
        names = sorted(r.scan_iter(match=pattern, count=SCAN_COUNT))
        complete = len(names) <= MAX_USER_KEYS
        names = names[:MAX_USER_KEYS]
        texts = [name.decode("utf-8", "replace") for name in names]
        specs = [family_of(text) for text in texts]
        readable = [_readable(spec, text) for spec, text in zip(specs, texts, strict=True)]
        pipe = r.pipeline(transaction=False)
        for name, read in zip(names, readable, strict=True):
            pipe.pttl(name)
            pipe.strlen(name)
            if read:
                pipe.get(name)
        replies = iter(pipe.execute(raise_on_error=False))
        entries = []
        for text, spec, read in zip(texts, specs, readable, strict=True):
            ttl_ms, size = next(replies), next(replies)
            value = next(replies) if read else None
            entries.append(
                UserEntry(
                    key=text,
                    family=_kind(text, spec) + (" (fill lock)" if text.endswith("#lock") else ""),
                    ttl_seconds=ttl_ms / 1000 if isinstance(ttl_ms, int) and ttl_ms >= 0 else None,
                    size_bytes=size if isinstance(size, int) else None,
                    preview=_preview(value if isinstance(value, bytes) else None) if read else "",
                )
            )
        return UserEntries(entries, complete)

    return client.guarded(op)
