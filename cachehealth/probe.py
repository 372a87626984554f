"""The invalidation probe: proof, on each health check, that a write makes its entries unreadable.

One probe entry is filled, read back as a hit, invalidated through the write path
(``invalidation.apply_all`` as a check: nothing is logged, counted in the metrics or
kept for replay as a user's invalidation), then read again; the check passes when that last read is a miss. The
probe uses the same Lua scripts as the views (``client.read``, ``client.fill``), so a
broken script, a generation hash that is not written, or a bump Redis drops shows as
``failed``.

The probe belongs to ``PROBE_USER_ID``, the largest id a key accepts (2**63 - 1, the
end of a BIGINT sequence): no real user can have it, so the probe never touches a
user's entries. Its family ``HEALTH_PROBE`` is no cached data set of the API and is not
in ``keys.ALL_SPECS``.

NOTE: every process probes its own entry (object id ``probe_object_id()``, from the host
name and pid) with its own generation field, so two health checks that overlap in two
processes cannot bump each other's generations; within a process a lock runs one probe
at a time. A fill that is still refused (a generation changed between its read and
its fill) proves nothing either way: the probe retries once, then answers ``unknown``.
It is ``failed`` only when Redis answered every step and the entry survived the bump.

Cost: five round trips (read, fill, read, bump, read); the entry lives
``PROBE_TTL_SECONDS`` and is replaced by the next probe. Skipped (``None``, nothing
written) while ``CACHE_ENABLED`` is false.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from enum import StrEnum
from functools import lru_cache

from aipal.cache import client, invalidation, keys
from aipal.cache.conf import cache_settings

__all__ = ["PROBE", "PROBE_USER_ID", "InvalidationCheck", "probe_invalidation", "probe_object_id"]

PROBE_USER_ID = keys.PROBE_USER_ID
PROBE = keys.HEALTH_PROBE
PROBE_TTL_SECONDS = PROBE.ttl_seconds()
_VALUE = b"probe\n{}"  # "<etag>\n<body>", as encoding.entry_value writes an entry
_ATTEMPTS = 2  # a refused fill is retried once
_lock = threading.Lock()


class InvalidationCheck(StrEnum):
    OK = "ok"  # filled, read as a hit, invalidated, read back as a miss
    FAILED = "failed"  # Redis answered every step, and the entry survived the bump
    UNKNOWN = "unknown"  # Redis failed, or the fill was refused twice: nothing proven either way


@lru_cache(maxsize=8)
def _object_id(host: str, pid: int) -> int:
    digest = hashlib.blake2b(f"{host}:{pid}".encode(), digest_size=7).digest()
    return int.from_bytes(digest, "big") + 1  # 1 .. 2**56: a valid key id


def probe_object_id() -> int:
    """Return this process's probe object id (from the host name and pid: a forked worker gets its own)."""
    return _object_id(socket.gethostname(), os.getpid())


def _filled(key: keys.CacheKey, token: str) -> bool:
    """Fill the probe entry and read it back; return whether it reads as a hit (False: the
    fill was refused, or what it stored is not served)."""
    before = client.read(key, token)
    if before.body is not None:
        return True  # left by a probe whose bump failed: it must be invalidated all the same
    if not client.fill(key, before.stamp, _VALUE, PROBE_TTL_SECONDS * 1000, token):
        return False
    return client.read(key, token).body is not None


def probe_invalidation() -> InvalidationCheck | None:
    """Fill this process's probe entry, invalidate it as a write would, and check it reads as a
    miss; None (nothing written) while the cache is disabled."""
    if not cache_settings().enabled:
        return None
    key = PROBE.key(user_id=PROBE_USER_ID, object_id=probe_object_id())
    with _lock:
        token = client.new_token()
        try:
            if not any(_filled(key, token) for _ in range(_ATTEMPTS)):
                return InvalidationCheck.UNKNOWN
            if not invalidation.apply_all({PROBE_USER_ID: key.generation_fields[1:]}, check=True):
                return InvalidationCheck.UNKNOWN
            after = client.read(key, token)
        except client.CacheUnavailable:
            return InvalidationCheck.UNKNOWN
    return InvalidationCheck.OK if after.body is None else InvalidationCheck.FAILED
