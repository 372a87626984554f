"""WSGI entry point: ``aipal.wsgi:application`` (gunicorn, mod_wsgi, ...).

Django's application, behind the fast path that answers cached GETs from Redis
(``aipal.fastpath``) and passes every other request on.
"""

import os

from django.core.wsgi import get_wsgi_application

# A WSGI server is a deployment: production settings unless told otherwise (they refuse to
# start without a strong secret key, DATABASE_URL and REDIS_URL). manage.py defaults to
# aipal.settings.local (make run).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aipal.settings.production")

django_application = get_wsgi_application()

from aipal.fastpath import FastPath  # noqa: E402  (its modules need the apps loaded)

application = FastPath(django_application)
