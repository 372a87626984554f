"""Settings a process refuses to start with, checked on the final settings.

Settings modules override values after importing ``base`` (``local`` turns DEBUG on,
``test`` sets its own key, a deployment may bring a module of its own), so the secret
key is judged once Django has loaded whichever module it was given: ``refuse_unsafe_settings``
runs in ``AccountsConfig.ready()``, at ``django.setup()``, so ``manage.py`` commands,
``runserver`` and the WSGI application (gunicorn) all refuse alike.

With DEBUG off the secret key must be set, must not be the development default, and must
be strong by Django's own measure (``check --deploy``'s security.W009): at least 50
characters, at least 5 different ones, not Django's ``django-insecure-`` placeholder.
A weak key lets anyone who guesses it forge sessions, password-reset links and signed data.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "DEV_SECRET_KEY",
    "MIN_SECRET_KEY_CHARS",
    "MIN_SECRET_KEY_LENGTH",
    "refuse_unsafe_settings",
    "secret_key_problem",
]

# The key of `make run` (DEBUG on): public, so never accepted with DEBUG off.
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"  # noqa: S105
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_CHARS = 5
_DJANGO_PLACEHOLDER = "django-insecure-"
_HOW = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def secret_key_problem(key: Any) -> str | None:
    """Say what is wrong with ``key`` as a production secret key, or None when it is fine."""
    if not key:
        return "is not set"
    if not isinstance(key, str):
        return "is not a string"
    if key == DEV_SECRET_KEY:
        return "is not set (the development default is in use)"
    if key.startswith(_DJANGO_PLACEHOLDER):
        return f"is Django's placeholder ({_DJANGO_PLACEHOLDER}...)"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"is {len(key)} characters long (at least {MIN_SECRET_KEY_LENGTH} are needed)"
    if len(set(key)) < MIN_SECRET_KEY_CHARS:
        return f"has fewer than {MIN_SECRET_KEY_CHARS} different characters"
    return None


def refuse_unsafe_settings(settings: Any) -> None:
    """Raise ``ImproperlyConfigured`` when DEBUG is off and the secret key is weak."""
    if settings.DEBUG:
        return
    try:
        key = settings.SECRET_KEY
    except ImproperlyConfigured:  # Django refuses an empty key with a message of its own
        key = ""
    problem = secret_key_problem(key)
    if problem is not None:
        raise ImproperlyConfigured(
            f"With DEBUG off, DJANGO_SECRET_KEY {problem}: set it to a random string of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters, e.g. {_HOW}."
        )
