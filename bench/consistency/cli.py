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
from pathlib import Path
from typing import Any

from bench.client import Api
from bench.consistency import analysis
from bench.consistency.services import create_user
from bench.consistency.workload import ARI, GOAL, TASKS, Chaos, Reader, Revoker, Shared, Writer
from bench.services import Database, Gunicorn, RedisProcess, SetupError, free_port, migrate, service_env

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
KEY_PREFIX = "aipalcheck"
USERNAME = "consistency"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.consistency",
        description="Count stale reads of the cached API under concurrent writes (and Redis crashes).",
    )
    parser.add_argument("--seconds", type=float, default=60, help="length of the workload (default 60)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (default 3, at least 3)")
    parser.add_argument("--allow-fewer", action="store_true", help="allow fewer than 3 workers")
    parser.add_argument("--readers", type=int, default=6, help="reader threads (default 6)")
    parser.add_argument("--restarts", type=int, default=0, help="Redis kill -9 + restart cycles (default 0)")
    parser.add_argument("--pauses", type=int, default=0, help="Redis SIGSTOP/SIGCONT episodes (default 0)")
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
        "--revoke-interval",
        type=float,
        default=1.0,
        help="mean pause between token revocations: log in, read, log out, read again (default 1 s; 0: none)",
    )
    parser.add_argument("--port", type=int, default=0, help="gunicorn port (default: a free one)")
    parser.add_argument("--keep", action="store_true", help="keep the database and the log directory")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    args = parser.parse_args(argv)
    if args.workers < 3 and not args.allow_fewer:
        parser.error("--workers must be at least 3 (or pass --allow-fewer)")
    if args.workers < 1 or args.readers < 1 or args.seconds <= 0:
        parser.error("--workers, --readers and --seconds must be positive")
    if min(args.restarts, args.pauses) < 0 or args.outage_seconds < 0:
        parser.error("--restarts, --pauses and --outage-seconds cannot be negative")
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


def _login(port: int, password: str, user_id: int) -> tuple[str, int]:
    """Get a token through the API and create the goal the run writes."""
    api = Api(port)
    reply = api.request("POST", "/api/auth/token", {"username": USERNAME, "password": password})
    if reply.status != 200:
        raise SetupError(f"POST /api/auth/token answered {reply.status}: {reply.body[:300]!r}")
    api.token = reply.json()["token"]
    reply = api.request("POST", f"/api/users/{user_id}/goals", {"description": "v0"})
    if reply.status != 201:
        raise SetupError(f"POST goals answered {reply.status}: {reply.body[:300]!r}")
    api.close()
    return api.token, int(reply.json()["id"])


def _workload(args: argparse.Namespace, shared: Shared, redis_server: RedisProcess) -> dict[str, Any]:
    writers = [Writer(shared, name, args.write_interval) for name in (GOAL, TASKS, ARI)]
    readers = [Reader(shared, offset) for offset in range(args.readers)]
    plan = []  # restarts and pauses alternate, evenly spaced over the run
    for index in range(max(args.restarts, args.pauses)):
        plan += ["restart"] * (index < args.restarts) + ["pause"] * (index < args.pauses)
    start = time.monotonic()
    chaos = Chaos(shared, redis_server, plan, start, args.seconds, args.outage_seconds)
    chaos.prefix = KEY_PREFIX
    revoker = Revoker(shared, args.revoke_interval) if args.revoke_interval > 0 else None
    threads = [*writers, *readers, chaos, *([revoker] if revoker else [])]
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
    returned = {writer.resource: writer.returned for writer in writers}
    reads = [read for reader in readers for read in reader.reads]
    figures = analysis.analyse(
        reads,
        returned,
        start=start,
        elapsed=elapsed,
        episodes=chaos.episodes,
        errors=shared.errors,
        revocations=revoker.figures if revoker else None,
    )
    return figures | {"error_samples": shared.error_samples}


def _service_log(path: Path | None, limit: int = 60) -> tuple[dict[str, int], list[str]]:
    """Count the warnings, errors and tracebacks of the service's log; return the last of them."""
    marks = {"warnings": (" WARNING ", "[WARNING]"), "errors": (" ERROR ", " CRITICAL ", "[ERROR]", "[CRITICAL]")}
    marks["tracebacks"] = ("Traceback (most recent call last)",)
    counts = dict.fromkeys(marks, 0)
    hits: list[str] = []
    try:
        lines = path.read_text(errors="replace").splitlines() if path is not None else []
    except OSError:
        lines = []
    for line in lines:
        kinds = [kind for kind, found in marks.items() if any(mark in line for mark in found)]
        for kind in kinds:
            counts[kind] += 1
        if kinds:
            hits.append(line)
    return counts, hits[-limit:]


def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="aipal-consistency-"))
    database = Database(args.database_url, f"aipal_consistency_{os.getpid()}")
    redis_server = RedisProcess(free_port(), workdir)
    gunicorn: Gunicorn | None = None
    figures: dict[str, Any] | None = None
    try:
        redis_server.start()
        database.create()
        env = _service_env(database.url, redis_server.url, args.atomic_requests)
        migrate(env)
        password = secrets.token_urlsafe(16)
        user_id = create_user(env, USERNAME, password)
        gunicorn = Gunicorn(args.port or free_port(), args.workers, env, workdir)
        gunicorn.start()
        token, goal_id = _login(gunicorn.port, password, user_id)
        shared = Shared(
            port=gunicorn.port, token=token, user_id=user_id, goal_id=goal_id, username=USERNAME, password=password
        )
        figures = _workload(args, shared, redis_server)
    except SetupError as exc:
        print(f"consistency check could not run: {exc}", file=sys.stderr)
        return 2
    finally:
        if gunicorn is not None:
            gunicorn.stop()
        redis_server.stop()
        log_counts, excerpt = _service_log(gunicorn.log if gunicorn is not None else None)
        try:
            if not args.keep:
                database.drop()
        except Exception as exc:  # noqa: BLE001  (the figures still count)
            print(f"could not drop database {database.name}: {exc}", file=sys.stderr)
        if args.keep:
            print(f"kept database {database.name} and logs in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    setup = {"workers": args.workers, "readers": args.readers, "database": database.name}
    setup["redis_port"] = redis_server.port
    figures["service_log"] = log_counts
    print(analysis.render(figures, setup))
    failed = figures["stale_reads"] > 0 or figures["errors"] > 0 or figures["revoked_tokens_accepted"] > 0
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
