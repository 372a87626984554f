"""Throttle counts every worker and server shares: one Lua call per verdict.

The algorithm is the generic cell rate algorithm (``lua/gcra.lua``): one key and one
round trip per verdict, atomic, so two workers can never both take the last request of
a window (DRF's ``SimpleRateThrottle`` reads and rewrites a list of timestamps: two round
trips, and a race). The fast path charges the user's throttle inside its own call
(``scripts.serve``), with the same function.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from aipal.cache.client.guard import guarded
from aipal.cache.client.lua import lua_script

__all__ = ["Rate", "charge"]


@dataclass(frozen=True)
class Rate:
    """``limit`` requests per ``period_s`` seconds: that many at once, then one every
    ``period / limit``."""

    limit: int
    period_s: int

    @property
    def interval_ms(self) -> int:
        """Milliseconds between two requests at the steady rate (rounded up)."""
        return max(1, math.ceil(self.period_s * 1000 / self.limit))

    @property
    def period_ms(self) -> int:
        """The burst tolerance: ``limit`` intervals, so exactly ``limit`` requests go at once."""
        return self.interval_ms * self.limit


_THROTTLE = lua_script("throttle", include=("gcra",))


def charge(key: str, rate: Rate, cost: int = 1) -> float:
    """Charge ``cost`` requests (1; 0 only asks, -1 gives one back) to the throttle at ``key``.

    Return 0 when the request may go ahead, else the seconds to wait. Raises
    ``CacheUnavailable`` when Redis cannot be used: the caller decides (throttles fail open).
    """
    args = (rate.interval_ms, rate.period_ms, cost)
    wait_ms = int(guarded(lambda r: _THROTTLE((key,), args, client=r)))
    return wait_ms / 1000
