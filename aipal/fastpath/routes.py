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

__all__ = ["FastRoute", "cached_routes"]


@dataclass(frozen=True)
class FastRoute:
    regex: re.Pattern[str]
    view_class: Any
    view_name: str  # as django-prometheus labels it (the URL name)
    allow: str  # the Allow header DRF adds

    def read(self, path: str, query_string: str) -> CachedRead | None:
        """Return the cached read of ``path`` (without its leading slash), or None."""
        match = self.regex.match(path)
        if match is None:
            return None
        ids = {name: int(value) for name, value in match.groupdict().items()}
        user_id = ids.pop("user_id")
        return self.view_class.read_for(user_id, ids, query_string)


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
