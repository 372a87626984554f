"""``cache_stats [--json]``: print the cache-health figures and the deployment's shared hit/miss totals.

The table aligns labels and figures, with units and the hit rate as a percentage;
``--json`` prints the same figures as one object (rates as fractions, as the API).
Per-family hits and misses appear when the shared totals hold them (fields
``hits:<FAMILY>`` / ``misses:<FAMILY>``).

NOTE: ``errors_count`` is per process, so here it counts this command's own Redis
errors; the server's figure is on ``GET /api/system/cache-health``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from aipal.cache import client, stats
from cachehealth.health import CacheHealth, CacheHealthChecker, HealthStatus
from cachehealth.management.base import require_shared_cache

LABEL_WIDTH = 24


def percent(hits: int, misses: int) -> str:
    return "-" if hits + misses == 0 else f"{100 * hits / (hits + misses):.1f}%"


def family_totals(totals: dict[str, int]) -> dict[str, dict[str, int]]:
    """Return ``{family: {"hits": n, "misses": n}}`` from ``hits:<FAMILY>`` / ``misses:<FAMILY>`` fields."""
    families: dict[str, dict[str, int]] = {}
    for name, value in totals.items():
        kind, _, family = name.partition(":")
        if family and kind in ("hits", "misses"):
            families.setdefault(family, {"hits": 0, "misses": 0})[kind] = value
    return dict(sorted(families.items()))


def _health_rows(health: CacheHealth) -> Iterator[tuple[str, str]]:
    def figure(value: object, unit: str = "") -> str:
        return "-" if value is None else f"{value}{unit}"

    yield "redis_connected", "yes" if health.redis_connected else "no"
    yield "response_time_ms", figure(health.response_time_ms, " ms")
    yield "memory_used_mb", figure(health.memory_used_mb, " MiB (whole Redis server)")
    yield "keys_count", figure(health.keys_count, " keys of this app")
    yield "hit_rate", "-" if health.hit_rate is None else f"{100 * health.hit_rate:.1f}% (every process)"
    yield "evictions_per_minute", figure(health.evictions_per_minute)
    yield "errors_count", f"{health.errors_count} (this command's process)"
    yield "invalidation", figure(health.invalidation and health.invalidation.value)
    yield "backend", health.backend


class Command(BaseCommand):
    help = "Print the cache-health figures and the hit/miss totals shared by every process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of a table.")

    def handle(self, *args: Any, **options: Any) -> None:
        require_shared_cache("cache_stats")
        health = CacheHealthChecker().check()
        try:
            totals: dict[str, int] | None = stats.shared_totals()
        except client.CacheUnavailable:
            totals = None
        families = family_totals(totals or {})
        if options["json"]:
            body = {"health": health.as_dict(), "shared_totals": totals, "families": families}
            self.stdout.write(json.dumps(body, indent=2))
            return
        self._section("Cache health", _health_rows(health))
        if totals is None:
            self._section("Shared totals", [("totals", "unavailable (Redis unreachable)")])
        else:
            hits, misses = totals.get("hits", 0), totals.get("misses", 0)
            rows = [("hits", str(hits)), ("misses", str(misses)), ("reads", str(hits + misses))]
            self._section("Shared totals (every process)", [*rows, ("hit rate", percent(hits, misses))])
        if families:
            rows = [
                (name, f"{f['hits']} hits, {f['misses']} misses, {percent(f['hits'], f['misses'])}")
                for name, f in families.items()
            ]
            self._section("Per key family", rows)
        for warning in health.warnings:
            self.stdout.write(self.style.WARNING(f"Warning: {warning}"))
        style = self.style.SUCCESS if health.status is HealthStatus.HEALTHY else self.style.WARNING
        self.stdout.write(style(f"Cache {health.status.value}."))

    def _section(self, title: str, rows: Iterable[tuple[str, str]]) -> None:
        self.stdout.write(title)
        for label, value in rows:
            self.stdout.write(f"  {label:<{LABEL_WIDTH}}{value}")
