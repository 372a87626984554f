"""The least-squares trend behind ``/predictions``, kept apart from the ORM so it is easy to test.

``autonomy_retention`` is fitted against time in days. Both axes are measured from a
reference point (the latest snapshot's time, the first value) before summing: that
keeps the sums small, and makes a flat series give exactly zero deviations, so its
slope is 0 and its R^2 is 1 rather than a rounding artefact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Trend", "fit_trend"]

_SECONDS_PER_DAY = 86400.0
_DIGITS = 4
RETENTION_MIN = 0.0
RETENTION_MAX = 100.0


@dataclass(frozen=True)
class Trend:
    """A fitted line: slope per day, its value a day after the latest point, and R^2."""

    trend_per_day: float | None
    next_autonomy_retention: float | None
    confidence: float | None


NO_TREND = Trend(None, None, None)


def fit_trend(points: Sequence[tuple[datetime, float]]) -> Trend:
    """Fit ``retention = a + b * days`` to ``(timestamp, retention)`` points (any order).

    Fewer than two points, or all at one instant (no slope defined), give ``NO_TREND``.
    """
    if len(points) < 2:
        return NO_TREND
    latest = max(t for t, _ in points)
    base = points[0][1]
    xs = [(t - latest).total_seconds() / _SECONDS_PER_DAY for t, _ in points]
    ys = [y - base for _, y in points]
    n = len(points)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return NO_TREND
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    ss_tot = sum((y - mean_y) ** 2 for y in ys)
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    # A flat series is fitted exactly by a flat line: R^2 = 1 (the 0/0 case).
    r_squared = 1.0 if ss_tot == 0 else 1.0 - ss_res / ss_tot
    following_day = base + intercept + slope * 1.0  # x = 0 is the latest snapshot
    return Trend(
        trend_per_day=_rounded(slope),
        next_autonomy_retention=_rounded(min(max(following_day, RETENTION_MIN), RETENTION_MAX)),
        confidence=_rounded(min(max(r_squared, 0.0), 1.0)),
    )


def _rounded(value: float) -> float:
    """Round for display; ``+ 0.0`` turns a rounded ``-0.0`` into ``0.0``."""
    return round(value, _DIGITS) + 0.0
