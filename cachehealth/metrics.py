"""Prometheus metrics read from Redis when ``/metrics`` is scraped.

``cache_hits_total`` and ``cache_misses_total`` are counted as reads happen (see
``aipal.cache.stats``). The figures here belong to Redis itself, so a custom collector
asks for them at scrape time rather than keeping copies that go stale:
``cache_evictions_total``, ``cache_response_time_ms``, ``cache_memory_used_bytes`` and
``redis_connected``. A figure that cannot be read is left out of the scrape (absent,
not a made-up zero); ``redis_connected`` is always there. The probe goes through the
cache client, so a scrape during an outage is as quick as its breaker allows.

``metrics_view`` answers ``/metrics``. Under gunicorn ``PROMETHEUS_MULTIPROC_DIR`` is set
(``gunicorn.conf.py``): every worker writes its metrics to files there and the view sums
them over the workers, dead ones' counters included, then adds the figures read at scrape
time (this collector's). Without it (runserver, tests) it shows this process's registry.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from aipal.cache.client import pool
from cachehealth.health import probe_redis

__all__ = ["CacheHealthCollector", "metrics_view", "multiprocess_dir", "register_collector"]

_lock = threading.Lock()
_registered: dict[int, CacheHealthCollector] = {}


class CacheHealthCollector(Collector):
    """Expose Redis' own figures, read once per scrape."""

    @staticmethod
    def _families() -> tuple[CounterMetricFamily, GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
        return (
            CounterMetricFamily("cache_evictions", "Keys Redis evicted under maxmemory (INFO evicted_keys)."),
            GaugeMetricFamily("cache_response_time_ms", "Round trip of a Redis PING, in milliseconds."),
            GaugeMetricFamily("cache_memory_used_bytes", "Memory Redis uses (INFO used_memory), in bytes."),
            GaugeMetricFamily("redis_connected", "1 when Redis answered the last PING, else 0."),
        )

    def describe(self) -> Iterator[Metric]:
        """Name the metrics without asking Redis (registration must not touch it)."""
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        evictions, response_time, memory, connected = self._families()
        probe = probe_redis()
        if probe.evicted_keys is not None:
            evictions.add_metric([], probe.evicted_keys)
        if probe.response_time_ms is not None:
            response_time.add_metric([], probe.response_time_ms)
        if probe.used_memory_bytes is not None:
            memory.add_metric([], probe.used_memory_bytes)
        connected.add_metric([], 1 if probe.connected else 0)
        yield from (evictions, response_time, memory, connected)


def register_collector(registry: CollectorRegistry = REGISTRY) -> CacheHealthCollector:
    """Register the collector with ``registry`` once, however often the app is set up."""
    with _lock:
        collector = _registered.get(id(registry))
        if collector is None:
            collector = CacheHealthCollector()
            registry.register(collector)
            _registered[id(registry)] = collector
        return collector


def multiprocess_dir() -> str | None:
    """Return the directory the workers write their metrics to, or None in a single process."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _scrape_registry() -> CollectorRegistry:
    if multiprocess_dir() is None:
        return REGISTRY
    registry = CollectorRegistry(auto_describe=False)
    multiprocess.MultiProcessCollector(registry)
    registry.register(CacheHealthCollector())  # read now, by this worker: not in the files
    return registry


def metrics_view(request: HttpRequest) -> HttpResponse:
    """Answer ``/metrics`` in Prometheus' text format, summed over the server's workers."""
    pool.sample()
    return HttpResponse(generate_latest(_scrape_registry()), content_type=CONTENT_TYPE_LATEST)
