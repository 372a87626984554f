"""``bench.baselines.wsgi:application`` (``BASELINE=plain`` or ``naive``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.baselines.settings")
application = get_wsgi_application()
