from django.apps import AppConfig


class AriConfig(AppConfig):
    name = "ari"
    verbose_name = "ARI snapshots"
