"""Warnings about Redis's memory settings, read from INFO memory (no CONFIG GET needed).

What each setting means for this cache:

- ``maxmemory`` 0 (no limit, Redis's default): the cache works, but Redis grows until the
  machine swaps or the OOM killer stops it.
- ``maxmemory`` set with ``noeviction``: once memory is full Redis refuses every write,
  so fills, invalidations (generation bumps, replayed later from the outbox) and
  throttle counts fail: it breaks the cache as soon as memory fills, whatever today's
  usage.
- ``maxmemory`` set with ``volatile-*``: only keys with a TTL are evicted. Every key of
  this app has one, but keys of another app without a TTL can still fill memory, then
  writes fail as with ``noeviction``.
- ``allkeys-lru``, ``allkeys-lfu``, ``allkeys-random``: what a cache wants. An evicted
  entry is a miss; an evicted generation hash makes its entries unreadable (never stale).

Each is a warning in cache-health's ``warnings``; none changes its ``status``, which
API.md defines by the connection and the PING alone. INFO fields that cannot be read
(the embedded fakeredis has no INFO) give no warning.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MemoryPolicyReport", "memory_policy_report"]


@dataclass(frozen=True)
class MemoryPolicyReport:
    warnings: tuple[str, ...] = ()


def memory_policy_report(maxmemory: int | None, policy: str | None) -> MemoryPolicyReport:
    """Return the warnings ``maxmemory`` and ``maxmemory-policy`` call for."""
    if maxmemory is None or policy is None:
        return MemoryPolicyReport()
    if maxmemory == 0:
        return MemoryPolicyReport(
            ("Redis has no maxmemory: it grows without limit; set maxmemory and maxmemory-policy allkeys-lru.",)
        )
    if policy == "noeviction":
        return MemoryPolicyReport(
            (
                "Redis maxmemory-policy is noeviction: once maxmemory is reached every write fails "
                "(fills, invalidations, throttles); use allkeys-lru.",
            )
        )
    if policy.startswith("volatile-"):
        return MemoryPolicyReport(
            (
                f"Redis maxmemory-policy is {policy}: keys without a TTL (of other apps) are never "
                "evicted and can still fill memory; allkeys-lru is safer.",
            )
        )
    return MemoryPolicyReport()
