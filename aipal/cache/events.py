"""The invalidation table: which writes fire which event, and what each event invalidates.

Two tables, read like routing tables. ``EVENT_TABLE`` is API.md's "Cache events"
table: event -> the cached data sets it makes stale. ``MODEL_RULES`` says which model
write fires which event and where the user and object ids live on the instance.
``aipal.cache.checks`` refuses to start when a rule names an unknown model or field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from aipal.cache.keys import (
    ALL_SPECS,
    ARI_HISTORY,
    ARI_LATEST,
    AUTH_TOKEN,
    DASHBOARD,
    GOAL_DETAIL,
    GOAL_LIST,
    PREDICTIONS,
    TASK_DETAIL,
    TASK_LIST,
    USER_GENERATION,
    KeySpec,
)

__all__ = ["EVENT_TABLE", "MODEL_RULES", "CacheEvent", "ModelRule", "RelatedRule", "generation_fields", "rule_for"]


class CacheEvent(StrEnum):
    ARI_SNAPSHOT_CREATED = "ARI_SNAPSHOT_CREATED"
    GOAL_CREATED = "GOAL_CREATED"
    GOAL_UPDATED = "GOAL_UPDATED"
    TASK_COMPLETED = "TASK_COMPLETED"
    USER_UPDATED = "USER_UPDATED"
    # Internal, not in API.md's table: a token deleted (logout, new password, deactivation).
    TOKENS_REVOKED = "TOKENS_REVOKED"


EVENT_TABLE: Mapping[CacheEvent, tuple[KeySpec, ...]] = {
    CacheEvent.ARI_SNAPSHOT_CREATED: (ARI_LATEST, ARI_HISTORY, PREDICTIONS, DASHBOARD),
    CacheEvent.GOAL_CREATED: (GOAL_LIST, DASHBOARD),
    CacheEvent.GOAL_UPDATED: (GOAL_DETAIL, GOAL_LIST, DASHBOARD),
    CacheEvent.TASK_COMPLETED: (TASK_DETAIL, TASK_LIST, GOAL_DETAIL, GOAL_LIST, DASHBOARD),
    CacheEvent.USER_UPDATED: ALL_SPECS,
    CacheEvent.TOKENS_REVOKED: (AUTH_TOKEN,),
}


@dataclass(frozen=True)
class RelatedRule:
    """Rows a delete changes without signals (``SET_NULL``): collect them before the delete."""

    related_name: str
    event: CacheEvent
    object_ids: Mapping[str, str]


@dataclass(frozen=True)
class ModelRule:
    """How one model's writes map to events.

    ``object_ids`` maps a KeySpec's ``object_param`` to the instance attribute holding
    that id; ``tracked`` attributes are remembered as loaded, so a write that moves a
    row (a task to another goal) invalidates the old object as well as the new.
    """

    model: str
    on_create: CacheEvent | None
    on_change: CacheEvent
    on_delete: CacheEvent
    user_field: str = "user_id"
    object_ids: Mapping[str, str] = field(default_factory=dict)
    tracked: tuple[str, ...] = ()
    related_on_delete: tuple[RelatedRule, ...] = ()


MODEL_RULES: tuple[ModelRule, ...] = (
    ModelRule(
        "ari.ARISnapshot",
        on_create=CacheEvent.ARI_SNAPSHOT_CREATED,
        on_change=CacheEvent.ARI_SNAPSHOT_CREATED,
        on_delete=CacheEvent.ARI_SNAPSHOT_CREATED,
    ),
    ModelRule(
        "goals.Goal",
        on_create=CacheEvent.GOAL_CREATED,
        on_change=CacheEvent.GOAL_UPDATED,
        on_delete=CacheEvent.GOAL_UPDATED,
        object_ids={"goal": "id"},
        related_on_delete=(RelatedRule("tasks", CacheEvent.TASK_COMPLETED, {"task": "id", "goal": "goal_id"}),),
    ),
    ModelRule(
        "tasks.Task",
        on_create=CacheEvent.TASK_COMPLETED,
        on_change=CacheEvent.TASK_COMPLETED,
        on_delete=CacheEvent.TASK_COMPLETED,
        object_ids={"task": "id", "goal": "goal_id"},
        tracked=("goal_id",),
    ),
    ModelRule(
        "accounts.Profile",
        on_create=CacheEvent.USER_UPDATED,
        on_change=CacheEvent.USER_UPDATED,
        on_delete=CacheEvent.USER_UPDATED,
    ),
    ModelRule(
        "knox.AuthToken",
        on_create=None,
        on_change=CacheEvent.TOKENS_REVOKED,
        on_delete=CacheEvent.TOKENS_REVOKED,
    ),
    ModelRule(
        "auth.User",
        on_create=None,
        on_change=CacheEvent.USER_UPDATED,
        on_delete=CacheEvent.USER_UPDATED,
        user_field="id",
    ),
)


def generation_fields(event: CacheEvent, object_ids: Mapping[str, Iterable[int]] | None = None) -> set[str]:
    """Return the generation fields an event bumps, given the ids of the objects concerned."""
    if event is CacheEvent.USER_UPDATED:
        return {USER_GENERATION}
    object_ids = object_ids or {}
    fields: set[str] = set()
    for spec in EVENT_TABLE[event]:
        if spec.object_param is None:
            fields.add(spec.generation_field())
        else:
            fields.update(spec.generation_field(i) for i in object_ids.get(spec.object_param, ()) if i)
    return fields


def rule_for(model_label: str) -> ModelRule:
    """Return the rule of one model (``"goals.Goal"``); a model without one is a bug."""
    for rule in MODEL_RULES:
        if rule.model == model_label:
            return rule
    raise LookupError(f"No cache rule for {model_label}: add it to aipal.cache.events.MODEL_RULES")
