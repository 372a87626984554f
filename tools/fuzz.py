"""Fuzz the API against its own OpenAPI document: ``make fuzz``.

A client generated from ``/api/schema/`` must find no difference between document and
server (API.md "System"). This starts the app under gunicorn as it is deployed (DEBUG
off) on a free local port, with a private SQLite database in a temporary directory and
throttles off, creates a staff user and a token, runs ``schemathesis run`` with all its
checks (its default; ``tools/schemathesis.toml`` turns one off where the server checks
what JSON Schema cannot describe, and says why) against ``/api/schema/`` for a time
budget, then stops the server, shows any error it logged, removes the app's keys from
Redis (a prefix of this run's own) and exits with schemathesis' code: 0 when it found
no failure.

Redis is ``REDIS_URL`` when set, else a local Redis, else the in-process fakeredis (then
one worker, which owns it). ``POST /api/auth/logout/`` is left out: it would revoke the
one token every other request uses.

``python -m tools.fuzz --seconds 60 -- <more schemathesis options>``
"""

from __future__ import annotations

import argparse
import os
import secrets
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

__all__ = ["fuzz_environment", "main", "schemathesis_command"]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
READY_SECONDS = 30
# Operations not fuzzed, as schemathesis' --exclude-path-regex (see the docstring).
EXCLUDED_PATHS = r"/api/auth/logout"
# Which checks are off where, and why (input the document cannot describe).
CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"

_USER_SETUP = """
from django.contrib.auth import get_user_model
from aipal.accounts.tokens import issue
user = get_user_model().objects.create_user("fuzz", password=None, is_staff=True)
print(issue(user)[0])
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fuzz_environment(*, workdir: Path, base: dict[str, str]) -> dict[str, str]:
    """Return the server's environment: production-like, private database, no throttles."""
    env = dict(base)
    env.update(
        DJANGO_SETTINGS_MODULE="aipal.settings.local",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=f"sqlite:///{workdir / 'fuzz.sqlite3'}",
        CACHE_KEY_PREFIX=f"aipal-fuzz-{os.getpid()}",
        CACHE_LOG_LEVEL="WARNING",
        THROTTLE_USER="off",
        THROTTLE_ANON="off",
        THROTTLE_LOGIN="off",
        PROMETHEUS_MULTIPROC_DIR=str(workdir / "metrics"),
    )
    return env


def _workers(env: dict[str, str]) -> int:
    """Two workers on a real Redis; one where the fakeredis lives in the worker itself."""
    from aipal.settings.redis_target import resolve_redis_target

    return 1 if resolve_redis_target(env.get("REDIS_URL", "")).embedded else 2


def schemathesis_command(*, base_url: str, token: str, seconds: int, extra: Sequence[str]) -> list[str]:
    """Return the ``schemathesis run`` command line for a server at ``base_url``."""
    return [
        str(BIN / "schemathesis"),
        "--config-file",
        str(CONFIG),
        "run",
        f"{base_url}/api/schema/",
        "--header",
        f"Authorization: Token {token}",
        "--max-time",
        str(seconds),
        "--exclude-path-regex",
        EXCLUDED_PATHS,
        *extra,
    ]


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 (manage.py of this project, fixed arguments)
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


def _wait_ready(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"fuzz: gunicorn exited with code {server.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (a local http URL of our own)
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    raise SystemExit(f"fuzz: {url} did not answer within {READY_SECONDS}s")


def _report_server_errors(log: Path) -> None:
    """Show the server's ERROR records and tracebacks (404 and 400 warnings are the fuzzer's doing)."""
    lines = log.read_text(errors="replace").splitlines()
    errors = [line for line in lines if " ERROR " in line or line.startswith(("Traceback", "  File"))]
    sys.stderr.write(f"fuzz: the server logged {len(errors)} error lines\n")
    for line in errors[:50]:
        sys.stderr.write(f"  {line}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Serve, fuzz, stop; return schemathesis' exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("FUZZ_SECONDS") or 60))
    parser.add_argument("extra", nargs="*", help="more schemathesis options, after --")
    args = parser.parse_args(argv)
    extra = [*shlex.split(os.environ.get("FUZZ_ARGS", "")), *args.extra]

    with tempfile.TemporaryDirectory(prefix="aipal-fuzz-") as tmp:
        workdir = Path(tmp)
        (workdir / "metrics").mkdir()
        env = fuzz_environment(workdir=workdir, base=dict(os.environ))
        _manage(env, "migrate", "--noinput")
        token = _manage(env, "shell", "--no-imports", "-c", _USER_SETUP).strip().splitlines()[-1]
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        workers = _workers(env)
        sys.stderr.write(f"fuzz: serving on {base_url} ({workers} gunicorn workers), fuzzing for {args.seconds}s\n")
        server_log = (workdir / "server.log").open("wb")
        server = subprocess.Popen(  # noqa: S603 (our own gunicorn, fixed arguments)
            [
                str(BIN / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "/dev/null",
            ],
            cwd=ROOT,
            env=env,
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_ready(f"{base_url}/api/health", server)
            command = schemathesis_command(base_url=base_url, token=token, seconds=args.seconds, extra=extra)
            return subprocess.run(command, cwd=workdir, env=env, check=False).returncode  # noqa: S603
        finally:
            server.terminate()
            server.wait(timeout=30)
            server_log.close()
            _report_server_errors(workdir / "server.log")
            _manage(env, "cache_flush", "--all")


if __name__ == "__main__":
    sys.exit(main())
