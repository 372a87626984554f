"""The Redis failovers of a consistency run on a Redis Cluster or behind Sentinel.

At evenly spaced times the master that holds the run's user's keys is killed (SIGKILL):
in a cluster the master of the slot of the user's hash tag ``{u:<id>}``, behind Sentinel
the master. The episode lasts until Redis has promoted a replica (and, in a cluster,
every node says the cluster is ok again); then the killed server is started again and
rejoins as a replica, so a later failover has a replica to promote.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol

from bench.consistency.workload import Episode, Shared

FAILOVER_TIMEOUT = 30.0


class Topology(Protocol):
    """What the run needs of ``bench.topologies.RedisClusterRig`` or ``SentinelRig``."""

    url: str

    def master_of_key(self, key: str) -> int: ...
    def kill_master(self, port: int) -> object: ...
    def wait_for_failover(self, old_port: int, timeout: float = ...) -> int: ...
    def restart(self, port: int, timeout: float = ...) -> None: ...


class Failovers(threading.Thread):
    """Kill the user's master ``count`` times, evenly spaced over the run."""

    def __init__(self, shared: Shared, topology: Topology, count: int, start: float, seconds: float) -> None:
        super().__init__(name="failovers", daemon=True)
        self.shared = shared
        self.topology = topology
        self.count = count
        self.start_at = start
        self.seconds = seconds
        self.episodes: list[Episode] = []
        self.failure: str | None = None

    def run(self) -> None:
        key = f"{{u:{self.shared.user_id}}}"
        for index in range(self.count):
            at = self.start_at + self.seconds * (index + 1) / (self.count + 1)
            if self.shared.stop.wait(max(0.0, at - time.monotonic())):
                return
            try:
                old = self.topology.master_of_key(key)
                started = time.monotonic()
                self.topology.kill_master(old)
                self.topology.wait_for_failover(old, FAILOVER_TIMEOUT)
                self.episodes.append(Episode("failover", started, time.monotonic()))
                if index + 1 < self.count:  # the next failover needs a replica to promote
                    self.topology.restart(old)
            except Exception as exc:  # noqa: BLE001  (reported by the run, which then fails)
                self.failure = f"failover: {exc}"
                return
