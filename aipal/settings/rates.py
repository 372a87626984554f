"""Throttle rates as the environment spells them (``THROTTLE_USER=1000/min``, ``off``).

Parsed here, without Django, so that settings refuse a rate they cannot honour at start
and the throttles (``aipal.api.throttling``) read the same rule.
"""

from __future__ import annotations

import re

__all__ = ["OFF", "parse_rate"]

OFF = "off"
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(text: str) -> tuple[int, int] | None:
    """Return ``(requests, period in seconds)`` for ``text``, or None for ``off``.

    Accepted: ``<n>/<unit>`` or ``<n>/<k><unit>`` with a unit of s, sec, second, m, min,
    minute, h, hour, d, day (``100/min``, ``5/10s``). Raise ValueError for anything else.
    """
    if text.strip().lower() == OFF:
        return None
    match = _RATE.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a rate: write <requests>/<unit> (e.g. 100/min, 5/10s) or {OFF!r}")
    requests, multiple, unit = int(match[1]), int(match[2] or 1), match[3].lower()
    if requests < 1 or multiple < 1:
        raise ValueError(f"{text!r}: a rate needs at least 1 request per at least 1 unit (or {OFF!r})")
    return requests, multiple * _UNIT_SECONDS[unit[0]]
