"""The servers a benchmark run compares, each a gunicorn with the project's production
configuration (``gunicorn.conf.py``: sync workers, access log) on the same database and Redis.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TARGETS", "Target"]


@dataclass(frozen=True)
class Target:
    name: str
    about: str
    app: str
    env: dict[str, str]
    token: str  # which token column of the data file it authenticates with
    workloads: tuple[str, ...] = ("hit", "mix", "write")
    cached: bool = False  # caches its reads: the hit-only run is warmed first


TARGETS: tuple[Target, ...] = (
    Target(
        "cache-on",
        "this project: WSGI fast path, cache on",
        "aipal.wsgi:application",
        {"CACHE_ENABLED": "true"},
        "app",
        cached=True,
    ),
    Target(
        "cache-on-throttled",
        "cache-on with THROTTLE_USER counting every request (at 1000000/min, never refusing one)",
        "aipal.wsgi:application",
        {"CACHE_ENABLED": "true", "THROTTLE_USER": "1000000/min"},
        "app",
        ("hit", "write"),
        cached=True,
    ),
    Target(
        "cache-off",
        "this project, CACHE_ENABLED=false",
        "aipal.wsgi:application",
        {"CACHE_ENABLED": "false"},
        "app",
    ),
    Target(
        "naive",
        "the naive cache-aside pattern: django-redis get/set in DRF views, delete on write",
        "bench.baselines.wsgi:application",
        {"DJANGO_SETTINGS_MODULE": "bench.baselines.settings", "BASELINE": "naive"},
        "drf",
        cached=True,
    ),
    Target(
        "plain-drf",
        "plain DRF views of the same API, no cache",
        "bench.baselines.wsgi:application",
        {"DJANGO_SETTINGS_MODULE": "bench.baselines.settings", "BASELINE": "plain"},
        "drf",
    ),
    Target(
        "floor",
        "a bare Django JSON view, no middleware (the floor)",
        "bench.floor.wsgi:application",
        {"DJANGO_SETTINGS_MODULE": "bench.floor.settings"},
        "app",
        ("hit",),
    ),
)
