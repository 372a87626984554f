"""WSGI entry point: ``aipal.wsgi:application`` (gunicorn, mod_wsgi, ...)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aipal.settings.local")

application = get_wsgi_application()
