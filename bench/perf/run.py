"""One measured run: the workload against one target with wrk, and what it cost the servers."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from bench.client import Api
from bench.perf.dataset import BenchUser
from bench.perf.probes import PostgresCounters, RedisCounters
from bench.perf.profile import Profiler
from bench.services import SetupError, cpu_seconds

__all__ = ["HIT_PATHS", "Measured", "measure", "warm"]

SCRIPT = Path(__file__).resolve().parent / "workload.lua"
# The URLs of a user that the hit-only workload reads (the wrk script's "hit" mode). Keep in
# step with workload.lua's GETS and path_of (first goal and task): they must list the same URLs.
HIT_PATHS = (
    "",
    "/ari",
    "/ari/history",
    "/predictions",
    "/dashboard",
    "/goals",
    "/goals/{goal}",
    "/tasks",
    "/tasks/{task}",
)


@dataclass
class Measured:
    target: str
    workload: str
    round: int
    seconds: float
    requests: int
    errors: int
    endpoints: dict[str, dict[str, Any]]
    latency: dict[str, float]
    redis: dict[str, Any]
    sql: dict[str, int]
    users: dict[str, int] = field(default_factory=dict)
    profile: list[tuple[str, float]] | None = None
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by server during the run

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def _percentiles(buckets: dict[str, int], *points: float) -> dict[str, float]:
    """Latency percentiles in ms from 10 us buckets."""
    total = sum(buckets.values())
    ordered = sorted((int(k), v) for k, v in buckets.items())
    out, running, index = {}, 0, 0
    for point in sorted(points):
        target = point / 100 * total
        while index < len(ordered) and running + ordered[index][1] < target:
            running += ordered[index][1]
            index += 1
        out[f"p{point:g}"] = ordered[min(index, len(ordered) - 1)][0] * 10 / 1000 if ordered else 0.0
    return out


def measure(
    *,
    target: str,
    workload: str,
    round_: int,
    port: int,
    token: str,
    seconds: float,
    warmup: float,
    connections: int,
    data_file: Path,
    workdir: Path,
    redis_client: redis.Redis,
    database_url: str,
    cpu_trees: dict[str, Callable[[], list[int]]],
    profile_pid: int | None = None,
) -> Measured:
    """Run the workload for ``warmup`` seconds unmeasured, then for ``seconds`` with wrk,
    reading the servers' counters around the measured run."""
    if shutil.which("wrk") is None:
        raise SetupError("wrk is not installed (apt-get install wrk)")
    out = workdir / f"{target}-{workload}-{round_}.json"
    env = {
        **os.environ,
        "BENCH_DATA": str(data_file),
        "BENCH_MODE": workload,
        "BENCH_TOKEN": token,
        "BENCH_OUT": str(out),
    }

    def wrk(duration: float) -> subprocess.CompletedProcess:
        args = [
            "wrk",
            f"-t{connections}",
            f"-c{connections}",
            f"-d{duration:g}s",
            "--timeout",
            "10s",
            "-s",
            str(SCRIPT),
        ]
        return subprocess.run([*args, f"http://127.0.0.1:{port}"], env=env, capture_output=True, text=True)  # noqa: S603

    if warmup > 0:
        wrk(warmup)
        out.unlink(missing_ok=True)  # the warm-up wrote it too: the measured run must write its own
    redis_before, sql_before = RedisCounters.read(redis_client), PostgresCounters.read(database_url)
    profiler = Profiler(profile_pid, seconds, workdir / f"{target}-{workload}-{round_}.spy") if profile_pid else None
    cpu_before = {name: cpu_seconds(pids()) for name, pids in cpu_trees.items()}
    done = wrk(seconds)
    cpu = {}
    for name, pids in cpu_trees.items():  # processes started during the run count from zero
        after = cpu_seconds(pids())
        cpu[name] = sum(used - cpu_before[name].get(pid, 0.0) for pid, used in after.items())
    profile = profiler.wait() if profiler else None
    redis_after, sql_after = RedisCounters.read(redis_client), PostgresCounters.read(database_url)
    if done.returncode != 0 or not out.exists():
        raise SetupError(f"wrk failed ({done.returncode}): {done.stdout[-1000:]} {done.stderr[-2000:]}")
    raw = json.loads(out.read_text())
    summary = raw["summary"]
    elapsed = summary["duration_us"] / 1e6
    endpoints: dict[str, dict[str, Any]] = {}
    all_buckets: dict[str, int] = {}
    for name, ep in raw["endpoints"].items():
        for bucket, count in ep["latency"].items():
            all_buckets[bucket] = all_buckets.get(bucket, 0) + count
        served = sum(ep["cache"].get(k, 0) for k in ("HIT", "MISS", "BYPASS"))
        errors = sum(v for k, v in ep["statuses"].items() if not k.startswith(("2", "3")))
        endpoints[name] = {
            "requests": ep["count"],
            "rps": ep["count"] / elapsed,
            "errors": errors,
            "hit_rate": ep["cache"].get("HIT", 0) / served if served else None,
            "cache": ep["cache"],
            **_percentiles(ep["latency"], 50, 99),
        }
    socket_errors = sum(summary[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return Measured(
        target=target,
        workload=workload,
        round=round_,
        seconds=elapsed,
        requests=summary["requests"],
        errors=socket_errors + sum(ep["errors"] for ep in endpoints.values()),
        endpoints=endpoints,
        latency=_percentiles(all_buckets, 50, 99),
        redis=redis_after.since(redis_before),
        sql=sql_after.since(sql_before),
        users=raw.get("users", {}),
        profile=profile,
        cpu=cpu,
    )


def _get(port: int, path: str, token: str) -> str:
    api = Api(port, token)
    try:
        reply = api.request("GET", path)
    finally:
        api.close()
    if reply.status != 200:
        raise SetupError(f"warming GET {path} answered {reply.status}")
    return reply.x_cache or "none"


def warm(port: int, users: list[BenchUser], token: str, threads: int = 12) -> dict[str, int]:
    """GET every user's hit-only URLs once, so the hit-only run finds them cached."""
    jobs = [
        (f"/api/users/{u.id}" + p.format(goal=u.goal_ids[0], task=u.task_ids[0]), getattr(u, f"{token}_token"))
        for u in users
        for p in HIT_PATHS
    ]
    started = time.monotonic()
    with ThreadPoolExecutor(threads) as pool:
        answers = list(pool.map(lambda job: _get(port, *job), jobs))
    counts = {kind: answers.count(kind) for kind in set(answers)}
    return counts | {"seconds": round(time.monotonic() - started, 1)}
