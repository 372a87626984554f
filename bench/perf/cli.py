"""``python -m bench.perf`` (``make bench``): the cached API against its baselines, in one go.

Starts a private PostgreSQL (pg_stat_statements loaded) and Redis, bulk-loads the data
set, starts one gunicorn per target (production settings and configuration, DEBUG
off), then runs every workload against every target in interleaved rounds and writes
the figures to ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis

from bench.perf import dataset, report
from bench.perf.probes import user_memory
from bench.perf.run import Measured, measure, warm
from bench.perf.targets import TARGETS, Target
from bench.services import (
    REPO,
    Gunicorn,
    PostgresCluster,
    RedisProcess,
    SetupError,
    free_port,
    migrate,
    process_tree,
    service_env,
)

DATABASE = "aipal_bench"
KEY_PREFIX = "bench"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.perf", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=1000, help="users (default 1000)")
    parser.add_argument("--snapshots", type=int, default=50, help="ARI snapshots per user (default 50)")
    parser.add_argument("--goals", type=int, default=20, help="goals per user (default 20)")
    parser.add_argument("--tasks", type=int, default=40, help="tasks per user (default 40)")
    parser.add_argument("--seconds", type=float, default=10, help="length of each measured run (default 10)")
    parser.add_argument(
        "--warmup", type=float, default=None, help="unmeasured seconds of each workload before its run (default: half)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers per target (default 3)")
    parser.add_argument(
        "--targets", default=",".join(t.name for t in TARGETS), help="comma-separated subset of the targets"
    )
    parser.add_argument("--output", default=str(REPO / "docs" / "benchmarks.md"), help="markdown report ('-': none)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, wrk output)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="after the measured rounds, one more of each run with py-spy sampling a worker (not in the figures)",
    )
    args = parser.parse_args(argv)
    known = {t.name for t in TARGETS}
    args.target_list = [t for t in TARGETS if t.name in set(args.targets.split(","))]
    if not args.target_list or set(args.targets.split(",")) - known:
        parser.error(f"--targets takes a subset of {', '.join(sorted(known))}")
    if min(args.users, args.goals, args.tasks, args.rounds, args.connections, args.workers) < 1 or args.seconds <= 0:
        parser.error("sizes, --rounds, --connections, --workers and --seconds must be positive")
    return args


def _machine() -> dict[str, str]:
    def version(*command: str) -> str:
        try:
            done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
            return done.stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    cpu = "?"
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        cpu = next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "postgres": version(PostgresCluster.binary("postgres"), "--version"),
        "redis": version("redis-server", "--version"),
        "wrk": version("wrk", "--version"),
    }


def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="aipal-bench-"))
    cluster = PostgresCluster(free_port())
    redis_server = RedisProcess(
        free_port(), workdir, snapshots=False, extra=("--maxmemory", "1gb", "--maxmemory-policy", "allkeys-lru")
    )
    servers: dict[str, Gunicorn] = {}
    results: list[Measured] = []
    profiles: list[Measured] = []
    memory: dict[str, dict[str, int]] = {}
    try:
        print(f"Starting PostgreSQL and Redis (work directory {workdir})", flush=True)
        cluster.start()
        with cluster.connect() as conn:
            conn.execute(f"CREATE DATABASE {DATABASE}")
        with cluster.connect(DATABASE) as conn:
            conn.execute("CREATE EXTENSION pg_stat_statements")
        redis_server.start()
        database_url = cluster.url(DATABASE)
        env = service_env(database_url=database_url, redis_url=redis_server.url, key_prefix=KEY_PREFIX)
        migrate(env)
        migrate({**env, "DJANGO_SETTINGS_MODULE": "bench.baselines.settings"})
        sizes = dataset.Sizes(args.users, args.snapshots, args.goals, args.tasks)
        print(f"Loading {sizes.users} users x {sizes.snapshots} snapshots, {sizes.goals} goals, {sizes.tasks} tasks")
        started = time.monotonic()
        users = dataset.load(
            database_url,
            sizes,
            password_hash="!" + secrets.token_hex(20),  # unusable: the users authenticate with their tokens
            token_ttl=timedelta(hours=24),
        )
        data_file = workdir / "users.txt"
        dataset.write_users_file(users, data_file)
        print(f"  loaded in {time.monotonic() - started:.1f}s")
        for target in args.target_list:
            server = Gunicorn(
                free_port(),
                args.workers,
                {**env, **target.env},
                workdir,
                app=target.app,
                name=target.name,
                production_config=True,
            )
            server.start()
            servers[target.name] = server
            print(f"  {target.name:<18} on port {server.port}: {target.about}")
        session = _Session(
            args=args,
            users=users,
            data_file=data_file,
            workdir=workdir,
            client=redis_server.client(),
            database_url=database_url,
            server_pids={"redis": redis_server.process.pid, "postgres": cluster.pid()},
            memory=memory,
        )
        # Round 0 (with --profile): py-spy samples one worker; its figures are not reported.
        rounds = [*range(1, args.rounds + 1), *([0] if args.profile else [])]
        targets = args.target_list
        for round_ in rounds:
            k = (round_ - 1) % len(targets)  # round r starts with target (r - 1) mod n; round 0, the last
            for target in targets[k:] + targets[:k]:
                for workload in target.workloads:
                    result = _measure_one(session, target, workload, round_, servers[target.name])
                    (profiles if round_ == 0 else results).append(result)
                    print(report.line(result), flush=True)
        machine = _machine()
    except SetupError as exc:
        print(f"benchmark could not run: {exc}", file=sys.stderr)
        return 2
    finally:
        for server in servers.values():
            server.stop()
        redis_server.stop()
        cluster.stop()
        if args.keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    text = report.render(results, memory, args, machine, datetime.now(UTC), profiles)
    print(text)
    if args.output != "-":
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text)
        print(f"written to {args.output}")
    return 0


@dataclass(frozen=True)
class _Session:
    """What every measured run of a benchmark shares."""

    args: argparse.Namespace
    users: list[dataset.BenchUser]
    data_file: Path
    workdir: Path
    client: redis.Redis
    database_url: str
    server_pids: dict[str, int]  # the Redis server's and the postmaster's
    memory: dict[str, dict[str, int]]  # Redis memory of users, filled in round 1


def _measure_one(session: _Session, target: Target, workload: str, round_: int, server: Gunicorn) -> Measured:
    args, users, client, memory = session.args, session.users, session.client, session.memory
    if workload == "hit" and target.cached:
        warmed = warm(server.port, users, target.token)
        print(f"  warmed {target.name}: {warmed}", flush=True)
        if target.name == "cache-on" and round_ == 1:
            memory["after warming (one user's nine hit-only entries)"] = user_memory(
                client, users[0].id, prefix=KEY_PREFIX
            )
    result = measure(
        target=target.name,
        workload=workload,
        round_=round_,
        port=server.port,
        token=target.token,
        seconds=args.seconds,
        warmup=args.seconds / 2 if args.warmup is None else args.warmup,
        connections=args.connections,
        data_file=session.data_file,
        workdir=session.workdir,
        redis_client=client,
        database_url=session.database_url,
        cpu_trees={
            "app": lambda: process_tree(server.process.pid),
            "redis": lambda: process_tree(session.server_pids["redis"]),
            "postgres": lambda: process_tree(session.server_pids["postgres"]),
        },
        profile_pid=(server.worker_pids() or [None])[0] if round_ == 0 else None,
    )
    if target.name == "cache-on" and workload == "mix" and round_ == 1:
        ranked = sorted(result.users.items(), key=lambda item: -item[1])
        memory[f"after the mix, the busiest user ({ranked[0][1]} requests)"] = user_memory(
            client, int(ranked[0][0]), prefix=KEY_PREFIX
        )
        median = ranked[len(ranked) // 2]
        memory[f"after the mix, the median active user ({median[1]} requests)"] = user_memory(
            client, int(median[0]), prefix=KEY_PREFIX
        )
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        return run(args)
    except KeyboardInterrupt:
        print("interrupted: servers stopped", file=sys.stderr)
        return 130
