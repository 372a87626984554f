"""The OpenAPI security scheme of the API's token (``Authorization: Token <token>``).

drf-spectacular knows django-rest-knox's authentication class, not the project's
subclass of it (``aipal.accounts.auth``), and would leave every operation without a
security requirement (and warn about it in ``check --deploy``). ``FastPathIdentity`` is
the same token, already checked by the WSGI fast path: it adds no scheme of its own.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension

__all__ = ["FastPathIdentityScheme", "TokenScheme"]


class TokenScheme(KnoxTokenScheme):
    target_class = "aipal.accounts.auth.TokenAuthentication"
    name = "tokenAuth"


class FastPathIdentityScheme(OpenApiAuthenticationExtension):
    target_class = "aipal.accounts.auth.FastPathIdentity"
    name: list[str] = []  # no component: the token's scheme is TokenScheme's

    def get_security_requirement(self, auto_schema: Any) -> None:
        return None

    def get_security_definition(self, auto_schema: Any) -> list[Any]:
        return []
