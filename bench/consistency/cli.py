"""``python -m bench.consistency``: set up the service, run the workload, print the figures."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from bench.consistency import analysis, appservers, replicas
from bench.consistency.failovers import Failovers
from bench.consistency.services import create_user, login_with_goal
from bench.consistency.workload import ARI, GOAL, TASKS, Chaos, Reader, Revoker, Shared, Writer
from bench.services import Database, Gunicorn, RedisProcess, SetupError, free_port, migrate, service_env
from bench.topologies import RedisClusterRig, SentinelRig

REDIS_TOPOLOGIES = ("single", "cluster", "sentinel")
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
KEY_PREFIX = "aipalcheck"
USERNAME = "consistency"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.consistency",
        description="Count stale reads of the cached API under concurrent writes (and Redis crashes).",
    )
    parser.add_argument("--seconds", type=float, default=60, help="length of the workload (default 60)")
    parser.add_argument(
        "--workers",
        type=int,
        help="gunicorn sync workers of each app server (default 3, or 2 with several; at least 3 in all)",
    )
    parser.add_argument("--allow-fewer", action="store_true", help="allow fewer than 3 workers in all")
    parser.add_argument(
        "--app-servers",
        type=int,
        default=1,
        help="gunicorns on one Redis and one PostgreSQL: writers on the first, readers on the others (default 1)",
    )
    parser.add_argument("--readers", type=int, default=6, help="reader threads (default 6)")
    parser.add_argument("--restarts", type=int, default=0, help="Redis kill -9 + restart cycles (default 0)")
    parser.add_argument("--pauses", type=int, default=0, help="Redis SIGSTOP/SIGCONT episodes (default 0)")
    parser.add_argument(
        "--redis",
        choices=REDIS_TOPOLOGIES,
        default="single",
        help="single: one private redis-server (default); cluster: 3 masters with a replica each; "
        "sentinel: a master and a replica watched by 3 sentinels",
    )
    parser.add_argument(
        "--failovers",
        type=int,
        default=0,
        help="kills of the master holding the user's keys, each until a replica took over (cluster, sentinel)",
    )
    parser.add_argument("--outage-seconds", type=float, default=2, help="how long Redis stays down (default 2)")
    parser.add_argument(
        "--write-interval", type=float, default=0.1, help="mean pause between one writer's writes (default 0.1 s)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        help="PostgreSQL server to create the run's database on (default: $DATABASE_URL or %(default)s)",
    )
    parser.add_argument("--atomic-requests", action="store_true", help="run the service with ATOMIC_REQUESTS on")
    parser.add_argument(
        "--replica-delay",
        type=float,
        default=0,
        help="seconds: a private PostgreSQL primary and a replica that lags this much, read by the service "
        "(DATABASE_REPLICA_URLS), instead of a database on --database-url (default 0: no replica)",
    )
    parser.add_argument(
        "--revoke-interval",
        type=float,
        default=1.0,
        help="mean pause between token revocations: log in, read, log out, read again (default 1 s; 0: none)",
    )
    parser.add_argument("--port", type=int, default=0, help="the first app server's port (default: a free one)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the log directory")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    args = parser.parse_args(argv)
    if args.app_servers < 1:
        parser.error("--app-servers must be positive")
    if args.workers is None:
        args.workers = 3 if args.app_servers == 1 else 2  # several servers share the machine's cores
    if args.workers * args.app_servers < 3 and not args.allow_fewer:
        parser.error("--workers must be at least 3 in all app servers (or pass --allow-fewer)")
    if args.workers < 1 or args.readers < 1 or args.seconds <= 0:
        parser.error("--workers, --readers and --seconds must be positive")
    if min(args.restarts, args.pauses) < 0 or args.outage_seconds < 0:
        parser.error("--restarts, --pauses and --outage-seconds cannot be negative")
    if args.failovers < 0 or (args.failovers and args.redis == "single"):
        parser.error("--failovers needs --redis cluster or sentinel, and cannot be negative")
    if args.redis != "single" and args.restarts + args.pauses:
        parser.error("--restarts and --pauses need --redis single (a topology fails over instead)")
    if (args.restarts + args.pauses) * args.outage_seconds >= args.seconds:
        parser.error("the Redis outages do not fit in --seconds")
    return args


def _service_env(database_url: str, redis_url: str, atomic: bool) -> dict[str, str]:
    return service_env(
        database_url=database_url,
        redis_url=redis_url,
        key_prefix=KEY_PREFIX,
        DJANGO_ATOMIC_REQUESTS="true" if atomic else "false",
        REDIS_SOCKET_TIMEOUT="0.5",
        CACHE_BREAKER_RESET_SECONDS="0.5",
        CACHE_BREAKER_MAX_RESET_SECONDS="2",
        CACHE_OUTBOX_POLL_SECONDS="0.2",
    )


def _redis_server(topology: str, workdir: Path) -> RedisProcess | RedisClusterRig | SentinelRig:
    """The run's Redis: a private server whose RDB snapshots a restart brings back, or a topology."""
    if topology == "cluster":
        return RedisClusterRig()
    if topology == "sentinel":
        return SentinelRig()
    return RedisProcess(free_port(), workdir)


def _workload(args: argparse.Namespace, shared: Shared, redis_server: Any) -> dict[str, Any]:
    writers = [Writer(shared, name, args.write_interval) for name in (GOAL, TASKS, ARI)]
    readers = [Reader(shared, offset) for offset in range(args.readers)]
    plan = []  # restarts and pauses alternate, evenly spaced over the run
    for index in range(max(args.restarts, args.pauses)):
        plan += ["restart"] * (index < args.restarts) + ["pause"] * (index < args.pauses)
    start = time.monotonic()
    chaos = Chaos(shared, redis_server, plan, start, args.seconds, args.outage_seconds)
    chaos.prefix = KEY_PREFIX
    failovers = Failovers(shared, redis_server, args.failovers, start, args.seconds)
    revoker = Revoker(shared, args.revoke_interval) if args.revoke_interval > 0 else None
    threads = [*writers, *readers, chaos, failovers, *([revoker] if revoker else [])]
    for thread in threads:
        thread.start()
    try:
        shared.stop.wait(args.seconds)
    finally:
        shared.stop.set()
        for thread in threads:
            thread.join(35)
    elapsed = time.monotonic() - start
    if chaos.failure:
        shared.error("chaos", chaos.failure)
    if failovers.failure:
        shared.error("failover", failovers.failure)
    returned = {writer.resource: writer.returned for writer in writers}
    reads = [read for reader in readers for read in reader.reads]
    reads_by_port: Counter = Counter()
    for reader in readers:
        reads_by_port[reader.port] += len(reader.reads)
    figures = analysis.analyse(
        reads,
        returned,
        start=start,
        elapsed=elapsed,
        episodes=chaos.episodes + failovers.episodes,
        errors=shared.errors,
        revocations=revoker.figures if revoker else None,
    )
    return figures | {"error_samples": shared.error_samples, "reads_by_port": dict(reads_by_port)}


def _service_log(paths: list[Path], limit: int = 60) -> tuple[dict[str, int], list[str]]:
    """Count the warnings, errors and tracebacks of the app servers' logs; return the last of them."""
    marks = {"warnings": (" WARNING ", "[WARNING]"), "errors": (" ERROR ", " CRITICAL ", "[ERROR]", "[CRITICAL]")}
    marks["tracebacks"] = ("Traceback (most recent call last)",)
    counts = dict.fromkeys(marks, 0)
    hits: list[str] = []
    lines = []
    for path in paths:
        try:
            lines += path.read_text(errors="replace").splitlines()
        except OSError:
            continue
    for line in lines:
        kinds = [kind for kind, found in marks.items() if any(mark in line for mark in found)]
        for kind in kinds:
            counts[kind] += 1
        if kinds:
            hits.append(line)
    return counts, hits[-limit:]


def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="aipal-consistency-"))
    name = f"aipal_consistency_{os.getpid()}"
    database = replicas.ReplicatedDatabase(name, args.replica_delay) if args.replica_delay > 0 else None
    database = database or Database(args.database_url, name)
    redis_server = _redis_server(args.redis, workdir)
    gunicorns: list[Gunicorn] = []
    figures: dict[str, Any] | None = None
    try:
        redis_server.start()
        database.create()
        env = _service_env(database.url, redis_server.url, args.atomic_requests)
        if isinstance(database, replicas.ReplicatedDatabase):
            env["DATABASE_REPLICA_URLS"] = database.replica_url
        migrate(env)
        password = secrets.token_urlsafe(16)
        user_id = create_user(env, USERNAME, password)
        gunicorns = appservers.create(args.app_servers, args.workers, env, workdir, args.port)
        appservers.start(gunicorns)
        token, goal_id = login_with_goal(gunicorns[0].port, USERNAME, password, user_id)
        shared = Shared(
            port=gunicorns[0].port, token=token, user_id=user_id, goal_id=goal_id, username=USERNAME, password=password
        )
        shared.read_ports = appservers.read_ports(gunicorns)
        bystander = None
        if isinstance(database, replicas.ReplicatedDatabase):
            bystander = replicas.start_bystander(env, gunicorns[0].port, password, args.replica_delay)
        figures = _workload(args, shared, redis_server)
        if bystander is not None:
            figures["replica"] = replicas.figures(database, bystander)
        figures["app_servers"] = appservers.describe(gunicorns, figures.pop("reads_by_port"), figures["writes"])
    except SetupError as exc:
        print(f"consistency check could not run: {exc}", file=sys.stderr)
        return 2
    finally:
        appservers.stop(gunicorns)
        redis_server.stop()
        log_counts, excerpt = _service_log([gunicorn.log for gunicorn in gunicorns])
        try:
            # A private primary and replica are always stopped (--keep or not).
            if not args.keep or isinstance(database, replicas.ReplicatedDatabase):
                database.drop()
        except Exception as exc:  # noqa: BLE001  (the figures still count)
            print(f"could not drop database {database.name}: {exc}", file=sys.stderr)
        if args.keep:
            print(f"kept database {database.name} and logs in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    setup = {"workers": args.workers, "readers": args.readers, "database": database.name}
    setup["app_servers"] = args.app_servers
    setup["redis"] = redis_server.url
    figures["service_log"] = log_counts
    print(analysis.render(figures, setup))
    if "replica" in figures:
        print(replicas.render(figures["replica"]))
    failed = figures["stale_reads"] > 0 or figures["errors"] > 0 or figures["revoked_tokens_accepted"] > 0
    failed = failed or replicas.failed(figures)
    if failed:
        for sample in figures["error_samples"]:
            print(f"  error sample  {sample}")
        if excerpt:
            print("  service log (warnings and errors, last lines):")
            print("\n".join(f"    {line}" for line in excerpt))
    print("RESULT: " + ("FAIL" if failed else "OK: no stale read, no error"))
    if args.json:
        extra = {"workers": args.workers, "readers": args.readers, "log_excerpt": excerpt if failed else []}
        print(json.dumps({**figures, **extra}))
    return 1 if failed else 0


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds through run()'s cleanup


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    try:
        return run(args)
    except KeyboardInterrupt:
        print("interrupted: gunicorn and Redis stopped, the run's database cleaned up", file=sys.stderr)
        return 130
