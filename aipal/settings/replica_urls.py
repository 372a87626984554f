"""Turn ``DATABASE_REPLICA_URLS`` into ``DATABASES`` aliases ``replica_1``, ``replica_2``, ...

Each replica takes the primary's connection options (connection age, health checks,
connect timeout) and is a test mirror of ``default``, so test runs create no database
for it. A URL the app cannot use stops start-up here, naming the variable: Django would
otherwise connect on first use and answer reads with errors.

NOTE: the variable is split on commas before any URL is parsed, so a comma inside a
password cuts the URL in two and a piece of the password may sit where a host, a port or
a scheme belongs. A URL that does not parse is named by its position only, never echoed
(nor the parser's message, which quotes it); the URLs that parse are shown masked.
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
    # Every URL parses before any is judged: a URL cut by a comma in its password may still
    # parse (a port of digits), and must not be shown while its other half fails.
    configs = [_parsed(url, position) for position, url in enumerate(items, start=1)]
    return {
        f"{REPLICA_PREFIX}{position}": _replica(url, config, primary)
        for position, (url, config) in enumerate(zip(items, configs, strict=True), start=1)
    }


def _ordinal(position: int) -> str:
    suffix = "th" if 10 <= position % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(position % 10, "th")
    return f"{position}{suffix}"


def _parsed(url: str, position: int) -> dict[str, Any]:
    """The ``DATABASES`` entry of ``url``; a refusal that does not show it if it does not parse."""
    parts = urlsplit(url)
    if parts.scheme not in _POSTGRES_SCHEMES:
        reason = "is not a PostgreSQL URL (postgres://host/database)"
    else:
        try:
            parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
            return environ.Env.db_url_config(url)
        except ValueError:  # its message quotes the URL
            reason = "cannot be used: its host or port does not parse"
    raise ImproperlyConfigured(
        f"{VARIABLE}: the {_ordinal(position)} URL {reason}; it is not shown, as it may hold part of a "
        "password. A comma inside a password must be written %2C."
    ) from None


def _replica(url: str, config: dict[str, Any], primary: dict[str, Any]) -> dict[str, Any]:
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
