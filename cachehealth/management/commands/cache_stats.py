"""``cache_stats``: print the cache-health figures and the deployment's shared hit/miss totals.

NOTE: ``errors_count`` is per process, so here it counts this command's own Redis
errors; the server's figure is on ``GET /api/system/cache-health``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from aipal.cache import client, stats
from cachehealth.health import CacheHealthChecker, HealthStatus
from cachehealth.management.base import require_shared_cache


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
        if options["json"]:
            self.stdout.write(json.dumps({"health": health.as_dict(), "shared_totals": totals}, indent=2))
            return
        for name, value in health.as_dict().items():
            self.stdout.write(f"{name:<22} {'-' if value is None else value}")
        if totals is None:
            self.stdout.write(f"{'shared totals':<22} unavailable (Redis unreachable)")
        else:
            hits, misses = totals.get("hits", 0), totals.get("misses", 0)
            self.stdout.write(f"{'shared totals':<22} hits={hits} misses={misses} reads={hits + misses}")
        style = self.style.SUCCESS if health.status is HealthStatus.HEALTHY else self.style.WARNING
        self.stdout.write(style(f"Cache {health.status.value}."))
