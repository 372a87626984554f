"""Development settings: ``make run`` on embedded defaults."""

from aipal.settings.base import *  # noqa: F403
from aipal.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
