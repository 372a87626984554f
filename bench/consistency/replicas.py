"""``--replica-delay``: the run's database on a private primary with a streaming replica
that applies each commit that many seconds late, and the service reading from it
(``DATABASE_REPLICA_URLS``).

The main workload's user writes all the time, so its misses stay on the primary. A
second user, the ``Bystander``, writes now and then and reads new pages of its goal list
in between: its reads right after a write must come from the primary (or see the
write), the later ones may come from the replica. Each read must show its last write;
pg_stat_statements on both servers says which one loaded the rows.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from typing import Any

from bench.client import Api
from bench.consistency.services import create_user, login_with_goal
from bench.services import PostgresCluster, free_port

USERNAME = "bystander"
WRITE_EVERY = 3.0  # the bystander's writes are this many replica delays apart
PAGES = 100  # the goal list pages it reads between two writes, spread evenly
# The project's tables: a statement on them is a load of the app's data.
_DATA_SELECTS = """
SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements
WHERE query ~* '^\\s*select' AND query ~ '"(goals|tasks|ari)_'
"""
_POSITION_CHECKS = (
    "SELECT coalesce(sum(calls), 0)::bigint FROM pg_stat_statements WHERE query ~ 'pg_last_wal_replay_lsn'"
)


class ReplicatedDatabase:
    """The run's database on a private primary, streamed to a replica ``delay`` s behind."""

    def __init__(self, name: str, delay: float) -> None:
        self.name = name
        self.delay = delay
        self.primary = PostgresCluster(free_port())
        # Standby feedback: a long load on the replica is not cancelled by the primary's vacuum.
        settings = {"recovery_min_apply_delay": f"{int(delay * 1000)}ms", "hot_standby_feedback": "on"}
        self.replica = PostgresCluster(free_port(), settings)

    @property
    def url(self) -> str:
        return self.primary.url(self.name)

    @property
    def replica_url(self) -> str:
        return self.replica.url(self.name)

    def create(self) -> None:
        self.primary.start()
        with self.primary.connect() as conn:
            conn.execute(f'CREATE DATABASE "{self.name}"')
        with self.primary.connect(self.name) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
        self.replica.start_replica(self.primary)

    def drop(self) -> None:
        """Stop both servers (their directories go with them)."""
        self.replica.stop()
        self.primary.stop()

    def _count(self, server: PostgresCluster, query: str) -> int:
        with server.connect(self.name) as conn:
            return int(conn.execute(query).fetchone()[0])

    def loads(self) -> dict[str, int]:
        """Statements run so far: data SELECTs on each server, position checks on the replica."""
        return {
            "primary_data_selects": self._count(self.primary, _DATA_SELECTS),
            "replica_data_selects": self._count(self.replica, _DATA_SELECTS),
            "replica_position_checks": self._count(self.replica, _POSITION_CHECKS),
        }


class Bystander(threading.Thread):
    """A user who writes its goal every ``WRITE_EVERY`` replica delays and reads new pages
    of its goal list (``?limit=1..100``, each a miss) evenly in between, so that some come
    within the replica's lag (the primary's) and most after it (a replica's); a read that
    does not show the last write is stale."""

    def __init__(self, port: int, token: str, user_id: int, goal_id: int, delay: float) -> None:
        super().__init__(name="bystander", daemon=True)
        self.port, self.token, self.user_id, self.goal_id = port, token, user_id, goal_id
        self.write_every = WRITE_EVERY * delay
        self.stop = threading.Event()
        self.figures: Counter = Counter()
        self.samples: list[str] = []

    @classmethod
    def create(cls, env: dict[str, str], port: int, password: str, delay: float) -> Bystander:
        user_id = create_user(env, USERNAME, password)
        token, goal_id = login_with_goal(port, USERNAME, password, user_id)
        return cls(port, token, user_id, goal_id, delay)

    def _note(self, kind: str, detail: str) -> None:
        self.figures[kind] += 1
        if len(self.samples) < 10:
            self.samples.append(f"{kind}: {detail}"[:300])

    def run(self) -> None:
        api = Api(self.port, self.token)
        version, step, written = 0, 0, 0.0
        while not self.stop.is_set():
            try:
                if time.monotonic() - written >= self.write_every:
                    path = f"/api/users/{self.user_id}/goals/{self.goal_id}"
                    reply = api.request("PATCH", path, {"description": f"v{version + 1}"})
                    if reply.status != 200:
                        self._note("errors", f"write answered {reply.status}")
                        continue
                    version, written = version + 1, time.monotonic()
                    self.figures["writes"] += 1
                step += 1
                self.stop.wait(self.write_every / PAGES)
                reply = api.request("GET", f"/api/users/{self.user_id}/goals?status=all&limit={step % PAGES + 1}")
            except (OSError, http.client.HTTPException) as exc:
                self._note("errors", repr(exc))
                continue
            if reply.status != 200:
                self._note("errors", f"read answered {reply.status}")
                continue
            self.figures["reads"] += 1
            self.figures[f"x_cache_{reply.x_cache}"] += 1
            goals = reply.json()
            seen = goals[0]["description"] if goals else "no goal"
            if seen != f"v{version}":
                self._note("stale_reads", f"saw {seen} after v{version} returned")
        api.close()

    def result(self) -> dict[str, Any]:
        self.stop.set()
        self.join(35)
        figures = {name: self.figures[name] for name in ("reads", "writes", "stale_reads", "errors")}
        return figures | {"x_cache": {k[8:]: v for k, v in self.figures.items() if k.startswith("x_cache_")}}


def render(figures: dict[str, Any]) -> str:
    loads, bystander = figures["loads"], figures["bystander"]
    return "\n".join(
        [
            f"  replica     {figures['delay_s']} s behind: {loads['replica_data_selects']} data SELECTs served "
            f"by it, {loads['primary_data_selects']} by the primary, "
            f"{loads['replica_position_checks']} position checks",
            f"  bystander   {bystander['reads']} reads, {bystander['writes']} writes, "
            f"{bystander['stale_reads']} stale, {bystander['errors']} errors, X-Cache {bystander['x_cache']}",
        ]
    )


def start_bystander(env: dict[str, str], port: int, password: str, delay: float) -> Bystander:
    bystander = Bystander.create(env, port, password, delay)
    bystander.start()
    return bystander


def figures(database: ReplicatedDatabase, bystander: Bystander) -> dict[str, Any]:
    """Stop the bystander; what it saw and what each server loaded."""
    return {"delay_s": database.delay, "bystander": bystander.result(), "loads": database.loads()}


def failed(figures: dict[str, Any]) -> bool:
    replica = figures.get("replica")
    return bool(replica) and (replica["bystander"]["stale_reads"] > 0 or replica["bystander"]["errors"] > 0)
