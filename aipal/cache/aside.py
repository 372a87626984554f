"""Cache-aside reads: ``get_or_fill``, which every cached GET and ``cache_warm`` use.

A hit returns the stored bytes and their ETag in one Redis round trip, with no
serializer and no query. A miss takes the per-key fill lock, so that N concurrent
misses on one key cost one database load: the others poll briefly for the filled
value, then load themselves if it does not come. Any Redis failure serves the
database (BYPASS). With replicas configured, a miss loads from one that has replayed the
user's last write (``aipal.db.wal``); a BYPASS, which has no stamp, from the primary.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aipal.cache import background, client, encoding, recovery, stats
from aipal.cache.conf import cache_settings
from aipal.cache.keys import CacheKey
from aipal.db import wal

log = logging.getLogger(__name__)

__all__ = ["FASTPATH_PRIOR", "CacheStatus", "CachedRead", "PriorRead", "Served", "get_or_fill", "load_and_fill"]

# The WSGI environ key under which the fast path hands a miss's read over to the view.
FASTPATH_PRIOR = "aipal.fastpath.prior_read"

_POLL_START_S = 0.005
_POLL_MAX_S = 0.05


class CacheStatus(StrEnum):
    HIT = "HIT"
    MISS = "MISS"
    BYPASS = "BYPASS"


@dataclass(frozen=True)
class CachedRead:
    """One cached GET: its key and the selector that loads its JSON-ready data on a miss.

    Selectors build these (``goal_list_read(...)``), so the view that serves a read,
    the WSGI fast path and ``cache_warm`` use the same key for the same data.
    """

    key: CacheKey
    load: Callable[[], Any]


@dataclass(frozen=True)
class PriorRead:
    """A read of ``key`` already made for this request (the fast path's, a miss), with the
    token it took the fill lock under: the view fills from it instead of reading again."""

    key: CacheKey
    result: client.ReadResult
    token: str


@dataclass(frozen=True)
class Served:
    body: bytes
    etag: str
    status: CacheStatus


def ttl_ms(key: CacheKey) -> int:
    """Return the TTL in ms, shortened by up to the jitter so fills do not expire together."""
    jitter = cache_settings().ttl_jitter
    return max(1, int(key.ttl_seconds * 1000 * (1 - random.random() * jitter)))


def _loaded(loader: Callable[[], Any]) -> tuple[bytes, str]:
    body = encoding.json_bytes(loader())
    return body, encoding.etag(body)


def _bypass(key: CacheKey, loader: Callable[[], Any], prior: PriorRead | None = None) -> Served:
    if prior is not None and prior.result.holds_lock:  # the fast path took it: let others fill
        _quietly(client.release_lock, prior.key, prior.token)
    stats.record_bypass(key.spec.name)
    return Served(*_loaded(loader), CacheStatus.BYPASS)


def _wait_for_fill(key: CacheKey, token: str) -> client.ReadResult:
    """Poll while another process fills ``key``; give up after FILL_WAIT_MS."""
    deadline = time.monotonic() + cache_settings().fill_wait_ms / 1000
    pause = _POLL_START_S
    result = client.ReadResult(body=None)
    while time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(pause * 2, _POLL_MAX_S)
        result = client.read(key, token)
        if result.body is not None or result.holds_lock:
            return result
    return result


def get_or_fill(key: CacheKey, loader: Callable[[], Any], prior: PriorRead | None = None) -> Served:
    """Return the response body for ``key``: from Redis, or from ``loader`` and stored."""
    if not cache_settings().enabled:
        return _bypass(key, loader, prior)
    background.ensure_started()
    if not recovery.ready():  # invalidations this process missed are not all applied yet
        return _bypass(key, loader, prior)
    try:
        if prior is not None and prior.key == key:
            token, result = prior.token, prior.result
        else:
            token = client.new_token()
            result = client.read(key, token)
        if result.body is None and not result.holds_lock:
            result = _wait_for_fill(key, token)
    except client.CacheUnavailable:
        return _bypass(key, loader)
    if result.body is not None:
        stats.record_hit(key.spec.name)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("Cache hit: %s", key)
        return Served(result.body, result.etag, CacheStatus.HIT)
    return load_and_fill(PriorRead(key, result, token), loader)


def load_and_fill(read: PriorRead, loader: Callable[[], Any]) -> Served:
    """The miss half of ``get_or_fill``, for a read already made: load, store under the
    read's stamp (releasing its fill lock), answer MISS. A loader error releases the lock."""
    key, result, token = read.key, read.result, read.token
    try:
        where = wal.route(result.lsn)  # a replica that has replayed the user's last write, or the primary
        body, etag = _loaded(lambda: wal.load(loader, where))
    except BaseException:
        if result.holds_lock:
            _quietly(client.release_lock, key, token)
        raise
    value = encoding.entry_value(body, etag, compress_min_bytes=cache_settings().compress_min_bytes)
    _quietly(client.fill, key, result.stamp, value, ttl_ms(key), token, where.floor, result.lsn_seen)
    stats.record_miss(key.spec.name)
    if log.isEnabledFor(logging.DEBUG):
        log.debug("Cache miss: %s", key)
    return Served(body, etag, CacheStatus.MISS)


def _quietly(operation: Callable[..., Any], *args: Any) -> None:
    """Run a best-effort Redis call; its failure is already logged and counted."""
    try:
        operation(*args)
    except client.CacheUnavailable:
        pass
