"""What the cache_* commands share: refusing the embedded Redis, validating user ids and dates."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from aipal.cache import client
from aipal.cache.conf import cache_settings

__all__ = ["existing_user_id", "parse_since", "parse_user_id", "require_redis", "require_shared_cache"]

_MAX_ID = 2**63 - 1


def require_shared_cache(command: str) -> None:
    """Refuse to run against the embedded fakeredis, which no other process can reach.

    NOTE: without this a flush or warm would act on a private, empty Redis inside the
    command's own process and report success while the server's cache stays as it was.
    """
    label = cache_settings().backend_label
    if cache_settings().embedded:
        raise CommandError(
            f"{command}: the cache backend is {label}. The embedded cache lives inside the server "
            "process and cannot be reached from a management command. Point REDIS_URL at a shared "
            "Redis (or start one on 127.0.0.1:6379) and run the server and this command against it."
        )


def require_redis(command: str) -> None:
    """Fail with a clear message when Redis does not answer."""
    try:
        client.ping()
    except client.CacheUnavailable as exc:
        raise CommandError(f"{command}: Redis is unreachable ({exc}).") from exc


def parse_user_id(value: object) -> int:
    """Return ``value`` as a positive integer id (an API ``id``), else raise CommandError."""
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= _MAX_ID:
        raise CommandError(f"User id must be a positive integer, got {value!r}.")
    return int(text)


def existing_user_id(value: object) -> int:
    """Return the id of an existing user, else raise CommandError."""
    user_id = parse_user_id(value)
    if not get_user_model().objects.filter(pk=user_id).exists():
        raise CommandError(f"User {user_id} does not exist.")
    return user_id


def parse_since(value: object) -> datetime:
    """Return ``value`` (an ISO date or datetime; naive ones in TIME_ZONE) as an aware UTC
    datetime not in the future, else raise CommandError."""
    text = str(value).strip()
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            moment = None if day is None else datetime.combine(day, time.min)
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(
            f"--since must be an ISO date or datetime (2026-01-31, 2026-01-31T08:00, 2026-01-31T08:00Z), got {value!r}."
        )
    # NOTE: converted here, not by the database adapter: a moment at the calendar's edge
    # (0001-01-01T00:00+05:00) has no UTC equivalent and would raise OverflowError in the query.
    try:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise CommandError(
            f"--since {text} is outside the range of UTC datetimes (0001-01-01T00:00Z to 9999-12-31T23:59Z)."
        ) from exc
    if moment > timezone.now():
        raise CommandError(f"--since {text} is in the future: no user can have been active since then.")
    return moment
