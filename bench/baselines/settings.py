"""Settings of the baselines: the project's database and apps, Django's usual middleware,
DRF's defaults (token auth, JSONRenderer), and django-redis for the naive cache-aside pattern."""

import os

from aipal.settings.base import *  # noqa: F403
from aipal.settings.base import CACHES, INSTALLED_APPS, MIDDLEWARE

DEBUG = False
ROOT_URLCONF = "bench.baselines.urls"
INSTALLED_APPS = [
    app for app in INSTALLED_APPS if app not in {"aipal.cache", "cachehealth", "drf_spectacular", "aipal.dashboard"}
] + ["rest_framework.authtoken"]
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("aipal.")]
BASELINE = os.environ.get("BASELINE", "plain")  # plain | naive
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": CACHES["default"]["LOCATION"],
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "naive"),
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    }
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
}
