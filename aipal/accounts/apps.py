from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "aipal.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from aipal.accounts.tokens import connect_revocation

        connect_revocation()
