"""Turn ``DATABASE_REPLICA_URLS`` into ``DATABASES`` aliases ``replica_1``, ``replica_2``, ...

Each replica takes the primary's connection options (connection age, health checks,
connect timeout) and is a test mirror of ``default``, so test runs create no database
for it. A URL the app cannot use stops start-up here, naming the variable: Django would
otherwise connect on first use and answer reads with errors.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

from aipal.settings.masking import masked

__all__ = ["REPLICA_PREFIX", "replica_databases"]

VARIABLE = "DATABASE_REPLICA_URLS"
REPLICA_PREFIX = "replica_"
_POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}
# Options of the primary's entry a replica shares (its own URL gives the rest).
_SHARED = ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS")


def replica_databases(urls: str, primary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Return the ``DATABASES`` entries of the comma-separated ``urls`` (none when empty)."""
    items = [item.strip() for item in urls.split(",") if item.strip()]
    if items and primary.get("ENGINE") != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"{VARIABLE} needs a PostgreSQL DATABASE_URL: replicas of SQLite do not exist.")
    return {f"{REPLICA_PREFIX}{index}": _replica(url, primary) for index, url in enumerate(items, start=1)}


def _replica(url: str, primary: dict[str, Any]) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme not in _POSTGRES_SCHEMES:
        raise ImproperlyConfigured(f"{VARIABLE}: {masked(url)} is not a PostgreSQL URL (postgres://host/database).")
    try:
        config = environ.Env.db_url_config(url)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{VARIABLE}: {masked(url)} cannot be used: {exc}") from exc
    if not config.get("HOST"):
        raise ImproperlyConfigured(f"{VARIABLE}: {masked(url)} names no host.")
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{VARIABLE}: {masked(url)} names no database (postgres://host/database).")
    for name in _SHARED:
        if name in primary:
            config.setdefault(name, primary[name])
    options = {**primary.get("OPTIONS", {}), **config.get("OPTIONS", {})}
    config["OPTIONS"] = options
    config["TEST"] = {"MIRROR": "default"}
    return config
