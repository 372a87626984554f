"""Production settings: a real secret key and Redis are required."""

from django.core.exceptions import ImproperlyConfigured

from aipal.settings.base import *  # noqa: F403
from aipal.settings.base import SECRET_KEY, env

DEBUG = env.bool("DJANGO_DEBUG", default=False)
if SECRET_KEY.startswith("dev-only-"):
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY in production.")
if not env.str("REDIS_URL", default=""):
    raise ImproperlyConfigured("Set REDIS_URL in production.")
