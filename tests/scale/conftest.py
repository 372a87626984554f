"""Redis topologies for scale tests: a 3-master Redis Cluster with a replica each, and a
master with a replica watched by three sentinels.

Each is started once per test module on free ports of its own and always stopped. A test
that kills a master leaves the topology as it found it: it waits for the failover and,
in a cluster, starts the killed node again as a replica.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.services import SetupError
from bench.topologies import RedisClusterRig, SentinelRig


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the topologies' own tests first: when one cannot start, that failure comes
    before those of the tests that use it."""
    items.sort(key=lambda item: item.path.name != "test_topologies.py")


def _started(rig: RedisClusterRig | SentinelRig) -> RedisClusterRig | SentinelRig:
    try:
        rig.start()  # stops whatever it started when it fails
    except SetupError as exc:
        pytest.fail(f"{type(rig).__name__} did not start: {exc}")
    return rig


@pytest.fixture(scope="module")
def redis_cluster() -> Iterator[RedisClusterRig]:
    """A Redis Cluster of 3 masters with a replica each; ``.url`` is its ``redis+cluster://`` URL."""
    rig = RedisClusterRig()
    try:
        yield _started(rig)
    finally:
        rig.stop()


@pytest.fixture(scope="module")
def redis_sentinel() -> Iterator[SentinelRig]:
    """A master and a replica behind 3 sentinels; ``.url`` is its ``redis+sentinel://`` URL."""
    rig = SentinelRig()
    try:
        yield _started(rig)
    finally:
        rig.stop()
