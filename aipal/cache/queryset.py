"""A QuerySet whose signal-less bulk writes still invalidate what they change.

``QuerySet.update()``, ``bulk_create()`` and ``bulk_update()`` send no model signals,
so without this a bulk write would leave cached entries stale until their TTL.
(``QuerySet.delete()`` and cascades do send ``post_delete`` here: Django only skips
signals for "fast deletes" of models without receivers.) Each method invalidates the
rows it touched, per user, after the transaction commits, like the signal path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models

from aipal.cache import events
from aipal.cache.invalidation import invalidate_instances

__all__ = ["InvalidatingQuerySet"]


class _Row:
    """The attributes of one row an invalidation needs, read with ``values()``."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)


def _assigned(kwargs: dict[str, Any], attr: str) -> Any:
    """Return the new value an ``update(**kwargs)`` gives ``attr`` (``goal_id=`` or ``goal=``)."""
    if attr in kwargs:
        return kwargs[attr]
    value = kwargs.get(attr.removesuffix("_id"))
    return getattr(value, "pk", None)


class InvalidatingQuerySet(models.QuerySet):
    def _rule(self) -> events.ModelRule:
        return events.rule_for(self.model._meta.label)

    def _invalidate(self, event: events.CacheEvent | None, rows: Iterable[Any]) -> None:
        rule = self._rule()
        if event is not None:
            invalidate_instances(event, rows, user_field=rule.user_field, object_ids=rule.object_ids, using=self.db)

    def update(self, **kwargs: Any) -> int:
        rule = self._rule()
        attrs = {rule.user_field, *rule.object_ids.values()}
        before = [_Row(values) for values in self.values(*attrs)]
        count = super().update(**kwargs)
        moved = {attr: _assigned(kwargs, attr) for attr in rule.tracked if _assigned(kwargs, attr) is not None}
        after = [_Row({**row.__dict__, **moved}) for row in before] if moved else []
        self._invalidate(rule.on_change, before + after)
        return count

    def bulk_create(self, objs: Iterable[models.Model], *args: Any, **kwargs: Any) -> list[models.Model]:
        created = super().bulk_create(objs, *args, **kwargs)
        self._invalidate(self._rule().on_create or self._rule().on_change, created)
        return created

    def bulk_update(self, objs: Iterable[models.Model], fields: Iterable[str], *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        count = super().bulk_update(objs, fields, *args, **kwargs)
        self._invalidate(self._rule().on_change, objs)
        return count
