"""The Redis topologies the scale tests run on behave as Redis does in production: a
cluster covers every slot with a replica per master, and a killed master is replaced
by its replica, in a cluster and behind Sentinel, with the data it had replicated.

These need no support from the app: they run first (see ``conftest``).
"""

from __future__ import annotations

import socket

import pytest
import redis
from redis.cluster import ClusterNode, RedisCluster
from redis.sentinel import Sentinel

from bench import topologies
from bench.services import SetupError
from bench.topologies import SLOTS, RedisClusterRig

pytestmark = [pytest.mark.integration, pytest.mark.scale]

USER_KEY = "{u:42}:goals:list"


def _cluster_client(rig: RedisClusterRig) -> RedisCluster:
    return RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", port) for port in rig.masters()], socket_timeout=2)


def _write_replicated(client: redis.Redis, key: str, value: str) -> None:
    """Write ``key`` and wait until a replica has it, so a failover cannot lose it."""
    client.set(key, value)
    assert client.execute_command("WAIT", 1, 5000) >= 1


def test_cluster_has_three_masters_each_with_a_replica_and_covers_every_slot(redis_cluster):
    nodes = {node.port: node for node in redis_cluster.cluster_nodes()}
    masters, replicas = redis_cluster.masters(), redis_cluster.replicas()

    assert len(masters) == 3 and len(replicas) == 3
    ids = {nodes[port].node_id for port in masters}
    assert sorted(nodes[port].master_id for port in replicas) == sorted(ids)  # one replica per master
    assert sum(last - first + 1 for port in masters for first, last in nodes[port].slots) == SLOTS
    assert redis_cluster.url.startswith("redis+cluster://127.0.0.1:")

    client = _cluster_client(redis_cluster)
    client.set(USER_KEY, "v1")
    assert client.get_node_from_key(USER_KEY).port == redis_cluster.master_of_key(USER_KEY)
    assert redis_cluster.master_of_key(USER_KEY) == redis_cluster.master_of_key("{u:42}:tasks:list")
    client.close()


def test_a_killed_cluster_master_is_replaced_by_its_replica_and_rejoins_as_one(redis_cluster):
    old = redis_cluster.master_of_key(USER_KEY)
    nodes = redis_cluster.cluster_nodes()
    old_id = next(node.node_id for node in nodes if node.port == old)
    its_replica = next(node.port for node in nodes if node.master_id == old_id)
    _write_replicated(redis.Redis(port=old), USER_KEY, "before the failover")

    redis_cluster.kill_master(old)
    new = redis_cluster.wait_for_failover(old, timeout=30)

    assert new == its_replica == redis_cluster.master_of_key(USER_KEY)
    assert len(redis_cluster.masters()) == 3
    client = _cluster_client(redis_cluster)
    assert client.get(USER_KEY) == b"before the failover"
    client.close()

    redis_cluster.restart(old)
    assert old in redis_cluster.replicas() and len(redis_cluster.replicas()) == 3


def test_sentinels_name_the_master_and_see_its_replica(redis_sentinel):
    master = redis_sentinel.master_port()

    assert redis.Redis(port=master).info("replication")["role"] == "master"
    assert len(redis_sentinel.live_ports()) == 2
    assert redis_sentinel.url.startswith("redis+sentinel://127.0.0.1:") and redis_sentinel.url.endswith("/aipal/0")
    assert redis_sentinel.master_of_key(USER_KEY) == master


def test_sentinels_promote_the_replica_of_a_killed_master(redis_sentinel):
    old = redis_sentinel.master_port()
    (replica,) = (port for port in redis_sentinel.live_ports() if port != old)
    _write_replicated(redis.Redis(port=old), USER_KEY, "before the failover")

    redis_sentinel.kill_master(old)
    new = redis_sentinel.wait_for_failover(old, timeout=30)

    assert new == replica == redis_sentinel.master_port()
    sentinel = Sentinel([("127.0.0.1", s.port) for s in redis_sentinel.sentinels], socket_timeout=2)
    master = sentinel.master_for("aipal", socket_timeout=2)
    assert master.get(USER_KEY) == b"before the failover"
    master.set(USER_KEY, "after the failover")  # the promoted replica takes writes
    master.close()


def test_a_topology_that_cannot_start_leaves_no_process_or_file(monkeypatch):
    real = topologies._binary
    monkeypatch.setattr(topologies, "_binary", lambda name: "/bin/false" if name == "redis-cli" else real(name))
    rig = RedisClusterRig()
    try:
        with pytest.raises(SetupError, match="cluster create failed"):
            rig.start()

        assert rig.nodes and all(node.process is None for node in rig.nodes.values())
        assert not rig.directory.exists()
        for port in rig.nodes:
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        rig.stop()  # when the assertions fail, the servers still go
