"""``python -m bench.perf``: throughput, latency and costs of the cached API against its baselines."""
