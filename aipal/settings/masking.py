"""URLs as a message may show them: the password replaced by ``***``.

Start-up refusals name the variable and repeat its URL (``REDIS_URL``,
``DATABASE_REPLICA_URLS``); the password must never reach a log or a terminal.
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["masked"]


def masked(url: str) -> str:
    """``url`` with its password replaced; hosts, ports and paths as written (a cluster's
    ``host:port,host:port`` included)."""
    parts = urlsplit(url)
    credentials, at, hosts = parts.netloc.rpartition("@")
    if not at or ":" not in credentials:
        return url
    return parts._replace(netloc=f"{credentials.partition(':')[0]}:***@{hosts}").geturl()
