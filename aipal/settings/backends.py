"""One line each on the database and the Redis a process uses, passwords left out.

``make run`` prints them at start, so a developer sees which of the embedded defaults
(SQLite file or ``DATABASE_URL``; ``REDIS_URL``, a local Redis or the in-process
fakeredis) the server picked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from aipal.settings.redis_target import RedisTarget

__all__ = ["database_label", "describe", "redis_label"]

_ENGINES = {"sqlite3": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL", "oracle": "Oracle"}


def database_label(database: dict[str, Any], *, base_dir: Path | None = None) -> str:
    """``SQLite db.sqlite3`` or ``PostgreSQL aipal on host:port (user name)``: never the password."""
    engine = str(database.get("ENGINE", "")).rsplit(".", 1)[-1]
    kind = _ENGINES.get(engine, engine or "unknown")
    name = str(database.get("NAME") or "")
    if engine == "sqlite3":
        path = Path(name)
        if base_dir is not None and path.is_relative_to(base_dir):
            name = str(path.relative_to(base_dir))
        return f"{kind} {name or '(in memory)'}"
    host = database.get("HOST") or "localhost"
    where = f"{host}:{database['PORT']}" if database.get("PORT") else str(host)
    user = f" (user {database['USER']})" if database.get("USER") else ""
    return f"{kind} {name} on {where}{user}"


def redis_label(target: RedisTarget) -> str:
    """``127.0.0.1:6379 (database 0)``, the embedded fakeredis, or a cluster's or
    sentinel's nodes: the user name at most, never the password."""
    if target.embedded:
        return "embedded fakeredis (this process only)"
    parts = urlsplit(target.url)
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = unquote(parts.username) if parts.username else ""
    who = f" as {user}" if user and user != "default" else ""
    scheme = parts.scheme
    if scheme.endswith("+sentinel"):
        return f"Sentinel {netloc} (service {parts.path.strip('/') or '?'}){who}"
    if scheme.endswith("+cluster"):
        return f"Cluster {netloc}{who}"
    database = parts.path.strip("/") or "0"
    tls = ", TLS" if scheme == "rediss" else ""
    if scheme == "unix":
        return f"{parts.path} (socket{tls}){who}"
    return f"{netloc} (database {database}{tls}){who}"


def describe() -> str:
    """The two lines ``make run`` prints, from the settings in force."""
    from django.conf import settings

    database = database_label(settings.DATABASES["default"], base_dir=Path(settings.BASE_DIR))
    return f"Database: {database}\nRedis: {redis_label(settings.REDIS_TARGET)}"
