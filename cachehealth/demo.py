"""Demo data for a fresh install: an admin, demo users, ~30 days of ARI, goals and tasks.

DEMO ONLY: the accounts have well-known passwords (``admin-pass-123``,
``demo-pass-123``); never seed a deployment reachable by anyone else. With DEBUG off
``seed_demo`` refuses (``DemoRefused``) unless the caller forces it.

Everything is written through the apps' services, so the cache events fire as for any
write. Seeding is idempotent (an existing account is left exactly as it is) and
deterministic: the same ``seed`` gives the same values (timestamps end at now).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db import transaction
from django.utils import timezone

from aipal.accounts.services import user_create
from aipal.accounts.tokens import issue
from ari.models import DIMENSIONS, TaskComplexity
from ari.services import snapshot_create
from goals.models import ComplexityLevel, GoalStatus
from goals.services import goal_create
from tasks.models import TaskStatus
from tasks.services import task_create, task_locked, task_update

__all__ = [
    "ADMIN_PASSWORD",
    "DEMO_PASSWORD",
    "DEMO_USERS",
    "DemoRefused",
    "SeededAccount",
    "check_allowed",
    "seed_demo",
]

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin-pass-123"  # noqa: S105  (demo only, documented)
DEMO_PASSWORD = "demo-pass-123"  # noqa: S105  (demo only, documented)
SNAPSHOT_DAYS = 30


class DemoRefused(Exception):
    """Seeding was refused: DEBUG is off and the caller did not force it."""


def check_allowed(*, force: bool = False) -> None:
    """Raise DemoRefused when DEBUG is off, unless ``force``."""
    if not settings.DEBUG and not force:
        raise DemoRefused(
            f"DEBUG is off, and the demo accounts have well-known passwords ({ADMIN_USERNAME} / "
            f"{ADMIN_PASSWORD} is a superuser): they must never exist where anyone else can log in."
        )


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    learning_style: str
    preferences: dict[str, Any] = field(default_factory=dict)


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("alice", "Alice Martin", "visual", {"theme": "dark", "daily_goal_minutes": 45}),
    DemoUser("bob", "Bob Osei", "kinesthetic", {"theme": "light", "notifications": {"email": False}}),
    DemoUser("carol", "Carol Nguyen", "reading", {"theme": "dark", "language": "en"}),
)

# (description, importance, complexity, status); tasks below refer to goals by index.
_GOALS = (
    ("Write a weekly study plan without help", 8, ComplexityLevel.MINI, GoalStatus.ACTIVE),
    ("Finish the statistics course", 7, ComplexityLevel.MACRO, GoalStatus.ACTIVE),
    ("Refactor the budget spreadsheet by hand", 5, ComplexityLevel.MICRO, GoalStatus.COMPLETED),
    ("Learn touch typing", 4, ComplexityLevel.MINI, GoalStatus.ABANDONED),
    ("Ship a side project", 9, ComplexityLevel.MEGA, GoalStatus.ACTIVE),
)
# (title, goal index or None, final status)
_TASKS = (
    ("Outline Monday's topics", 0, TaskStatus.COMPLETED),
    ("Review last week's notes", 0, TaskStatus.RUNNING),
    ("Watch lecture 4", 1, TaskStatus.COMPLETED),
    ("Solve problem set 4", 1, TaskStatus.FAILED),
    ("Solve problem set 5", 1, TaskStatus.PENDING),
    ("List the spreadsheet's formulas", 2, TaskStatus.COMPLETED),
    ("Sketch the landing page", 4, TaskStatus.PENDING),
    ("Read about spaced repetition", None, TaskStatus.PENDING),
)
# How a task reaches its final status from ``pending`` (TRANSITIONS in tasks.models).
_PATH = {
    TaskStatus.PENDING: (),
    TaskStatus.RUNNING: (TaskStatus.RUNNING,),
    TaskStatus.COMPLETED: (TaskStatus.RUNNING, TaskStatus.COMPLETED),
    TaskStatus.FAILED: (TaskStatus.RUNNING, TaskStatus.FAILED),
}


@dataclass(frozen=True)
class SeededAccount:
    username: str
    user_id: int
    password: str
    token: str | None  # issued for accounts created now; tokens are stored hashed, never shown again
    created: bool
    is_staff: bool


def _seed_ari(user_id: int, rng: random.Random) -> None:
    """One snapshot a day for SNAPSHOT_DAYS days: autonomy rising, AI reliance falling, with noise."""
    now = timezone.now().replace(microsecond=0)
    complexities = list(TaskComplexity.values)
    for day in range(SNAPSHOT_DAYS):
        progress = day / (SNAPSHOT_DAYS - 1)
        dimensions = {name: 0.45 + 0.3 * progress + rng.uniform(-0.08, 0.08) for name in DIMENSIONS}
        dimensions["ai_reliance"] = 0.7 - 0.35 * progress + rng.uniform(-0.08, 0.08)
        snapshot_create(
            user_id=user_id,
            timestamp=now - timedelta(days=SNAPSHOT_DAYS - 1 - day),
            task_description=f"Day {day + 1} practice session",
            task_complexity=rng.choice(complexities),
            **{name: round(min(1.0, max(0.0, value)), 3) for name, value in dimensions.items()},
        )


def _seed_goals_and_tasks(user_id: int, rng: random.Random) -> None:
    """Goals created over the past weeks, and tasks (most under a goal) in every status."""
    now = timezone.now().replace(microsecond=0)
    goal_ids = [
        goal_create(
            user_id=user_id,
            description=description,
            importance=importance,
            complexity_level=complexity,
            status=status,
            estimated_value=round(rng.uniform(10, 100), 1),
            created_at=now - timedelta(days=4 * (len(_GOALS) - index), hours=rng.randint(0, 23)),
        ).pk
        for index, (description, importance, complexity, status) in enumerate(_GOALS)
    ]
    for index, (title, goal_index, final_status) in enumerate(_TASKS):
        task = task_create(
            user_id=user_id,
            title=title,
            priority=rng.randint(1, 10),
            goal_id=None if goal_index is None else goal_ids[goal_index],
            created_at=now - timedelta(days=len(_TASKS) - index, hours=rng.randint(0, 23)),
        )
        for status in _PATH[final_status]:
            with task_locked(user_id=user_id, task_id=task.pk) as locked:
                task_update(task=locked, status=status)


def _ensure_user(username: str, password: str, **profile: Any) -> tuple[AbstractUser, bool]:
    user = get_user_model().objects.filter(username=username).first()
    if user is not None:
        return user, False
    return user_create(username=username, password=password, email=f"{username}@example.com", **profile), True


@transaction.atomic
def _seed_admin() -> SeededAccount:
    admin, created = _ensure_user(ADMIN_USERNAME, ADMIN_PASSWORD, display_name="Administrator")
    if created:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    token = issue(admin)[0] if created else None
    return SeededAccount(ADMIN_USERNAME, admin.pk, ADMIN_PASSWORD, token, created, admin.is_staff)


@transaction.atomic
def _seed_user(demo: DemoUser, rng: random.Random) -> SeededAccount:
    user, created = _ensure_user(
        demo.username,
        DEMO_PASSWORD,
        display_name=demo.display_name,
        learning_style=demo.learning_style,
        preferences=demo.preferences,
    )
    token = None
    if created:
        _seed_ari(user.pk, rng)
        _seed_goals_and_tasks(user.pk, rng)
        token = issue(user)[0]
    return SeededAccount(demo.username, user.pk, DEMO_PASSWORD, token, created, user.is_staff)


def seed_demo(*, seed: int = 42, force: bool = False) -> list[SeededAccount]:
    """Create the admin and demo users with their data where missing; return every account.

    With DEBUG off, refuse (``DemoRefused``) unless ``force``: a deployment is no place for
    accounts whose passwords are printed in the README.
    """
    check_allowed(force=force)
    accounts = [_seed_admin()]
    for index, demo in enumerate(DEMO_USERS):
        accounts.append(_seed_user(demo, random.Random(seed * 1000 + index)))
    return accounts
