"""The processes a benchmark or checker owns: Redis, PostgreSQL (a database on a
server, or a private cluster), gunicorn. Each is started by the run and always stopped
by it.
"""

from __future__ import annotations

import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
MAINTENANCE_DB = "postgres"
_SHM = "/dev/shm"  # noqa: S108  (gunicorn's worker heartbeat files, on tmpfs)


# Variables of a developer's shell that would change what a run measures.
_DROPPED_ENV = ("DJANGO_SETTINGS_MODULE", "CACHE_ENABLED", "CACHE_TTL_SECONDS", "AIPAL_TEST_BACKENDS")


def service_env(*, database_url: str, redis_url: str, key_prefix: str, **settings: str) -> dict[str, str]:
    """The environment of a server the run starts: production settings, DEBUG off, a fresh
    secret key, its own key prefix, throttles off (they would measure themselves)."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update(
        DJANGO_SETTINGS_MODULE="aipal.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CACHE_KEY_PREFIX=key_prefix,
        THROTTLE_USER="off",
        THROTTLE_ANON="off",
        PYTHONUNBUFFERED="1",
        **settings,
    )
    return env


class SetupError(RuntimeError):
    """A service of the run could not be started or prepared."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _kill_group(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Signal the process group of a child started with ``start_new_session``."""
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


class RedisProcess:
    """A private ``redis-server`` that can crash and restart; with ``snapshots`` it saves an
    RDB file every second, so a restart brings back old keys."""

    def __init__(self, port: int, directory: Path, *, snapshots: bool = True, extra: tuple[str, ...] = ()) -> None:
        self.port = port
        self.directory = directory
        self.snapshots = snapshots
        self.extra = extra
        self.log = directory / "redis.log"
        self.process: subprocess.Popen | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=1, socket_connect_timeout=0.5)

    def start(self, timeout: float = 15) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SetupError("redis-server is not installed")
        save = "1 1" if self.snapshots else ""
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", save, "--appendonly", "no"]
        args += ["--dir", str(self.directory), "--dbfilename", "dump.rdb", *self.extra]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.paused = False
        deadline = time.monotonic() + timeout
        probe = self.client()
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"redis-server exited with {self.process.returncode}:\n{tail(self.log)}")
            try:
                probe.ping()
                return
            except redis.RedisError:
                time.sleep(0.05)
        raise SetupError(f"redis-server on port {self.port} did not answer within {timeout:.0f}s")

    def crash(self) -> None:
        """SIGKILL the server (and a snapshot child, if any): no final save."""
        if self.process is not None:
            if self.process.poll() is None:  # unreaped: its group id is still this run's
                _kill_group(self.process)
            self.process.wait(10)
            self.process = None

    def pause(self) -> None:
        if self.process is not None:
            os.kill(self.process.pid, signal.SIGSTOP)
            self.paused = True

    def resume(self) -> None:
        if self.process is not None and self.paused:
            os.kill(self.process.pid, signal.SIGCONT)
            self.paused = False

    def run_id(self) -> str:
        """Return the server's run_id as the app's keys carry it (first 12 characters)."""
        return str(self.client().info("server")["run_id"])[:12]

    def app_keys(self, pattern: str) -> int:
        """Count the keys matching ``pattern`` (SCAN)."""
        return sum(1 for _ in self.client().scan_iter(match=pattern, count=1000))

    def stop(self) -> None:
        self.resume()
        self.crash()


def _with_path(url: str, database: str, scheme: str | None = None) -> str:
    parts = urlsplit(url)
    return urlunsplit((scheme or parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


class Database:
    """A database of the run's own on the PostgreSQL server of ``server_url``."""

    def __init__(self, server_url: str, name: str) -> None:
        if urlsplit(server_url).scheme not in {"postgres", "postgresql", "pgsql", "psql"}:
            raise SetupError(f"--database-url must be a PostgreSQL URL, got {server_url!r}")
        self.server_url = server_url
        self.name = name
        self.created = False

    @property
    def url(self) -> str:
        return _with_path(self.server_url, self.name)

    def _admin(self) -> psycopg.Connection:
        """Connect to the maintenance database (or, failing that, the URL's own)."""
        own = urlsplit(self.server_url).path.lstrip("/")
        errors = []
        for database in dict.fromkeys([MAINTENANCE_DB, own or MAINTENANCE_DB]):
            try:
                conninfo = _with_path(self.server_url, database, scheme="postgresql")
                return psycopg.connect(conninfo, autocommit=True, connect_timeout=5)
            except psycopg.Error as exc:
                errors.append(f"{database}: {exc}")
        raise SetupError("cannot connect to PostgreSQL: " + "; ".join(errors))

    def create(self) -> None:
        with self._admin() as conn:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))
            except psycopg.Error as exc:
                raise SetupError(f"cannot create database {self.name}: {exc}") from exc
        self.created = True

    def drop(self) -> None:
        if not self.created:
            return
        with self._admin() as conn:
            force = sql.SQL(" WITH (FORCE)") if conn.info.server_version >= 130000 else sql.SQL("")
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(self.name)) + force)
        self.created = False


def run_command(args: list[str], env: dict[str, str], what: str, timeout: float = 300) -> str:
    """Run a command of the project (cwd: the repository); return its output or raise SetupError."""
    try:
        done = subprocess.run(  # noqa: S603
            args, env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise SetupError(f"{what} did not finish within {timeout:.0f}s") from exc
    if done.returncode != 0:
        raise SetupError(f"{what} failed ({done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


def migrate(env: dict[str, str]) -> None:
    run_command([sys.executable, "manage.py", "migrate", "--noinput"], env, "manage.py migrate")


class Gunicorn:
    """gunicorn with sync workers; its output goes to a log file.

    By default it runs ``aipal.wsgi:application`` with a configuration of its own; with
    ``production_config`` it reads the project's ``gunicorn.conf.py`` as the image does
    (access log included), with the bind address and worker count from the environment.
    """

    def __init__(
        self,
        port: int,
        workers: int,
        env: dict[str, str],
        directory: Path,
        *,
        app: str = "aipal.wsgi:application",
        name: str = "gunicorn",
        production_config: bool = False,
    ) -> None:
        self.port = port
        self.workers = workers
        self.env = {**env, "WEB_CONCURRENCY": str(workers), "GUNICORN_BIND": f"127.0.0.1:{port}"}
        self.app = app
        self.log = directory / f"{name}.log"
        self.production_config = production_config
        # Without the production configuration, an empty file: the project's own is not read.
        self.config = REPO / "gunicorn.conf.py" if production_config else directory / f"{name}.conf.py"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> None:
        args = [sys.executable, "-m", "gunicorn", self.app, "--config", str(self.config)]
        if not self.production_config:
            self.config.write_text("")
            args += ["--workers", str(self.workers), "--worker-class", "sync", "--bind", f"127.0.0.1:{self.port}"]
            args += ["--timeout", "30", "--graceful-timeout", "5", "--error-logfile", "-"]
            if os.path.isdir(_SHM):
                args += ["--worker-tmp-dir", _SHM]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                args, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SetupError(f"gunicorn exited with {self.process.returncode}:\n{tail(self.log)}")
            if self._healthy():
                return
            time.sleep(0.2)
        raise SetupError(f"GET /api/health did not answer 200 within {timeout:.0f}s:\n{tail(self.log)}")

    def worker_pids(self) -> list[int]:
        """The pids of the master's workers (its children)."""
        return [] if self.process is None else process_tree(self.process.pid)[1:]

    def _healthy(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("GET", "/api/health", headers={"Accept": "application/json"})
            response = conn.getresponse()
            response.read()
            return response.status == 200
        except (OSError, http.client.HTTPException):
            return False
        finally:
            conn.close()

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            # The master stops its workers within its graceful timeout: 5 s, or gunicorn.conf.py's
            # 30 s with production_config; past 15 s here the whole group is killed.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                _kill_group(self.process)  # still unreaped: the group id is still this run's
                self.process.wait(10)
        self.process = None


class PostgresCluster:
    """A private PostgreSQL server (``initdb`` in a temporary directory, a free port, trust
    auth on loopback) with ``pg_stat_statements`` loaded, so a run can count statements
    without touching a shared server's settings.

    PostgreSQL refuses to run as root: as root, the cluster runs as the ``postgres`` user,
    in a temporary directory of its own (removed by ``stop``).

    ``start_replica`` makes it a streaming replica of another one instead (``pg_basebackup
    -R``), e.g. with ``recovery_min_apply_delay`` in ``settings`` for a lag that is real.
    """

    def __init__(self, port: int, settings: dict[str, str] | None = None) -> None:
        self.port = port
        self.directory = Path(tempfile.mkdtemp(prefix="aipal-postgres-"))
        self.data = self.directory / "pgdata"
        self.log = self.directory / "postgres.log"
        self.settings = {"shared_preload_libraries": "pg_stat_statements", **(settings or {})}
        self.user = "postgres" if os.geteuid() == 0 else None

    @staticmethod
    def binary(name: str) -> str:
        found = shutil.which(name)
        if found:
            return found
        candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts[-3])
        if not candidates:
            raise SetupError(f"{name} not found (PostgreSQL server binaries are needed)")
        return str(candidates[-1])

    def _as_owner(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", self.user, "--", *args] if self.user else args

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 60) -> None:
        if self.user:
            shutil.chown(self.directory, self.user)
        initdb = [self.binary("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"]
        done = subprocess.run(self._as_owner(initdb), capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise SetupError(f"initdb failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        self._run_server(timeout)

    def start_replica(self, primary: PostgresCluster, timeout: float = 60) -> None:
        """Copy ``primary`` (``pg_basebackup -R``: it streams and stays in recovery) and start."""
        if self.user:
            shutil.chown(self.directory, self.user)
        # A fast checkpoint: a spread one (the default) makes the copy wait minutes.
        backup = [self.binary("pg_basebackup"), "-D", str(self.data), "-R", "-X", "stream", "-c", "fast"]
        backup += ["-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"]
        done = subprocess.run(self._as_owner(backup), capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise SetupError(f"pg_basebackup failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
        self._run_server(timeout)

    def _run_server(self, timeout: float) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
        options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
        ctl = [self.binary("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t"]
        done = subprocess.run(self._as_owner([*ctl, str(int(timeout)), "start"]), capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0:
            raise SetupError(f"PostgreSQL did not start:\n{done.stdout[-1000:]}\n{tail(self.log)}")

    def pid(self) -> int:
        """The postmaster's pid (its backends are its children)."""
        return int((self.data / "postmaster.pid").read_text().split()[0])

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True)

    def stop(self) -> None:
        """Stop the server if one runs (also one half-started by a failed ``start``), and
        remove the temporary directory in any case."""
        if (self.data / "postmaster.pid").exists():
            ctl = [self.binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
            subprocess.run(self._as_owner(ctl), capture_output=True, check=False)  # noqa: S603
        shutil.rmtree(self.directory, ignore_errors=True)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each process (and its reaped children) has used."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        used[pid] = sum(int(value) for value in fields[11:15]) / ticks  # utime, stime, cutime, cstime
    return used


def process_tree(pid: int) -> list[int]:
    """``pid`` and all of its descendants."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            children = []
        pending += [int(child) for child in children]
    return found
