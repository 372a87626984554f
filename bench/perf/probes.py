"""What a run costs the servers: Redis commands, round trips and memory; SQL statements.

- Redis: ``INFO commandstats`` (calls per command) and ``INFO stats``
  (``total_reads_processed``: one per read event, i.e. per round trip of a client,
  since a pipeline or a script arrives in one read; ``keyspace_hits``/``misses``).
- PostgreSQL: ``pg_stat_statements`` calls, all of them and without transaction control
  (BEGIN, COMMIT...), read before and after.
- Memory: ``MEMORY USAGE`` of every key of one user (SCAN on the prefix and the user's hash tag).
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
import redis

__all__ = ["PostgresCounters", "RedisCounters", "user_memory"]

_UTILITY = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET ", "SHOW ")


@dataclass(frozen=True)
class RedisCounters:
    commands: dict[str, int]
    round_trips: int
    keyspace_hits: int
    keyspace_misses: int

    @classmethod
    def read(cls, client: redis.Redis) -> RedisCounters:
        stats = client.info("stats")
        commands = {
            name.removeprefix("cmdstat_"): int(values["calls"]) for name, values in client.info("commandstats").items()
        }
        return cls(
            commands, int(stats["total_reads_processed"]), int(stats["keyspace_hits"]), int(stats["keyspace_misses"])
        )

    def since(self, before: RedisCounters) -> dict[str, object]:
        commands = {k: v - before.commands.get(k, 0) for k, v in self.commands.items() if v - before.commands.get(k, 0)}
        # This probe's own INFO calls (two before, two after) are not the service's.
        commands["info"] = commands.get("info", 0) - 2
        return {
            "commands": {k: v for k, v in commands.items() if v > 0},
            "round_trips": self.round_trips - before.round_trips - 2,
            "keyspace_hits": self.keyspace_hits - before.keyspace_hits,
            "keyspace_misses": self.keyspace_misses - before.keyspace_misses,
        }


@dataclass(frozen=True)
class PostgresCounters:
    statements: int
    data_statements: int

    @classmethod
    def read(cls, conninfo: str) -> PostgresCounters:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT query, calls FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database"
                " WHERE datname = current_database())"
            ).fetchall()
        total = sum(calls for _, calls in rows)
        data = sum(calls for query, calls in rows if not query.lstrip().upper().startswith(_UTILITY))
        return cls(total, data)

    def since(self, before: PostgresCounters) -> dict[str, int]:
        # This probe's own query (one) is counted by the next reading.
        return {
            "statements": self.statements - before.statements - 1,
            "data_statements": self.data_statements - before.data_statements - 1,
        }


def user_memory(client: redis.Redis, user_id: int, *, prefix: str) -> dict[str, int]:
    """Bytes of every key of one user under ``prefix`` (``MEMORY USAGE``), by the key's family."""
    families: dict[str, int] = {}
    for key in client.scan_iter(match=f"{prefix}:*:{{u:{user_id}}}:*", count=1000):
        family = key.decode().rsplit("}:", 1)[-1].split("?")[0]
        family = "goals:<id>" if family.startswith("goals:") and family != "goals:list" else family
        family = "tasks:<id>" if family.startswith("tasks:") and family != "tasks:list" else family
        families[family] = families.get(family, 0) + int(client.memory_usage(key, samples=0) or 0)
    return families
