"""The checker's failovers kill the master of the run's user, and their cost is counted
from the readers' X-Cache answers (no Redis needed: a topology stand-in records calls)."""

from __future__ import annotations

import time
from collections import Counter

from bench.consistency import analysis
from bench.consistency.failovers import Failovers
from bench.consistency.workload import Episode, Read, Shared


class RecordingTopology:
    """Masters by hash tag; remembers what was killed and waited for."""

    url = "redis+cluster://127.0.0.1:1"

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def master_of_key(self, key: str) -> int:
        return {"{u:7}": 7001}.get(key, 7002)

    def kill_master(self, port: int) -> None:
        self.calls.append(("kill", port))

    def wait_for_failover(self, old_port: int, timeout: float = 30) -> int:
        self.calls.append(("wait", old_port))
        return 7004

    def restart(self, port: int, timeout: float = 30) -> None:
        self.calls.append(("restart", port))


def test_each_failover_kills_the_users_master_and_waits_for_its_replica():
    topology = RecordingTopology()
    shared = Shared(port=1, token="t", user_id=7, goal_id=1)  # noqa: S106  (not a secret)
    failovers = Failovers(shared, topology, count=2, start=time.monotonic(), seconds=0.03)

    failovers.run()

    assert failovers.failure is None
    assert topology.calls == [("kill", 7001), ("wait", 7001), ("restart", 7001), ("kill", 7001), ("wait", 7001)]
    assert [episode.kind for episode in failovers.episodes] == ["failover", "failover"]


def test_a_failover_costs_the_bypass_answers_during_it_and_just_after():
    episode = Episode("failover", started=10.0, ended=12.0)
    reads = [
        Read("goal", at, 1, x_cache, 200)
        for at, x_cache in [(9.9, "BYPASS"), (10.5, "BYPASS"), (11.0, "HIT"), (12.0, "BYPASS"), (13.0, "BYPASS")]
    ] + [Read("goal", 17.5, 1, "BYPASS", 200)]

    figures = analysis.analyse(
        reads,
        {"goal": [(1, 0.0)], "task_list": [], "ari_latest": []},
        start=0.0,
        elapsed=20.0,
        episodes=[episode],
        errors=Counter(),
    )

    assert figures["failovers"] == 1
    assert figures["episodes"][0]["bypass"] == 2  # 10.5 and 12.0
    assert figures["episodes"][0]["bypass_after"] == 1  # 13.0; 17.5 is past the tail
    assert "failover at 10.0 s" in analysis.render(figures, {"workers": 3, "readers": 6, "database": "d", "redis": "r"})
