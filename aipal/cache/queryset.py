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


def _assigns(kwargs: dict[str, Any], attr: str) -> bool:
    """Whether ``update(**kwargs)`` sets ``attr`` (as ``goal_id=`` or ``goal=``)."""
    return attr in kwargs or attr.removesuffix("_id") in kwargs


class InvalidatingQuerySet(models.QuerySet):
    def _rule(self) -> events.ModelRule:
        return events.rule_for(self.model._meta.label)

    def _invalidate(self, event: events.CacheEvent | None, rows: Iterable[Any]) -> None:
        rule = self._rule()
        if event is not None:
            invalidate_instances(event, rows, user_field=rule.user_field, object_ids=rule.object_ids, using=self.db)

    def update(self, **kwargs: Any) -> int:
        """Update, then invalidate the rows as they were and, when moved, as they are now.

        NOTE: the rows are read just before the UPDATE; a row that starts to match in
        between (committed by another transaction) is updated without invalidation.
        """
        rule = self._rule()
        attrs = sorted({"pk", rule.user_field, *rule.object_ids.values()})
        before = list(self.values(*attrs))
        count = super().update(**kwargs)
        rows = before
        if any(_assigns(kwargs, attr) for attr in rule.tracked):  # e.g. tasks moved to another goal
            pks = [row["pk"] for row in before]
            rows = before + list(self.model._base_manager.using(self.db).filter(pk__in=pks).values(*attrs))
        self._invalidate(rule.on_change, [_Row(row) for row in rows])
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
