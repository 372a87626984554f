from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "aipal.accounts"
    label = "accounts"
    verbose_name = "Accounts"
