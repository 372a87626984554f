"""Gunicorn settings for the container: ``gunicorn -c gunicorn.conf.py``.

Sync workers, one request at a time each; ``WEB_CONCURRENCY`` sets how many.
Access and error logs go to stdout/stderr for the container runtime to collect.

NOTE: a sync worker is held by a client for as long as the client takes to send its
request, so two half-sent requests can stall a small pool (slowloris). Slow clients are
nginx's job: in docker-compose.yml gunicorn binds 0.0.0.0:8000 inside the compose
network only (``expose``, never a published port) and nginx (deploy/nginx/aipal.conf)
hands it only complete, buffered requests. Never publish this port directly.

Metrics: each worker is its own process, so ``/metrics`` would show whichever worker
answered. Prometheus' multiprocess mode makes it the server's: every worker writes its
metrics to files in ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` sums them. This file
runs in the master before any worker imports the app, so the variable is set here (a
directory of this master's own under /dev/shm, or the temp dir, unless the environment
names one); the directory is emptied when the master starts (last run's counts must not
carry over) and a worker that exits is marked dead (its gauges leave the sums; its
counters stay in them, so totals never drop).
"""

import os
import shutil
import tempfile

wsgi_app = "aipal.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"
timeout = 30
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
# Worker heartbeat files on tmpfs: a disk-backed /tmp can stall workers under I/O load.
_SHM = "/dev/shm"  # noqa: S108  (gunicorn's heartbeat, not data)
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None

_METRICS_DEFAULT = os.path.join(_SHM if os.path.isdir(_SHM) else tempfile.gettempdir(), f"aipal-metrics-{os.getpid()}")
# setdefault: a reload (SIGHUP) runs this file again in the same master and keeps the directory.
METRICS_DIR = os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", _METRICS_DEFAULT)


def on_starting(server):  # type: ignore[no-untyped-def]
    """Start with an empty metrics directory (the master, before the first worker)."""
    os.makedirs(METRICS_DIR, mode=0o700, exist_ok=True)
    for entry in os.scandir(METRICS_DIR):
        if entry.is_file() and entry.name.endswith(".db"):
            os.unlink(entry.path)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """Take an exited worker's live gauges out of the sums (its counters stay)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # type: ignore[no-untyped-def]
    """Remove the directory this master made for itself (one named in the environment stays)."""
    if METRICS_DIR == _METRICS_DEFAULT:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)
