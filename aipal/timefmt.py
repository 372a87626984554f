"""One timestamp format for every response: ISO 8601 in UTC with ``Z`` (domain and API alike)."""

from __future__ import annotations

from datetime import UTC, datetime


def iso(value: datetime | None) -> str | None:
    """Return ``value`` as ISO 8601 UTC ending in ``Z`` (None stays None)."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text.removesuffix("+00:00") + "Z"
