"""Which database a cache miss reads from: a replica that has replayed the user's last
commit position, else the primary; a BYPASS, a transaction, a failing replica: the primary.

The replicas and their positions are fakes here (SQLite has no WAL); the scale test
``tests/scale/test_replicas.py`` runs a real streaming replica.
"""

from __future__ import annotations

import pytest
from django.db import DEFAULT_DB_ALIAS, OperationalError

from aipal.cache import client
from aipal.cache.aside import CacheStatus, get_or_fill
from aipal.cache.events import CacheEvent, generation_fields
from aipal.cache.invalidation import apply_now
from aipal.cache.keys import GOAL_LIST, PROFILE
from aipal.db import router, wal
from aipal.db.router import ReplicaRouter, read_alias, reading_from
from tests.wsgi_client import WSGIClient, fast_path_count

pytestmark = pytest.mark.django_db


class Positions:
    """Fake WAL positions: the primary's current one and each replica's replay."""

    def __init__(self) -> None:
        self.primary = 1000
        self.replayed = {"replica_1": 0, "replica_2": 0}
        self.broken: set[str] = set()
        self.queries: list[str] = []
        self.functions: list[tuple[str, str]] = []

    def __call__(self, alias: str, function: str) -> int:
        self.queries.append(alias)
        self.functions.append((alias, function))
        if alias in self.broken:
            raise OperationalError(f"{alias} is down")
        return self.primary if alias == DEFAULT_DB_ALIAS else self.replayed[alias]


@pytest.fixture
def positions(monkeypatch):
    fake = Positions()
    monkeypatch.setattr(wal, "replica_aliases", lambda: ["replica_1", "replica_2"])
    monkeypatch.setattr(wal, "_position", fake)
    monkeypatch.setattr(wal, "_in_transaction", lambda: False)  # the test's own transaction aside
    monkeypatch.setattr(wal, "_on_postgresql", lambda: True)
    wal.forget()
    yield fake
    wal.forget()


def _key(user_id: int = 1):
    return GOAL_LIST.key(user_id=user_id, variant={"status": "active", "limit": 100})


def _loaded_from(user_id: int = 1) -> tuple[CacheStatus, str]:
    seen = []
    served = get_or_fill(_key(user_id), lambda: seen.append(read_alias()) or [])
    return served.status, seen[0] if seen else ""


def test_the_router_sends_reads_to_the_alias_of_the_block_and_writes_to_default():
    routing = ReplicaRouter()
    assert routing.db_for_read(object) == DEFAULT_DB_ALIAS
    with reading_from("replica_2"):
        assert routing.db_for_read(object) == "replica_2"
        assert routing.db_for_write(object) == DEFAULT_DB_ALIAS
    assert routing.db_for_read(object) == DEFAULT_DB_ALIAS
    assert routing.allow_migrate("default", "goals") and not routing.allow_migrate("replica_1", "goals")


def test_without_replicas_no_position_is_asked(monkeypatch):
    asked = []
    monkeypatch.setattr(wal, "_position", lambda *args: asked.append(args) or 0)
    monkeypatch.setattr(wal, "_on_postgresql", lambda: False)  # SQLite: no position to note at all
    assert wal.commit_position() is None
    assert wal.route(None) is wal.PRIMARY and wal.route(5) is wal.PRIMARY
    assert _loaded_from() == (CacheStatus.MISS, DEFAULT_DB_ALIAS)
    assert apply_now(1, generation_fields(CacheEvent.GOAL_CREATED))
    assert asked == []


def test_on_postgresql_without_replicas_a_bump_notes_an_unknown_position_without_a_query(monkeypatch):
    asked = []
    monkeypatch.setattr(wal, "_position", lambda *args: asked.append(args) or 0)
    monkeypatch.setattr(wal, "_on_postgresql", lambda: True)
    assert wal.commit_position() == wal.UNKNOWN
    assert asked == []


def test_the_primarys_position_is_its_insert_position(positions):
    """With ``synchronous_commit = off`` a commit's record can lie past the write position."""
    wal.commit_position()
    wal.route(None)
    primary = [function for alias, function in positions.functions if alias == DEFAULT_DB_ALIAS]
    assert primary == ["pg_current_wal_insert_lsn"] * 2


def test_a_write_on_a_server_without_replicas_sends_the_next_miss_to_the_primary(positions, monkeypatch):
    """Servers configured differently share one Redis: a bump that notes no position must
    not leave an older one that a server with replicas would route by."""
    positions.primary, positions.replayed = 500, {"replica_1": 500, "replica_2": 500}
    assert _loaded_from()[1].startswith("replica_")  # the user's *lsn is now 500
    with monkeypatch.context() as elsewhere:  # the write, on a server without replicas, at 1000
        elsewhere.setattr(wal, "replica_aliases", lambda: [])
        asked = len(positions.queries)
        assert apply_now(1, generation_fields(CacheEvent.GOAL_CREATED))
        assert len(positions.queries) == asked  # no query for it
    positions.primary = 1000
    assert _loaded_from() == (CacheStatus.MISS, DEFAULT_DB_ALIAS)  # the replicas are still at 500


def test_a_floor_taken_before_a_write_whose_position_is_unknown_is_not_kept(positions, monkeypatch):
    """The profile's miss takes the floor 900; while it loads, a write commits at 1000 on a
    server without replicas and bumps the goal list only; the profile's fill still stores,
    but the goal list's next miss must not be routed by 900."""
    positions.primary, positions.replayed = 900, {"replica_1": 900, "replica_2": 900}

    def profile_loader() -> dict[str, str]:
        positions.primary = 1000
        with monkeypatch.context() as elsewhere:
            elsewhere.setattr(wal, "replica_aliases", lambda: [])
            assert apply_now(1, generation_fields(CacheEvent.GOAL_CREATED))
        return {}

    assert get_or_fill(PROFILE.key(user_id=1), profile_loader).status == CacheStatus.MISS
    assert client.read(PROFILE.key(user_id=1), client.new_token()).body == b"{}"  # the fill stored
    assert _loaded_from() == (CacheStatus.MISS, DEFAULT_DB_ALIAS)


def test_a_position_taken_before_another_servers_unknown_write_does_not_replace_its_marker(positions, monkeypatch):
    """A server takes its write's position (900) and is slow to bump; meanwhile a server
    without replicas commits a write at 1000 and bumps. The late bump's 900 must not stand
    for the user: a replica at 950 has not replayed the write at 1000."""
    positions.primary, positions.replayed = 500, {"replica_1": 500, "replica_2": 500}
    assert _loaded_from()[1].startswith("replica_")  # the user's *lsn is now 500
    positions.primary = 900
    late = wal.commit_position()
    with monkeypatch.context() as elsewhere:
        elsewhere.setattr(wal, "replica_aliases", lambda: [])
        assert apply_now(1, generation_fields(CacheEvent.GOAL_CREATED))  # the write at 1000
    client.bump_generations({1: generation_fields(CacheEvent.GOAL_UPDATED)}, lsn=late)
    positions.primary, positions.replayed = 1000, {"replica_1": 950, "replica_2": 950}
    assert _loaded_from() == (CacheStatus.MISS, DEFAULT_DB_ALIAS)


def test_a_user_who_wrote_is_read_from_the_primary_until_a_replica_passes_the_write(positions):
    positions.primary, positions.replayed = 500, {"replica_1": 500, "replica_2": 500}
    assert _loaded_from()[1].startswith("replica_")  # the user has written nothing since 500
    positions.replayed = {"replica_1": 900, "replica_2": 900}
    positions.primary = 1000  # the write's commit position
    assert apply_now(1, generation_fields(CacheEvent.GOAL_CREATED))
    assert _loaded_from() == (CacheStatus.MISS, DEFAULT_DB_ALIAS)
    assert apply_now(1, generation_fields(CacheEvent.GOAL_CREATED))  # same position: the entry is gone again
    positions.replayed = {"replica_1": 1000, "replica_2": 1000}  # both have replayed the write
    status, alias = _loaded_from()
    assert status == CacheStatus.MISS and alias.startswith("replica_")


def test_a_user_without_a_position_is_routed_by_the_primarys_and_keeps_it_for_the_next_miss(positions):
    positions.primary, positions.replayed = 500, {"replica_1": 400, "replica_2": 400}
    assert _loaded_from(7) == (CacheStatus.MISS, DEFAULT_DB_ALIAS)  # the replicas may miss a recent write
    stored = client.redis_client().hget(_key(7).names(client.server_run_id(7)).generations, "*lsn")
    assert int(stored) == 500
    positions.primary = 800  # others write; this user does not
    positions.replayed = {"replica_1": 500, "replica_2": 500}
    client.redis_client().delete(_key(7).names(client.server_run_id(7)).entry)  # expired
    assert _loaded_from(7)[1].startswith("replica_")


def test_a_known_replay_position_costs_no_query(positions):
    positions.replayed = {"replica_1": 2000, "replica_2": 2000}
    assert wal.route(1500).alias.startswith("replica_")
    asked = len(positions.queries)
    for _ in range(5):
        assert wal.route(1500).alias.startswith("replica_")
    assert len(positions.queries) == asked  # every replica asked at most once, then known
    assert asked == 1


def test_a_lagging_replica_is_asked_again_once_per_miss_and_used_when_it_passed(positions):
    positions.replayed = {"replica_1": 10, "replica_2": 10}
    assert wal.route(100).alias == DEFAULT_DB_ALIAS
    positions.replayed = {"replica_1": 100, "replica_2": 100}
    assert wal.route(100).alias.startswith("replica_")


def test_a_replica_that_fails_is_left_alone_and_the_read_goes_to_the_primary(positions, caplog):
    positions.broken = {"replica_1", "replica_2"}
    assert wal.route(1).alias == DEFAULT_DB_ALIAS
    assert wal.route(1).alias == DEFAULT_DB_ALIAS
    assert len(positions.queries) == 2  # one per replica, then both rest
    assert sum("reads go to the primary" in record.message for record in caplog.records) == 2


def test_a_load_that_fails_on_the_replica_is_loaded_again_from_the_primary(positions):
    calls = []

    def loader() -> list[str]:
        calls.append(read_alias())
        if read_alias() != DEFAULT_DB_ALIAS:
            raise OperationalError("conflict with recovery")
        return []

    assert wal.load(loader, wal.Route("replica_1")) == []
    assert calls == ["replica_1", DEFAULT_DB_ALIAS]
    positions.replayed["replica_2"] = 10**9
    assert wal.route(1).alias == "replica_2"  # replica_1 rests


def test_a_bypass_reads_from_the_primary(positions, settings, monkeypatch):
    positions.replayed = {"replica_1": 10**9, "replica_2": 10**9}
    assert _loaded_from()[1].startswith("replica_")  # a miss: the replica has replayed everything
    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "ENABLED": False}
    assert _loaded_from(2) == (CacheStatus.BYPASS, DEFAULT_DB_ALIAS)
    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "ENABLED": True}

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise client.CacheUnavailable("Redis down")

    monkeypatch.setattr(client, "read", down)
    assert _loaded_from(3) == (CacheStatus.BYPASS, DEFAULT_DB_ALIAS)


def test_reads_inside_a_transaction_stay_on_the_primary(positions, monkeypatch):
    positions.replayed = {"replica_1": 10**9, "replica_2": 10**9}
    monkeypatch.setattr(wal, "_in_transaction", lambda: True)
    assert _loaded_from() == (CacheStatus.MISS, DEFAULT_DB_ALIAS)
    assert positions.queries == []


def test_the_read_alias_is_reset_after_the_load(positions):
    positions.replayed = {"replica_1": 10**9, "replica_2": 10**9}
    assert _loaded_from()[1].startswith("replica_")
    assert router.read_alias() == DEFAULT_DB_ALIAS


def test_the_views_and_the_fast_paths_misses_are_routed_by_the_users_position(positions, token, user, monkeypatch):
    used = []
    load = wal.load
    # Noted, then loaded from the test's one database (SQLite has no replica to read).
    monkeypatch.setattr(wal, "load", lambda loader, where: used.append(where.alias) or load(loader, wal.PRIMARY))
    positions.primary = 1000
    assert apply_now(user.id, generation_fields(CacheEvent.GOAL_CREATED))  # the user's write, at 1000
    fast = WSGIClient(token=token)
    first = fast.get(f"/api/users/{user.id}/goals")  # the token's first use: the view's miss (read.lua)
    positions.replayed = {"replica_1": 1000, "replica_2": 1000}
    positions.primary = 2000  # others wrote since: only the user's own position lets a replica serve
    count = fast_path_count("loaded")
    second = fast.get(f"/api/users/{user.id}/goals?status=all")  # the fast path's miss (serve.lua)
    assert fast_path_count("loaded") == count + 1
    assert (first.status, first.header("X-Cache")) == (200, "MISS")
    assert (second.status, second.header("X-Cache")) == (200, "MISS")
    assert used[0] == DEFAULT_DB_ALIAS and used[-1].startswith("replica_"), used
