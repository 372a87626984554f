"""Model signals -> events -> generation bumps, applied after the transaction commits.

NOTE: a post_save inside a transaction fires before the commit. Bumping then would
let a concurrent reader refill the entry from the old row, so every bump waits for
``transaction.on_commit``; a rolled-back write (or savepoint) bumps nothing, because
Django drops the callbacks of a rolled-back savepoint.

Inside ``batched()`` (every request runs in one, see ``middleware``) committed bumps are
collected and applied together when the block ends, before the response leaves: a
request that writes many rows, in one transaction or several, costs one round trip.
Outside it (commands, shells) each commit applies its bumps at once.
Receivers are connected in ``AipalCacheConfig.ready()`` from ``events.MODEL_RULES``.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any, NamedTuple

from django.apps import apps
from django.db import models, transaction
from django.db.models.signals import post_delete, post_init, post_save, pre_delete

from aipal.cache import background, client, recovery, stats
from aipal.cache.events import MODEL_RULES, CacheEvent, ModelRule, generation_fields
from aipal.db import wal

__all__ = ["apply_all", "apply_now", "batched", "connect_model_rules", "invalidate", "invalidate_instances"]

log = logging.getLogger(__name__)
_LOADED = "_aipal_cache_loaded"
_RELATED = "_aipal_cache_related"


class _Pending(NamedTuple):
    """The bumps committed inside a ``batched()`` block, per user, and the events behind them."""

    fields: dict[int, set[str]]
    events: dict[int, set[str]]


# The current ``batched()`` block's bumps (None outside one).
_batch: ContextVar[_Pending | None] = ContextVar("aipal_cache_invalidation_batch", default=None)


def apply_all(
    per_user: Mapping[int, Iterable[str]], events: Mapping[int, Iterable[str]] | None = None, *, check: bool = False
) -> bool:
    """Bump every user's ``fields`` now, in one round trip; when Redis fails, keep them in
    the outbox and return False. ``events`` (per user) names what is logged as invalidated.
    ``check``: a health check's own bump, neither counted in the metrics nor kept for replay."""
    work = {user_id: frozenset(fields) for user_id, fields in per_user.items() if fields}
    if not work:
        return True
    started = time.perf_counter()
    background.ensure_started()
    # With replicas: the primary's position, past every write committed before this call.
    lsn = None if check else wal.commit_position()
    try:
        try:
            client.bump_generations(work, lsn=lsn)
        except client.CacheUnavailable:
            # Once more on a connection of its own, whatever the breaker: Redis may be back
            # (this process's breaker still resting) or have just restarted under the call.
            client.bump_generations(work, fresh_connection=True, lsn=lsn)
    except client.CacheUnavailable as exc:
        if check:
            return False
        for user_id, fields in work.items():
            stats.record_invalidation("failed", events=(events or {}).get(user_id, ()))
            log.error("Invalidation of user %s failed (%s): kept for replay: %s", user_id, exc, sorted(fields))
            recovery.record(user_id, fields)
        return False
    if check:
        return True
    lag_ms = (time.perf_counter() - started) * 1000
    for user_id in work:
        stats.record_invalidation("applied", lag_ms, events=(events or {}).get(user_id, ()))
    if events and log.isEnabledFor(logging.INFO):
        for user_id in work:
            log.info("Invalidated %s for user %s", ", ".join(sorted(events.get(user_id, ()))), user_id)
    return True


def apply_now(user_id: int, fields: Iterable[str], events: Iterable[str] = ()) -> bool:
    """Bump ``fields`` of one user now (see ``apply_all``)."""
    events = tuple(events)
    return apply_all({user_id: fields}, {user_id: events} if events else None)


@contextmanager
def batched() -> Iterator[None]:
    """Apply the bumps committed inside the block together, in one round trip, when it ends.

    Nested blocks join the outermost one. The bumps are applied however the block ends
    (an exception after a commit must not skip them).
    """
    if _batch.get() is not None:
        yield
        return
    pending = _Pending({}, {})
    token = _batch.set(pending)
    try:
        yield
    finally:
        _batch.reset(token)
        apply_all(pending.fields, pending.events)


def _committed(user_id: int, fields: frozenset[str], event: str) -> None:
    """``on_commit`` callback: apply the bumps, or add them to the current batch."""
    pending = _batch.get()
    if pending is None:
        apply_now(user_id, fields, (event,))
    else:
        pending.fields.setdefault(user_id, set()).update(fields)
        pending.events.setdefault(user_id, set()).add(event)


def invalidate(
    event: CacheEvent, user_id: int, object_ids: Mapping[str, Iterable[int]] | None = None, *, using: str = "default"
) -> None:
    """Invalidate what ``event`` names for one user once the current transaction commits."""
    fields = generation_fields(event, object_ids)
    if fields and user_id:
        transaction.on_commit(partial(_committed, user_id, frozenset(fields), event.name), using=using, robust=True)
        log.debug("Scheduled %s for user %s", event, user_id)


def _object_ids(rule_ids: Mapping[str, str], instance: models.Model) -> dict[str, set[int]]:
    ids: dict[str, set[int]] = defaultdict(set)
    loaded = instance.__dict__.get(_LOADED, {})
    for param, attr in rule_ids.items():
        for value in (getattr(instance, attr, None), loaded.get(attr)):
            if value:
                ids[param].add(value)
    return ids


def invalidate_instances(
    event: CacheEvent, instances: Iterable[models.Model], *, user_field: str, object_ids: Mapping[str, str], using: str
) -> None:
    """Invalidate ``event`` for each instance's user: one scheduled bump per user."""
    per_user: dict[int, dict[str, set[int]]] = {}
    for instance in instances:
        ids = per_user.setdefault(getattr(instance, user_field), defaultdict(set))
        for param, found in _object_ids(object_ids, instance).items():
            ids[param].update(found)
    for user_id, ids in per_user.items():
        invalidate(event, user_id, ids, using=using)


def _remember_loaded(rule: ModelRule, sender: type, instance: models.Model, **kwargs: Any) -> None:
    instance.__dict__[_LOADED] = {attr: instance.__dict__.get(attr) for attr in rule.tracked}


def _on_save(
    rule: ModelRule, sender: type, instance: models.Model, created: bool, raw: bool, using: str, **kwargs: Any
) -> None:
    if raw:
        return
    event = rule.on_create if created else rule.on_change
    if event is not None:
        invalidate_instances(event, [instance], user_field=rule.user_field, object_ids=rule.object_ids, using=using)
    if rule.tracked:
        _remember_loaded(rule, sender, instance)


def _collect_related(rule: ModelRule, sender: type, instance: models.Model, **kwargs: Any) -> None:
    """Before a delete, note the rows its SET_NULL will change without signals."""
    instance.__dict__[_RELATED] = [
        (related, list(getattr(instance, related.related_name).all())) for related in rule.related_on_delete
    ]


def _on_delete(rule: ModelRule, sender: type, instance: models.Model, using: str, **kwargs: Any) -> None:
    invalidate_instances(
        rule.on_delete, [instance], user_field=rule.user_field, object_ids=rule.object_ids, using=using
    )
    for related, rows in instance.__dict__.pop(_RELATED, []):
        invalidate_instances(
            related.event, rows, user_field=rule.user_field, object_ids=related.object_ids, using=using
        )


def connect_model_rules() -> None:
    """Connect the receivers of every rule in ``MODEL_RULES`` (idempotent)."""
    for rule in MODEL_RULES:
        model = apps.get_model(rule.model)
        uid = f"aipal.cache.invalidation.{rule.model}"
        post_save.connect(partial(_on_save, rule), sender=model, weak=False, dispatch_uid=f"{uid}.save")
        post_delete.connect(partial(_on_delete, rule), sender=model, weak=False, dispatch_uid=f"{uid}.delete")
        if rule.tracked:
            post_init.connect(partial(_remember_loaded, rule), sender=model, weak=False, dispatch_uid=f"{uid}.init")
        if rule.related_on_delete:
            pre_delete.connect(partial(_collect_related, rule), sender=model, weak=False, dispatch_uid=f"{uid}.related")
