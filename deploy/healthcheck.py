"""The web container's healthcheck: ``GET /api/health`` on this container's gunicorn.

docker-compose.yml runs ``python deploy/healthcheck.py`` (the slim image has no curl).
The request names a host the app accepts, the first of ``DJANGO_ALLOWED_HOSTS``, so a
deployment's own host list never turns the check into a 400, and says it came over HTTPS
(``X-Forwarded-Proto``) so that ``DJANGO_HTTPS``'s redirect cannot answer instead. Exit
status 0 for a 200 within 3 s, else 1 with the reason on stderr.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 3.0


def health_host(allowed_hosts: str | None) -> str:
    """Return a Host header value that ``DJANGO_ALLOWED_HOSTS`` accepts."""
    first = (allowed_hosts or "").split(",")[0].strip()
    if not first or "*" in first:
        return "localhost"
    return first.lstrip(".")  # ".example.com" also accepts example.com


def health_url(bind: str | None) -> str:
    """Return the health URL on the port gunicorn binds (``GUNICORN_BIND``, default 8000)."""
    port = (bind or "").rpartition(":")[2] or "8000"
    return f"http://127.0.0.1:{port}/api/health"


def main() -> int:
    request = urllib.request.Request(  # noqa: S310  (a fixed http:// URL on loopback)
        health_url(os.environ.get("GUNICORN_BIND")),
        headers={"Host": health_host(os.environ.get("DJANGO_ALLOWED_HOSTS")), "X-Forwarded-Proto": "https"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    try:
        with opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"unhealthy: {exc}\n")
        return 1
    if status != 200:
        sys.stderr.write(f"unhealthy: /api/health answered {status}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
