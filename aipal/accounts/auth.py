"""Token authentication: what the fast path already checked, else django-rest-knox's with
the database work a request needs only.

``FastPathIdentity``: on a cached GET whose entry missed, the fast path has already
checked the token against its Redis record (the same check a hit relies on: owner,
active, not expired, not revoked since the database accepted it) and hands the owner
over; the view then needs no query to authenticate. The user it gives has only its id
and flags loaded (other fields load on first use).


Differences from ``knox.auth.TokenAuthentication``, each for a reason:
- knox reads all of the user's tokens on every request to delete expired ones (a
  second query per request); here only the token presented is checked, and expired
  tokens are deleted when the user next logs in (``tokens.issue``);
- a header that is not UTF-8 is a 401, not a 500;
- a refused token counts against its client's IP (the anonymous throttle): DRF answers
  it before any throttle runs, and each costs a database lookup;
- a token accepted by the database is mirrored in Redis when the WSGI fast path asked
  for it (``tokens.fill_record``), so the next cached GET needs no query at all.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from knox import auth as knox_auth
from knox.models import AuthToken
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from aipal.accounts import tokens
from aipal.api.throttling import charge_failed_authentication

__all__ = ["FastPathIdentity", "TokenAuthentication"]


class FastPathIdentity(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        identity = request._request.META.get(tokens.FASTPATH_IDENTITY)
        if identity is None:
            return None
        user_id, is_staff = identity
        user = get_user_model().from_db(DEFAULT_DB_ALIAS, ["id", "is_staff", "is_active"], [user_id, is_staff, True])
        return user, None

    def authenticate_header(self, request: Request) -> str:
        return knox_auth.TokenAuthentication().authenticate_header(request)


class TokenAuthentication(knox_auth.TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, AuthToken] | None:
        try:
            result = super().authenticate(request)
        except exceptions.AuthenticationFailed:
            charge_failed_authentication(request)  # 429 once the client's IP is over its rate
            raise
        if result is not None:
            user, auth_token = result
            token = get_authorization_header(request).split()[1].decode()
            tokens.fill_record(request._request.META, token, user, auth_token)
        return result

    def authenticate_credentials(self, token: bytes) -> tuple[Any, AuthToken]:
        try:
            token.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        """Delete the token presented if it expired (and only it); True when it did."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False
