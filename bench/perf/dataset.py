"""The benchmark's data, bulk-loaded with COPY (not through the API): users with a profile,
ARI snapshots, goals and tasks, an app token (knox) and a DRF token per user.

The rows are the same for the same ``seed`` argument (the random number generator's; the
tokens are random). Returns what the load tool needs: for each user its id, its two
tokens, its goal ids and its task ids.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from bench.client import DIMENSIONS

__all__ = ["BenchUser", "Sizes", "load", "write_users_file"]

GOAL_STATUSES = ("active",) * 12 + ("completed",) * 5 + ("abandoned",) * 3
TASK_STATUSES = ("pending",) * 4 + ("running",) * 2 + ("completed",) * 3 + ("failed",)
COMPLEXITIES = ("atomic", "micro", "mini", "macro", "mega")
TASK_COMPLEXITIES = ("trivial", "simple", "moderate", "complex", "expert")


@dataclass(frozen=True)
class Sizes:
    users: int = 1000
    snapshots: int = 50
    goals: int = 20
    tasks: int = 40


@dataclass(frozen=True)
class BenchUser:
    id: int
    app_token: str
    drf_token: str
    goal_ids: list[int]
    task_ids: list[int]


def _retention(dims: dict[str, float]) -> float:
    # Mirrors ari.services.autonomy_retention (which needs Django configured to import).
    values = [1.0 - dims[name] if name == "ai_reliance" else dims[name] for name in DIMENSIONS]
    return round(100 * math.fsum(values) / len(values), 2)


def load(conninfo: str, sizes: Sizes, *, password_hash: str, token_ttl: timedelta, seed: int = 7) -> list[BenchUser]:
    """Insert the data set into an empty, migrated database; return the users."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,"
            " date_joined) FROM STDIN"
        ) as copy:
            for n in range(sizes.users):
                copy.write_row((password_hash, False, f"bench{n}", "", "", f"bench{n}@example.com", False, True, now))
        cur.execute("SELECT id FROM auth_user WHERE username LIKE 'bench%%' ORDER BY id")
        user_ids = [row[0] for row in cur.fetchall()]
        with cur.copy("COPY accounts_profile (user_id, display_name, learning_style, preferences) FROM STDIN") as copy:
            for user_id in user_ids:
                copy.write_row((user_id, f"Bench user {user_id}", "visual", json.dumps({"theme": "dark"})))
        with cur.copy(
            "COPY ari_arisnapshot (user_id, timestamp, " + ", ".join(DIMENSIONS) + ", autonomy_retention,"
            " task_description, task_complexity) FROM STDIN"
        ) as copy:
            for user_id in user_ids:
                for day in range(sizes.snapshots):
                    dims = {name: round(rng.uniform(0.2, 0.9), 3) for name in DIMENSIONS}
                    stamp = now - timedelta(days=sizes.snapshots - day, minutes=rng.randint(0, 600))
                    copy.write_row(
                        (
                            user_id,
                            stamp,
                            *dims.values(),
                            _retention(dims),
                            f"Session {day + 1}",
                            rng.choice(TASK_COMPLEXITIES),
                        )
                    )
        with cur.copy(
            "COPY goals_goal (user_id, description, importance, complexity_level, estimated_value, status,"
            " deadline, created_at, updated_at, completed_at) FROM STDIN"
        ) as copy:
            for user_id in user_ids:
                for n in range(sizes.goals):
                    status = rng.choice(GOAL_STATUSES)
                    created = now - timedelta(days=rng.randint(1, 90), minutes=n)
                    done = created + timedelta(days=1) if status == "completed" else None
                    copy.write_row(
                        (
                            user_id,
                            f"Goal {n} of user {user_id}: practise without help",
                            rng.randint(1, 10),
                            rng.choice(COMPLEXITIES),
                            round(rng.uniform(1, 100), 1),
                            status,
                            None,
                            created,
                            created,
                            done,
                        )
                    )
        cur.execute("SELECT user_id, array_agg(id ORDER BY id) FROM goals_goal GROUP BY user_id")
        goals = dict(cur.fetchall())
        with cur.copy(
            "COPY tasks_task (user_id, goal_id, title, task_type, priority, status, attempts, result,"
            " error_message, created_at, started_at, completed_at) FROM STDIN"
        ) as copy:
            for user_id in user_ids:
                for n in range(sizes.tasks):
                    status = rng.choice(TASK_STATUSES)
                    created = now - timedelta(days=rng.randint(1, 60), minutes=n)
                    goal = rng.choice(goals[user_id]) if goals.get(user_id) and rng.random() < 0.75 else None
                    result = json.dumps({"score": rng.randint(0, 100)}) if status == "completed" else None
                    copy.write_row(
                        (
                            user_id,
                            goal,
                            f"Task {n}: read and summarise",
                            "general",
                            rng.randint(1, 10),
                            status,
                            int(status == "failed"),
                            result,
                            "timed out" if status == "failed" else None,
                            created,
                            created if status != "pending" else None,
                            created if status == "completed" else None,
                        )
                    )
        cur.execute("SELECT user_id, array_agg(id ORDER BY id) FROM tasks_task GROUP BY user_id")
        tasks = dict(cur.fetchall())
        users = []
        with cur.copy("COPY knox_authtoken (digest, token_key, user_id, created, expiry) FROM STDIN") as copy:
            for user_id in user_ids:
                token = secrets.token_hex(32)
                copy.write_row((hashlib.sha512(token.encode()).hexdigest(), token[:15], user_id, now, now + token_ttl))
                users.append([user_id, token])
        with cur.copy("COPY authtoken_token (key, user_id, created) FROM STDIN") as copy:
            for entry in users:
                key = secrets.token_hex(20)
                copy.write_row((key, entry[0], now))
                entry.append(key)
        conn.commit()
        cur.execute("ANALYZE")
    return [BenchUser(u, app, drf, goals.get(u, []), tasks.get(u, [])) for u, app, drf in users]


def write_users_file(users: list[BenchUser], path: Path) -> None:
    """One line per user for the wrk script: id, app token, DRF token, goal ids, task ids."""
    with path.open("w") as out:
        for user in users:
            goals = ",".join(map(str, user.goal_ids)) or "0"
            tasks = ",".join(map(str, user.task_ids)) or "0"
            out.write(f"{user.id} {user.app_token} {user.drf_token} {goals} {tasks}\n")
