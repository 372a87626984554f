"""Cache health: the health checker, statistics, metrics, admin cache page and cache_* commands."""
