"""Test settings.

By default (unit runs) tests use SQLite in memory and an in-process fakeredis, so
they are fast and need nothing. With ``AIPAL_TEST_BACKENDS=real`` they use the
PostgreSQL and Redis of ``DATABASE_URL``/``REDIS_URL`` (default 127.0.0.1), with a
key prefix of their own so they never touch anyone else's keys.
"""

import os

from aipal.settings.base import *  # noqa: F403
from aipal.settings.base import AIPAL_CACHE, CACHES, REST_FRAMEWORK, STORAGES, env
from aipal.settings.redis_target import embedded_target

REAL_BACKENDS = os.environ.get("AIPAL_TEST_BACKENDS", "fake") == "real"

# DEBUG is off, so the key must pass aipal.settings.refusals: 50+ characters.
SECRET_KEY = "test-only-secret-key-long-enough-for-the-debug-off-check"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Pages render without collectstatic: static URLs are the files' own names, and WhiteNoise
# serves nothing (no STATIC_ROOT to scan for each test's handler). The browser tests
# collect into a temporary STATIC_ROOT with the production storage themselves.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
STATIC_ROOT = None
REST_FRAMEWORK = {**REST_FRAMEWORK}

if REAL_BACKENDS:
    DATABASES = {
        "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/aipal"),
    }
    _redis_url = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
    _pool = {**CACHES["default"]["OPTIONS"]["CONNECTION_POOL_KWARGS"], "max_connections": 50}
    _label = "redis"
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    _target = embedded_target()
    _redis_url = _target.url
    _pool = {**CACHES["default"]["OPTIONS"]["CONNECTION_POOL_KWARGS"], "max_connections": 50, **_target.pool_kwargs}
    _label = "fakeredis (tests)"

DATABASES["default"]["ATOMIC_REQUESTS"] = env.bool("DJANGO_ATOMIC_REQUESTS", default=False)
REDIS_URL = _redis_url
REDIS_SOCKET_TIMEOUT = 1.0
CACHE_KEY_PREFIX = f"aipaltest{os.getpid()}"
CACHES = {
    "default": {
        **CACHES["default"],
        "LOCATION": _redis_url,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "OPTIONS": {
            **CACHES["default"]["OPTIONS"],
            "SOCKET_TIMEOUT": 1.0,
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "CONNECTION_POOL_KWARGS": _pool,
        },
    }
}
# No maintenance thread by default: tests replay the outbox and flush statistics themselves.
AIPAL_CACHE = {
    **AIPAL_CACHE,
    "KEY_PREFIX": CACHE_KEY_PREFIX,
    "BACKEND_LABEL": _label,
    "EMBEDDED": False,  # the tests' fakeredis is theirs, not a server's private cache
    "ENABLED": True,
    "OUTBOX_POLL_SECONDS": 0,
    "STATS_FLUSH_SECONDS": 0,
}
