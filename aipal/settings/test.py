"""Test settings.

By default (unit runs) tests use SQLite in memory and an in-process fakeredis, so
they are fast and need nothing. With ``AIPAL_TEST_BACKENDS=real`` they use the
PostgreSQL and Redis of ``DATABASE_URL``/``REDIS_URL`` (default 127.0.0.1), with a
key prefix of their own so they never touch anyone else's keys.
"""

import os

from aipal.settings.base import *  # noqa: F403
from aipal.settings.base import AIPAL_CACHE, CACHES, REDIS_OPTIONS, REST_FRAMEWORK, STORAGES, env
from aipal.settings.redis_target import RedisTarget, cache_backend, embedded_target, usable_redis_url

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
    _pool = {**REDIS_OPTIONS["CONNECTION_POOL_KWARGS"], "max_connections": 50}
    _label = "redis"
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    _target = embedded_target()
    _redis_url = _target.url
    _pool = {**REDIS_OPTIONS["CONNECTION_POOL_KWARGS"], "max_connections": 50, **_target.pool_kwargs}
    _label = "fakeredis (tests)"

DATABASES["default"]["ATOMIC_REQUESTS"] = env.bool("DJANGO_ATOMIC_REQUESTS", default=False)
REDIS_URL = _redis_url
REDIS_SOCKET_TIMEOUT = 1.0
CACHE_KEY_PREFIX = f"aipaltest{os.getpid()}"
# REDIS_URL may name a cluster or a Sentinel too: the integration tests then run on it.
CACHES = {
    "default": {
        "BACKEND": CACHES["default"]["BACKEND"],
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        **cache_backend(
            RedisTarget(url=usable_redis_url(_redis_url), label=_label),
            {**REDIS_OPTIONS, "SOCKET_TIMEOUT": 1.0, "SOCKET_CONNECT_TIMEOUT": 0.5, "CONNECTION_POOL_KWARGS": _pool},
        ),
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
