"""API tokens: issued per login, stored only as a hash, expiring, revocable, and mirrored
in Redis so that a cache hit can check one without the database.

- ``issue`` creates a token with django-rest-knox (the database keeps its SHA-512 and
  a 15-character lookup prefix, never the token) expiring ``TOKEN_TTL_HOURS`` after now.
- Logout deletes the token used; a new password or deactivation deletes all of the
  user's tokens (``revoke_on_credential_change``, a model signal, so the admin and any
  code path obey it). Each delete fires ``TOKENS_REVOKED`` through the cache's event
  table: after the commit it bumps the owner's ``AUTH_TOKEN`` generation.
- The Redis record of a token lives under its owner's key (``AUTH_TOKEN``, variant
  ``t=<lookup_hash>``): ``<user_id>:<is_staff>:<is_active>:<expiry ms or 0>``, stamped
  with the owner's generations (``*user``, ``AUTH_TOKEN``). The WSGI fast path reads it;
  when it is missing, the fast path hands the generations it read to the request, and
  ``fill_record`` stores the record after the database accepted the token, only if
  those generations did not change meanwhile: a token revoked in between is never
  written back.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_init, post_save
from django.utils import timezone
from knox.models import AuthToken

from aipal.cache import client
from aipal.cache.keys import CacheKey, token_record

__all__ = [
    "FASTPATH_IDENTITY",
    "FASTPATH_STAMP",
    "FASTPATH_USER",
    "connect_revocation",
    "fill_record",
    "issue",
    "lookup_hash",
    "record_key",
    "record_value",
]

log = logging.getLogger(__name__)
# Set by the fast path in the WSGI environ when a token had no valid record: the
# generations it read, and the user whose path it was.
FASTPATH_STAMP = "aipal.fastpath.token_stamp"
FASTPATH_USER = "aipal.fastpath.user_id"
# Set by the fast path when a token's record was valid (its entry was not): (user id, staff).
FASTPATH_IDENTITY = "aipal.fastpath.identity"
_STATE = "_aipal_credentials"


def issue(user: Any) -> tuple[str, datetime | None]:
    """Create a token for ``user``; return it (shown once, never stored) and its expiry.

    The user's expired tokens are deleted on the way, so they do not pile up.
    """
    with transaction.atomic():
        AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
        instance, token = AuthToken.objects.create(user=user, expiry=settings.REST_KNOX["TOKEN_TTL"])
    return token, instance.expiry


def lookup_hash(token: str) -> str:
    """Return the name of a token's Redis record (a hash: the token itself never reaches Redis)."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def record_key(user_id: int, token: str) -> CacheKey:
    return token_record(user_id, lookup_hash(token))


def record_value(*, user_id: int, is_staff: bool, is_active: bool, expiry_ms: int) -> bytes:
    return f"{user_id}:{int(is_staff)}:{int(is_active)}:{expiry_ms}".encode()


def fill_record(environ: dict[str, Any], token: str, user: Any, auth_token: AuthToken) -> None:
    """Store the Redis record of a token the database just accepted, if the fast path asked."""
    stamp = environ.get(FASTPATH_STAMP)
    if not stamp or environ.get(FASTPATH_USER) != user.pk:
        return
    key = record_key(user.pk, token)
    expiry_ms = int(auth_token.expiry.timestamp() * 1000) if auth_token.expiry else 0
    ttl_ms = key.ttl_seconds * 1000
    if expiry_ms:
        ttl_ms = min(ttl_ms, expiry_ms - int(time.time() * 1000))
    if ttl_ms <= 0:
        return
    value = record_value(user_id=user.pk, is_staff=user.is_staff, is_active=user.is_active, expiry_ms=expiry_ms)
    try:
        client.fill(key, stamp, value, ttl_ms)
    except client.CacheUnavailable:
        pass  # logged and counted by the client; the next request tries again


def _remember(sender: type, instance: Any, **kwargs: Any) -> None:
    # Through __dict__: a deferred field must not cost a query per loaded user.
    instance.__dict__[_STATE] = (instance.__dict__.get("password"), instance.__dict__.get("is_active"))


def revoke_on_credential_change(sender: type, instance: Any, created: bool, raw: bool, **kwargs: Any) -> None:
    """Delete every token of a user whose password changed or who was deactivated."""
    before = instance.__dict__.get(_STATE)
    _remember(sender, instance)
    if created or raw or before is None:
        return
    password, was_active = before
    # set_password() leaves the raw password in ``_password`` until save() ends; a password
    # assigned directly shows as a change of the hash loaded.
    new_password = getattr(instance, "_password", None) is not None or (
        password is not None and instance.password != password
    )
    if new_password or (was_active and not instance.is_active):
        deleted, _ = AuthToken.objects.filter(user_id=instance.pk).delete()
        if deleted:
            log.info("Revoked %d tokens of user %s (password or activation changed)", deleted, instance.pk)


def connect_revocation() -> None:
    """Connect the receivers that revoke tokens (``AccountsConfig.ready``)."""
    user_model = get_user_model()
    post_init.connect(_remember, sender=user_model, dispatch_uid="aipal.accounts.tokens.remember")
    post_save.connect(revoke_on_credential_change, sender=user_model, dispatch_uid="aipal.accounts.tokens.revoke")
