"""Settings shared by every environment, read from the environment or a ``.env`` file.

Every variable of API.md "Running" is read here and nowhere else. The cache layer
reads its own knobs from the one namespaced dict ``AIPAL_CACHE`` (see
``aipal.cache.conf``), so tests can override them with ``settings`` fixtures.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from aipal.cache.epoch import on_connect
from aipal.settings.redis_target import resolve_redis_target

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_prometheus",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "aipal.cache",
    "aipal.accounts",
    "ari",
    "goals",
    "tasks",
    "aipal.dashboard",
    "cachehealth",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "aipal.cache.middleware.InvalidationBatchMiddleware",
    "aipal.api.exceptions.DatabaseOutageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "aipal.urls"
WSGI_APPLICATION = "aipal.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = env.bool("DJANGO_ATOMIC_REQUESTS", default=False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # A database that does not answer costs a request 2 s per connection attempt, then 503.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --- Redis and the cache layer -------------------------------------------------
REDIS_TARGET = resolve_redis_target(env.str("REDIS_URL", default=""))
REDIS_URL = REDIS_TARGET.url
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=5.0)
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="aipal")

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "SOCKET_CONNECT_TIMEOUT": min(REDIS_SOCKET_TIMEOUT, 1.0),
            "CONNECTION_POOL_KWARGS": {
                "max_connections": env.int("REDIS_MAX_CONNECTIONS", default=10),
                # One immediate retry for a pooled connection a Redis restart closed; never
                # redis-py's default backoff, which would hold a request for seconds.
                "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
                # Each new connection learns the server's run_id (see aipal.cache.epoch).
                "redis_connect_func": on_connect,
                **REDIS_TARGET.pool_kwargs,
            },
            "SERIALIZER": "django_redis.serializers.json.JSONSerializer",
            # Errors reach aipal.cache.client, which degrades, logs and counts them.
            "IGNORE_EXCEPTIONS": False,
        },
    }
}

AIPAL_CACHE = {
    "ENABLED": env.bool("CACHE_ENABLED", default=True),
    "DEFAULT_TTL": env.int("CACHE_TTL_SECONDS", default=300),
    "KEY_PREFIX": CACHE_KEY_PREFIX,
    "BACKEND_LABEL": REDIS_TARGET.label,
    # True for the in-process fakeredis of `make run`: no other process can reach it.
    "EMBEDDED": REDIS_TARGET.embedded,
    # Circuit breaker: consecutive failures before opening, first and longest pause.
    "BREAKER_FAIL_MAX": env.int("CACHE_BREAKER_FAIL_MAX", default=3),
    "BREAKER_RESET_SECONDS": env.float("CACHE_BREAKER_RESET_SECONDS", default=2.0),
    "BREAKER_MAX_RESET_SECONDS": env.float("CACHE_BREAKER_MAX_RESET_SECONDS", default=60.0),
    # Stampede guard: how long a miss waits for another process's fill.
    "FILL_LOCK_MS": env.int("CACHE_FILL_LOCK_MS", default=5000),
    "FILL_WAIT_MS": env.int("CACHE_FILL_WAIT_MS", default=1000),
    "TTL_JITTER": 0.1,
    # How often each process replays invalidations that failed elsewhere (0: never).
    "OUTBOX_POLL_SECONDS": env.float("CACHE_OUTBOX_POLL_SECONDS", default=0.5),
    # How often each process adds its hit/miss tallies to the totals shared in Redis (0: never).
    "STATS_FLUSH_SECONDS": 1.0,
    # Answer cached GETs in the WSGI wrapper (aipal.fastpath) before Django runs.
    "FAST_PATH": env.bool("CACHE_FAST_PATH", default=True),
    # Bodies of at least this many bytes are stored zlib-compressed (0: never).
    "COMPRESS_MIN_BYTES": env.int("CACHE_COMPRESS_MIN_BYTES", default=128),
}

# --- REST framework -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aipal.accounts.auth.FastPathIdentity",
        "aipal.accounts.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "aipal.api.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["aipal.api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "aipal.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# Tokens (django-rest-knox): one per login, stored as a hash, expiring TOKEN_TTL_HOURS after
# they were issued (0: never); logout, a new password and deactivation revoke them.
TOKEN_TTL_HOURS = env.float("TOKEN_TTL_HOURS", default=24.0)
if TOKEN_TTL_HOURS < 0:
    raise ImproperlyConfigured(f"TOKEN_TTL_HOURS must be 0 (never expire) or more, got {TOKEN_TTL_HOURS}.")
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=TOKEN_TTL_HOURS) if TOKEN_TTL_HOURS else None,
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "AI-PAL data service",
    "DESCRIPTION": "ARI snapshots, goals, tasks, dashboard and predictions, cached in Redis.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "GoalStatusEnum": "goals.models.GoalStatus",
        "TaskStatusEnum": "tasks.models.TaskStatus",
    },
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"aipal.cache": {"level": env.str("CACHE_LOG_LEVEL", default="INFO")}},
}
