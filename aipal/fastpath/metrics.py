"""Fast-path requests counted where every request is: django-prometheus' request metrics.

A request the fast path answers never reaches django-prometheus' middleware, so the
same series are updated here (requests and responses totals, by method, transport,
view and status, body sizes, latencies), plus ``cache_fast_path_total`` by outcome.
Labelled children are looked up once per label set and kept.
"""

from __future__ import annotations

import time
from functools import cache

from django_prometheus.middleware import Metrics
from prometheus_client import Counter

__all__ = ["FAST_PATH", "record_answer"]

FAST_PATH = Counter(
    "cache_fast_path",
    "Cached GETs seen by the WSGI fast path, by outcome (hit, not_modified, or why it passed them on).",
    ["outcome"],
)


@cache
def _series(view: str, transport: str, status: str) -> tuple:  # type: ignore[type-arg]
    m = Metrics.get_instance()
    return (
        m.requests_total,
        m.responses_total,
        m.requests_by_method.labels(method="GET"),
        m.requests_by_transport.labels(transport=transport),
        m.requests_by_view_transport_method.labels(view=view, transport=transport, method="GET"),
        m.responses_by_status.labels(status=status),
        m.responses_by_status_view_method.labels(status=status, view=view, method="GET"),
        m.responses_by_charset.labels(charset="utf-8"),
        m.requests_body_bytes,
        m.responses_body_bytes,
        m.requests_latency_before,
        m.requests_latency_by_view_method.labels(view=view, method="GET"),
    )


def record_answer(*, view: str, secure: bool, status: int, size: int, started: float) -> None:
    """Count one request the fast path answered, as django-prometheus would have."""
    (
        requests,
        responses,
        by_method,
        by_transport,
        by_view,
        by_status,
        by_status_view,
        by_charset,
        request_bytes,
        response_bytes,
        latency_before,
        latency_by_view,
    ) = _series(view, "https" if secure else "http", str(status))
    elapsed = time.perf_counter() - started
    for counter in (requests, responses, by_method, by_transport, by_view, by_status, by_status_view, by_charset):
        counter.inc()
    request_bytes.observe(0)
    response_bytes.observe(size)
    latency_before.observe(elapsed)
    latency_by_view.observe(elapsed)
