"""URL helpers: ids are positive integers (else 404), trailing slash optional, no redirect."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, re_path

# A positive integer without leading zeros that fits a bigint: anything else is 404.
ID = r"[1-9][0-9]{0,17}"


def api_path(route: str, view: Any, name: str) -> URLPattern:
    """Route ``api/<route>`` with and without a trailing slash; ``{id:name}`` marks an id."""
    pattern = route
    for part in route.split("/"):
        if part.startswith("{") and part.endswith("}"):
            pattern = pattern.replace(part, f"(?P<{part[1:-1]}>{ID})")
    return re_path(rf"^api/{pattern}/?$", view, name=name)
