"""The cache layer on a Redis Cluster: each user's keys on the master of their slot, named
by that master's lifetime; one pipeline per master for a bump of several users;
server-wide calls (SCAN, flushes, the key count, health) over every master; and a
master's failover retiring that master's entries only, with no error on the way.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from io import StringIO

import pytest
import redis
from django.core.management import call_command
from redis.connection import AbstractConnection

from aipal.cache import background, client, epoch, keys, recovery
from aipal.cache.aside import CacheStatus, get_or_fill
from aipal.cache.invalidation import apply_all
from aipal.cache.models import PendingInvalidation
from bench.topologies import RedisClusterRig
from cachehealth import keycount
from cachehealth.health import check_health
from tests.conftest import point_cache_at

pytestmark = [pytest.mark.integration, pytest.mark.scale, pytest.mark.django_db]


@pytest.fixture
def on_cluster(settings, redis_cluster: RedisClusterRig) -> Iterator[RedisClusterRig]:
    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "BREAKER_RESET_SECONDS": 0.2, "BREAKER_MAX_RESET_SECONDS": 0.5}
    point_cache_at(settings, redis_cluster.url)
    recovery.forget_failures()
    yield redis_cluster
    try:
        client.scan_delete(keys.app_key_pattern())
    except client.CacheUnavailable:
        pass
    background.stop()
    client.reset_breaker()
    epoch.forget()


def _users_on_every_master(rig: RedisClusterRig) -> dict[int, int]:
    """One user id per master: {master port: user id}."""
    found: dict[int, int] = {}
    for user_id in range(1, 1000):
        found.setdefault(rig.master_of_key(keys.user_tag(user_id)), user_id)
        if len(found) == len(rig.masters()):
            return found
    raise AssertionError("no user ids spread over every master")


def _entry(user_id: int) -> keys.CacheKey:
    return keys.GOAL_LIST.key(user_id=user_id)


def _lifetime(port: int) -> str:
    """The lifetime a master's keys are named by: its run_id and replication ID."""
    node = redis.Redis(port=port)
    return epoch.lifetime(str(node.info("server")["run_id"])[:12], node.info("replication")["master_replid"])


def test_each_users_keys_live_on_their_masters_named_by_its_lifetime(on_cluster):
    for port, user_id in _users_on_every_master(on_cluster).items():
        assert get_or_fill(_entry(user_id), lambda: ["v1"]).status == CacheStatus.MISS
        assert get_or_fill(_entry(user_id), lambda: ["v1"]).status == CacheStatus.HIT
        names = _entry(user_id).names(client.server_run_id(user_id))
        assert client.server_run_id(user_id) == _lifetime(port)
        node = redis.Redis(port=port)
        assert node.exists(names.entry, names.generations) == 2  # the master of the slot holds both


@pytest.fixture
def pipelines_by_port(monkeypatch) -> Counter:
    """Count what is sent to each port: one packed send is one command, script or pipeline."""
    sent: Counter = Counter()
    original = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):  # type: ignore[no-untyped-def]
        sent[self.port] += 1
        return original(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent


def test_a_bump_of_users_on_every_master_sends_one_pipeline_per_master(on_cluster, pipelines_by_port):
    users = _users_on_every_master(on_cluster)
    extra = next(u for u in range(1000, 2000) if on_cluster.master_of_key(keys.user_tag(u)) == next(iter(users)))
    for user_id in [*users.values(), extra]:
        get_or_fill(_entry(user_id), lambda: ["v1"])
    apply_all({user_id: {"GOAL_LIST"} for user_id in [*users.values(), extra]})  # loads the script everywhere
    pipelines_by_port.clear()

    assert apply_all({user_id: {"GOAL_LIST"} for user_id in [*users.values(), extra]})

    assert pipelines_by_port == dict.fromkeys(users, 1)  # two users on one master: still one pipeline
    for user_id in [*users.values(), extra]:
        assert get_or_fill(_entry(user_id), lambda: ["v2"]).status == CacheStatus.MISS


def test_scans_flushes_key_counts_and_health_cover_every_master(on_cluster):
    users = _users_on_every_master(on_cluster)
    for user_id in users.values():
        get_or_fill(_entry(user_id), lambda: ["v1"])
    pattern = keys.app_key_pattern()
    on_node = {port: len(list(redis.Redis(port=port).scan_iter(match=pattern))) for port in users}
    assert all(count >= 2 for count in on_node.values()), on_node  # an entry and a generation hash each

    assert sum(1 for _ in client.scan_keys(pattern)) == sum(on_node.values())
    keycount.forget()
    assert keycount.app_keys_count().count == sum(on_node.values()) + 1  # and the count's own lock
    health = check_health()
    single = max(redis.Redis(port=port).info("memory")["used_memory"] for port in users) / 2**20
    assert health.redis_connected and health.memory_used_mb > single  # the masters' memory added up

    call_command("cache_flush", "--all", stdout=StringIO())
    assert {port: len(list(redis.Redis(port=port).scan_iter(match=pattern))) for port in users} == dict.fromkeys(
        users, 0
    )


def test_a_failover_retires_that_masters_entries_and_no_other(on_cluster):
    users = _users_on_every_master(on_cluster)
    victim_port, victim = next(iter(users.items()))
    others = [user_id for port, user_id in users.items() if port != victim_port]
    for user_id in users.values():
        get_or_fill(_entry(user_id), lambda: ["old"])
    # Every entry reached the replicas: a promoted replica holds the victim's old entry.
    for port in users:
        assert redis.Redis(port=port).execute_command("WAIT", 1, 5000) >= 1

    on_cluster.kill_master(victim_port)
    try:
        seen = Counter()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            served = get_or_fill(_entry(victim), lambda: ["new"])
            seen[served.status] += 1
            assert served.body == b'["new"]'  # never the entry the old master held
            if served.status == CacheStatus.HIT:
                break
            time.sleep(0.05)
        new_master = on_cluster.master_of_key(keys.user_tag(victim))
        assert new_master != victim_port and seen[CacheStatus.HIT] == 1, seen
        assert client.server_run_id(victim) == _lifetime(new_master)
        for user_id in others:  # their masters never changed: their entries stay readable
            assert get_or_fill(_entry(user_id), lambda: ["unused"]).status == CacheStatus.HIT
    finally:
        on_cluster.wait_for_failover(victim_port)
        on_cluster.restart(victim_port)


def _asking(port: int) -> redis.Redis:
    """A connection to the importing master that may read the migrating slot's next key."""
    node = redis.Redis(port=port, single_connection_client=True)
    node.execute_command("ASKING")
    return node


def test_a_bump_during_resharding_follows_the_migration_and_is_not_deferred(on_cluster):
    """While a user's slot migrates (its generation hash already on the new master), the
    bump follows the ASK redirection instead of waiting in the outbox for a replay."""
    user_id = next(iter(_users_on_every_master(on_cluster).values()))
    get_or_fill(_entry(user_id), lambda: ["v1"])
    tag = keys.user_tag(user_id)
    slot, source = on_cluster.slot_of(tag), on_cluster.master_of_key(tag)
    ids = {node.port: node.node_id for node in on_cluster.cluster_nodes()}
    target = next(port for port in on_cluster.masters() if port != source)
    generations = keys.generation_hash(client.server_run_id(user_id), user_id)
    redis.Redis(port=target).execute_command("CLUSTER", "SETSLOT", slot, "IMPORTING", ids[source])
    redis.Redis(port=source).execute_command("CLUSTER", "SETSLOT", slot, "MIGRATING", ids[target])
    try:
        redis.Redis(port=source).migrate("127.0.0.1", target, [generations], 0, 5000)
        before = _asking(target).hget(generations, "GOAL_LIST")

        assert apply_all({user_id: {"GOAL_LIST"}})  # applied now, not kept for replay

        assert not PendingInvalidation.objects.filter(user_id=user_id).exists()
        assert _asking(target).hget(generations, "GOAL_LIST") not in (None, before)
    finally:  # end the migration: the slot and its keys on the target
        for name in redis.Redis(port=source).execute_command("CLUSTER", "GETKEYSINSLOT", slot, 1000):
            redis.Redis(port=source).migrate("127.0.0.1", target, [name], 0, 5000)
        for port in on_cluster.masters():
            redis.Redis(port=port).execute_command("CLUSTER", "SETSLOT", slot, "NODE", ids[target])
        on_cluster.wait_until_healthy()
    served = get_or_fill(_entry(user_id), lambda: ["v2"])
    assert served.body == b'["v2"]'  # the slot's new master: another lifetime, a fresh start
