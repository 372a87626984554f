"""The routes the fast path may answer: every view of the URLconf that declares a cached read.

Built from the URLconf itself, not a copy of it: a view class that declares a
``cached_read`` (``aipal.api.views.CachedResponseMixin``) and whose pattern captures a
``user_id``. The fast path only sees paths these patterns match, and turns one into a
``CachedRead`` with the view's own ``read_for``, so it names the key the view would.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, get_resolver

from aipal.api.views import CachedResponseMixin
from aipal.cache.aside import CachedRead

__all__ = ["FastRoute", "RouteTable", "cached_routes"]
_MAX_SHAPES = 256


@dataclass(frozen=True)
class FastRoute:
    regex: re.Pattern[str]
    view_class: Any
    view_name: str  # as django-prometheus labels it (the URL name)
    allow: str  # the Allow header DRF adds

    def match(self, path: str) -> dict[str, int] | None:
        """Return the ids in ``path`` (without its leading slash) if this route takes it."""
        found = self.regex.match(path)
        return None if found is None else {name: int(value) for name, value in found.groupdict().items()}

    def read(self, ids: dict[str, int], query_string: str) -> CachedRead | None:
        """Return the view's cached read for these ids and query string (None if it is invalid)."""
        ids = dict(ids)
        return self.view_class.read_for(ids.pop("user_id"), ids, query_string)


class RouteTable:
    """Find the route of a path in one dict lookup: paths of one shape (their segments,
    numbers aside) belong to the same route, which then checks the path itself."""

    def __init__(self, routes: list[FastRoute]) -> None:
        self.routes = routes
        self._by_shape: dict[tuple[str, ...], FastRoute] = {}

    def match(self, path: str) -> tuple[FastRoute, dict[str, int]] | None:
        """Return the route of ``path`` (without its leading slash) and its ids, or None."""
        shape = tuple("#" if part.isdigit() else part for part in path.split("/"))
        likely = self._by_shape.get(shape)
        if likely is not None and (ids := likely.match(path)) is not None:
            return likely, ids
        for route in self.routes:  # a new shape, or a path its route refused: try them all
            if (ids := route.match(path)) is not None:
                if len(self._by_shape) < _MAX_SHAPES:
                    self._by_shape[shape] = route
                return route, ids
        return None


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for entry in resolver.url_patterns:
        regex = prefix + entry.pattern.regex.pattern.removeprefix("^")
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, regex)
        else:
            yield regex, entry


def _allow(view_class: Any) -> str:
    """The Allow header DRF sends for this view (HEAD comes with GET, as Django sets it up)."""
    view = view_class()
    view.setup(HttpRequest())
    return ", ".join(view.allowed_methods)


def cached_routes() -> list[FastRoute]:
    """Return a route for every cached GET of the URLconf that is scoped by ``user_id``."""
    routes = []
    for regex, pattern in _patterns(get_resolver()):
        view_class = getattr(pattern.callback, "view_class", None)
        if not (isinstance(view_class, type) and issubclass(view_class, CachedResponseMixin)):
            continue
        if view_class.cached_read is CachedResponseMixin.cached_read:
            continue
        compiled = re.compile(regex)
        if "user_id" not in compiled.groupindex or not hasattr(view_class, "get"):
            continue
        routes.append(FastRoute(compiled, view_class, pattern.name or "<unnamed view>", _allow(view_class)))
    return routes
