"""Response shapes of the system endpoints, for the OpenAPI schema only (bodies are built as dicts).

NOTE: the status fields are plain strings with their values in ``help_text``: as enums
they would collide with the goal and task ``status`` enums in the schema's components.
"""

from rest_framework import serializers

from cachehealth.health import HealthStatus
from cachehealth.probe import InvalidationCheck

_CACHE_STATUSES = ", ".join(s.value for s in HealthStatus)
_PROBE_OUTCOMES = ", ".join(c.value for c in InvalidationCheck)


class CacheHealthSerializer(serializers.Serializer):
    redis_connected = serializers.BooleanField()
    response_time_ms = serializers.FloatField(allow_null=True, help_text="Round trip of a PING.")
    memory_used_mb = serializers.FloatField(
        allow_null=True, help_text="Redis's used_memory in MiB: the whole server's, other apps' data included."
    )
    keys_count = serializers.IntegerField(
        allow_null=True, help_text="Keys under CACHE_KEY_PREFIX, bookkeeping keys included (a few seconds old)."
    )
    hit_rate = serializers.FloatField(allow_null=True, help_text="Hits / (hits + misses) over every process.")
    evictions_per_minute = serializers.FloatField(allow_null=True)
    errors_count = serializers.IntegerField(help_text="Redis errors of the answering process.")
    backend = serializers.CharField()
    timestamp = serializers.DateTimeField()
    status = serializers.CharField(
        help_text=f"One of {_CACHE_STATUSES}: connected with a PING under 10 ms, connected but slow, not connected."
    )
    invalidation = serializers.CharField(
        allow_null=True,
        help_text=f"End-to-end invalidation probe: one of {_PROBE_OUTCOMES}; null if disconnected or the cache is off.",
    )
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text="Redis settings or figures that need attention."
    )


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="ok, or unavailable when the database does not answer.")
    database = serializers.BooleanField()
    cache = serializers.CharField(help_text=f"The cache status: one of {_CACHE_STATUSES}.")
