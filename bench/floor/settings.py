"""Settings of the floor: Django with nothing between the handler and one JSON view."""

import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "bench-floor-only")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench.floor.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_TZ = True
