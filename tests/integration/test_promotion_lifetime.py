"""With replicas, a server's lifetime changes at every promotion, not only at a restart.

A master cut off by a partition keeps its process and run_id, rejoins as a replica of
the new master (copying its keys, still named by the old lifetime), and may be promoted
again: the replication ID it then gets must rename its lifetime, or the copied entries
and generations, possibly missing an invalidation, would be read again.
"""

from __future__ import annotations

import time

import pytest
import redis

from aipal.cache import epoch
from tests.conftest import free_port
from tests.integration.conftest import RedisServer

pytestmark = pytest.mark.integration


def _lifetime_on_connect(port: int, connect) -> str:  # type: ignore[no-untyped-def]
    epoch.forget()
    redis.Redis(host="127.0.0.1", port=port, redis_connect_func=connect).ping()
    found = epoch.current(f"127.0.0.1:{port}")
    assert found is not None
    return found


def _wait_linked(replica: redis.Redis) -> None:
    deadline = time.monotonic() + 10
    while replica.info("replication").get("master_link_status") != "up":
        assert time.monotonic() < deadline, "the replica never linked to its master"
        time.sleep(0.05)


def test_a_promotion_renames_a_replicated_servers_lifetime_though_its_run_id_stays():
    fast_sync = ("--repl-diskless-sync-delay", "0")
    old_master, new_master = RedisServer(free_port(), *fast_sync), RedisServer(free_port(), *fast_sync)
    old_master.start()
    new_master.start()
    try:
        node = redis.Redis(port=old_master.port)
        run_id = node.info("server")["run_id"]
        before = _lifetime_on_connect(old_master.port, epoch.on_connect_replicated)

        node.replicaof("127.0.0.1", new_master.port)  # rejoins as the new master's replica
        _wait_linked(node)
        node.replicaof("NO", "ONE")  # and is promoted again

        assert node.info("server")["run_id"] == run_id  # the same process
        after = _lifetime_on_connect(old_master.port, epoch.on_connect_replicated)
        assert after != before
        # A single server keeps its run_id alone: its keys keep their names across releases.
        assert _lifetime_on_connect(old_master.port, epoch.on_connect) == run_id[:12]
    finally:
        epoch.forget()
        old_master.remove()
        new_master.remove()
