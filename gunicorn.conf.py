"""Gunicorn settings for the container: ``gunicorn -c gunicorn.conf.py``.

Sync workers, one request at a time each; ``WEB_CONCURRENCY`` sets how many.
Access and error logs go to stdout/stderr for the container runtime to collect.
"""

import os

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
