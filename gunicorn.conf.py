"""Gunicorn settings for the container: ``gunicorn -c gunicorn.conf.py``.

Sync workers, one request at a time each; ``WEB_CONCURRENCY`` sets how many.
Access and error logs go to stdout/stderr for the container runtime to collect.

NOTE: a sync worker is held by a client for as long as the client takes to send its
request, so two half-sent requests can stall a small pool (slowloris). Slow clients are
nginx's job: in docker-compose.yml gunicorn binds 0.0.0.0:8000 inside the compose
network only (``expose``, never a published port) and nginx (deploy/nginx/aipal.conf)
hands it only complete, buffered requests. Never publish this port directly.
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
