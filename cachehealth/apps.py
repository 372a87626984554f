"""App config of cache health: registers the Redis metrics collector at start-up."""

from django.apps import AppConfig


class CacheHealthConfig(AppConfig):
    name = "cachehealth"
    verbose_name = "Cache health"

    def ready(self) -> None:
        from cachehealth.metrics import register_collector

        register_collector()
