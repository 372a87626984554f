"""App config of the cache layer: wires model signals and registers system checks."""

import logging

from django.apps import AppConfig

log = logging.getLogger("aipal.cache")


class AipalCacheConfig(AppConfig):
    name = "aipal.cache"
    label = "aipal_cache"
    verbose_name = "Cache"

    def ready(self) -> None:
        from aipal.cache import checks  # noqa: F401  (registers the checks)
        from aipal.cache.conf import cache_settings
        from aipal.cache.invalidation import connect_model_rules

        connect_model_rules()
        conf = cache_settings()
        if conf.embedded:
            log.warning("No Redis answered on 127.0.0.1:6379 and REDIS_URL is unset: using %s.", conf.backend_label)
