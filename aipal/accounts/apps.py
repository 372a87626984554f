"""App config of accounts: token revocation signals, the token's schema, and the start-up
refusal of a weak secret key (this app loads under every settings module)."""

from django.apps import AppConfig
from django.conf import settings


class AccountsConfig(AppConfig):
    name = "aipal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from aipal.settings.refusals import refuse_unsafe_settings

        refuse_unsafe_settings(settings)

        from aipal.accounts import schema  # noqa: F401  (registers the token's OpenAPI scheme)
        from aipal.accounts.tokens import connect_revocation

        connect_revocation()
