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

from aipal.cache.conf import valid_key_prefix
from aipal.cache.epoch import on_connect
from aipal.settings.https import HSTS_SECONDS, trusted_origins
from aipal.settings.rates import parse_rate
from aipal.settings.redis_target import cache_backend, resolve_redis_target
from aipal.settings.refusals import DEV_SECRET_KEY
from aipal.settings.replica_urls import replica_databases

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Unset or empty: the development key, which no process accepts with DEBUG off, whatever
# the settings module (aipal.settings.refusals, checked at django.setup()).
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="") or DEV_SECRET_KEY
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# --- HTTPS ------------------------------------------------------------------------
# DJANGO_HTTPS=true: the app is served over HTTPS only, behind a proxy that terminates TLS
# and sets X-Forwarded-Proto (overwriting any the client sent). Plain-HTTP requests are
# redirected, except the probes a load balancer or Prometheus send inside the network.
_https = env.bool("DJANGO_HTTPS", default=False)
if _https:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^api/health/?$", r"^api/system/cache-health/?$", r"^metrics/?$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # A year, for the host and its subdomains, and eligible for browsers' preload lists
    # (which takes a submission at hstspreload.org): a browser that saw it uses HTTPS only.
    SECURE_HSTS_SECONDS = HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# Origins a form may be posted from besides the page's own: the allowed hosts over HTTPS,
# unless DJANGO_CSRF_TRUSTED_ORIGINS lists them (full origins, e.g. https://admin.example.com).
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[]) or (
    trusted_origins(ALLOWED_HOSTS) if _https else []
)

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
    # Swagger UI and ReDoc served from /static/: the docs need no CDN (SPECTACULAR_SETTINGS).
    "drf_spectacular_sidecar",
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
    # Serves /static/ under any WSGI server, DEBUG on or off; other paths pass through untouched.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # 411, 413 or 400 for a body or query string it refuses, before anything reads them.
    "aipal.api.limits.RequestLimitsMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "aipal.urls"
# A form post refused by the CSRF check answers JSON, like every other error.
CSRF_FAILURE_VIEW = "aipal.api.exceptions.csrf_failure"
WSGI_APPLICATION = "aipal.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's own pages (aipal/templates: the ReDoc page without web fonts).
        "DIRS": [BASE_DIR / "aipal" / "templates"],
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
    # An empty DATABASE_URL counts as unset (production settings refuse both).
    "default": env.db_url_config(env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = env.bool("DJANGO_ATOMIC_REQUESTS", default=False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # A database that does not answer costs a request 2 s per connection attempt, then 503.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
# Streaming replicas that serve cache misses once they have replayed the user's last
# write (aipal.db); migrations and every write go to default.
_REPLICAS = replica_databases(env.str("DATABASE_REPLICA_URLS", default=""), DATABASES["default"])
DATABASES.update(_REPLICAS)
# Without replicas every read is the primary's: no router for Django to ask on each query.
DATABASE_ROUTERS = ["aipal.db.router.ReplicaRouter"] if _REPLICAS else []
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
# collectstatic writes each file under a content-hashed name (cached for a year by
# browsers) with a gzip copy of each; WhiteNoise serves them. With DEBUG off a page names
# only files the manifest lists, so collectstatic must have run (the image and make run do).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# The browsable API's login (/api-auth/login/) and logout return to the API root.
LOGIN_REDIRECT_URL = "/api/"
LOGOUT_REDIRECT_URL = "/api/"

# --- Redis and the cache layer -------------------------------------------------
REDIS_TARGET = resolve_redis_target(env.str("REDIS_URL", default=""))
REDIS_URL = REDIS_TARGET.url
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=5.0)
# A plain word: SCAN patterns are "<prefix>:*" (aipal.cache.conf).
CACHE_KEY_PREFIX = valid_key_prefix(env.str("CACHE_KEY_PREFIX", default="aipal"))

REDIS_OPTIONS = {
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
}
# A single server, a cluster or a Sentinel's master (aipal.settings.redis_target).
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "KEY_PREFIX": CACHE_KEY_PREFIX,
        **cache_backend(REDIS_TARGET, REDIS_OPTIONS),
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


# --- Throttles ------------------------------------------------------------------
def _throttle_rate(variable: str, default: str) -> str | None:
    """The rate of ``variable`` as written (None: ``off``), refused at start when unreadable."""
    text = env.str(variable, default=default)
    try:
        return None if parse_rate(text) is None else text
    except ValueError as exc:
        raise ImproperlyConfigured(f"{variable}: {exc}") from exc


THROTTLE_RATES = {
    "user": _throttle_rate("THROTTLE_USER", "1000/min"),
    "anon": _throttle_rate("THROTTLE_ANON", "100/min"),
    "login": _throttle_rate("THROTTLE_LOGIN", "10/min"),
}
# How many proxies in front of the app append to X-Forwarded-For (nginx in docker-compose: 1).
# 0 trusts no X-Forwarded-For: the client's address is REMOTE_ADDR.
NUM_PROXIES = env.int("DJANGO_NUM_PROXIES", default=0)
if NUM_PROXIES < 0:
    raise ImproperlyConfigured(f"DJANGO_NUM_PROXIES must be 0 or more, got {NUM_PROXIES}.")

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
    # drf-spectacular's, plus every error answer and integer path ids (aipal.api.schema).
    "DEFAULT_SCHEMA_CLASS": "aipal.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "aipal.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Counted in Redis, shared by every worker and server; failing open (aipal.api.throttling).
    "DEFAULT_THROTTLE_CLASSES": ["aipal.api.throttling.UserThrottle", "aipal.api.throttling.AnonThrottle"],
    "DEFAULT_THROTTLE_RATES": THROTTLE_RATES,
    "NUM_PROXIES": NUM_PROXIES,
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
    # The docs' scripts, styles and favicon come from drf-spectacular-sidecar under /static/.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge fetched from the public swagger.io validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "aipal.api.schema.drop_serializer_docstrings",
    ],
    "ENUM_NAME_OVERRIDES": {
        "GoalStatusEnum": "goals.models.GoalStatus",
        "TaskStatusEnum": "tasks.models.TaskStatus",
    },
}

# A request body over this answers 413 (aipal.api.limits), whatever its content type.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

# LOG_FORMAT: "text" (a line per record) or "json" (an object per line, for a log pipeline).
LOG_FORMAT = env.str("LOG_FORMAT", default="text").strip().lower()
if LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured(f'LOG_FORMAT must be "text" or "json", got {LOG_FORMAT!r}.')
_LOG_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": _LOG_FIELDS},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": _LOG_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    # A client's error (a bad Host, a malformed body: 4xx) is one line, without a traceback.
    "filters": {"client_errors": {"()": "aipal.api.logfilters.ClientErrorWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["client_errors"]}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"aipal.cache": {"level": env.str("CACHE_LOG_LEVEL", default="INFO")}},
}
