"""One maintenance thread per process: work that must never cost a request a round trip.

- the outbox drain (``recovery.drain``), every ``OUTBOX_POLL_SECONDS``: replays the
  invalidations other processes could not apply;
- the statistics flush (``stats.flush``), every ``STATS_FLUSH_SECONDS``: adds this
  process's hit and miss tallies to the totals shared in Redis, and samples its Redis
  pool for ``/metrics`` (``client.pool``).

The thread starts on first use and again in a forked child (gunicorn workers); a
setting of 0 turns a job off, and with both off (the tests) no thread runs.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from aipal.cache.conf import cache_settings

__all__ = ["ensure_started", "stop"]

log = logging.getLogger(__name__)
_lock = threading.Lock()
_started = False
_thread: threading.Thread | None = None
_stop = threading.Event()


def _jobs() -> list[tuple[float, Callable[[], None]]]:
    from aipal.cache import recovery, stats
    from aipal.cache.client import pool

    conf = cache_settings()
    jobs = [
        (conf.outbox_poll_seconds, recovery.drain),
        (conf.stats_flush_seconds, stats.flush),
        (conf.stats_flush_seconds, pool.sample),
    ]
    return [(every, job) for every, job in jobs if every > 0]


def ensure_started() -> None:
    """Start this process's maintenance thread once (after a fork too)."""
    global _started, _thread
    if _started:
        return
    with _lock:
        jobs = _jobs()
        if _started or not jobs:
            return
        _started = True
        _stop.clear()
        _thread = threading.Thread(target=_run, args=(jobs,), name="cache-maintenance", daemon=True)
        _thread.start()


def stop() -> None:
    """Stop this process's maintenance thread (tests, shutdown); the next use starts it again."""
    global _started, _thread
    _stop.set()
    if _thread is not None:
        _thread.join(5)
    _thread, _started = None, False


def _forked() -> None:
    """In a forked child (a gunicorn worker) the parent's thread does not exist: start anew."""
    global _started, _thread, _lock
    _started, _thread, _lock = False, None, threading.Lock()


os.register_at_fork(after_in_child=_forked)


def _run(jobs: list[tuple[float, Callable[[], None]]]) -> None:
    from django.db import connection

    due = [time.monotonic() + every for every, _ in jobs]
    while not _stop.wait(max(0.0, min(due) - time.monotonic())):
        now = time.monotonic()
        for index, (every, job) in enumerate(jobs):
            if now >= due[index]:
                due[index] = now + every
                try:
                    job()
                except Exception:  # a failed round must not end the thread
                    log.exception("Cache maintenance job %s failed", job.__qualname__)
    connection.close()
