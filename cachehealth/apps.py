from django.apps import AppConfig


class CacheHealthConfig(AppConfig):
    name = "cachehealth"
    verbose_name = "Cache health"
