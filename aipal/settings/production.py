"""Production settings: DEBUG off; DATABASE_URL, REDIS_URL and a strong secret key required.

Each refusal names the variable to set. The secret key is checked on the final settings,
whatever the module (``aipal.settings.refusals``, at ``django.setup()``).
"""

from django.core.exceptions import ImproperlyConfigured

from aipal.settings.base import *  # noqa: F403
from aipal.settings.base import env

if env.bool("DJANGO_DEBUG", default=False):
    raise ImproperlyConfigured(
        "DJANGO_DEBUG=true is refused under aipal.settings.production: debug pages show settings and "
        "tracebacks to anyone. Unset DJANGO_DEBUG, or use aipal.settings.local on a development machine."
    )
DEBUG = False
if not env.str("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "Set DATABASE_URL in production (e.g. postgres://user:password@host:5432/aipal); there is no SQLite fallback."
    )
if not env.str("REDIS_URL", default=""):
    raise ImproperlyConfigured("Set REDIS_URL in production.")
