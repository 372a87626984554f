"""The database router: writes, migrations and almost every read on ``default``.

A read goes to a replica only inside ``reading_from(alias)``, which the cache-aside miss
sets around a GET's loader once ``wal.route`` found a replica that has replayed
the user's last write. Nothing else (a transaction, a write's own reads, the admin,
authentication) ever sees a replica.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS

__all__ = ["ReplicaRouter", "read_alias", "reading_from"]

_read_alias: ContextVar[str] = ContextVar("aipal_db_read_alias", default=DEFAULT_DB_ALIAS)


def read_alias() -> str:
    """The database this context's reads go to."""
    return _read_alias.get()


@contextmanager
def reading_from(alias: str) -> Iterator[None]:
    """Send the reads of the block to ``alias``."""
    token = _read_alias.set(alias)
    try:
        yield
    finally:
        _read_alias.reset(token)


class ReplicaRouter:
    """Route reads by ``reading_from``; everything else to ``default``.

    NOTE: ``db_for_read`` answers ``default`` rather than None outside the block, so a
    related object fetched later from a row a replica returned is read from the primary.
    """

    def db_for_read(self, model: type, **hints: Any) -> str:
        return _read_alias.get()

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # every alias is the same database

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS
