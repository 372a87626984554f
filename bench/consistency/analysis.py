"""Stale reads and the figures of a run.

A read of resource R that started at ``ts`` is stale when some version k of R had
already returned to its writer before ``ts`` (``returned[k] < ts``) but the read saw a
version older than k. Its staleness is how long before ``ts`` the first version newer
than what it saw had returned. Return times are taken after the whole response was
read, so they are never earlier than the true return: a stale read is never invented.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bench.consistency.workload import RESOURCES, WRITTEN_BY, Episode, Read, Revocations

MAX_EXAMPLES = 10
# Seconds after a failover completed in which BYPASS answers are still its cost (a
# circuit breaker opened during it closes only after its reset time).
FAILOVER_TAIL = 5.0


def _during(episodes: Sequence[Episode], at: float, before: float = 0.5, after: float = 1.0) -> str:
    """Name the Redis episode a read started near (it may have been in flight when Redis went)."""
    for episode in episodes:
        if episode.started - before <= at <= episode.ended + after:
            return episode.kind
    return ""


def _failover_cost(reads: Sequence[Read], episode: Episode) -> dict[str, int]:
    """Count the BYPASS answers to reads that started during a failover, and just after it."""
    bypassed = [read.started for read in reads if read.x_cache == "BYPASS"]
    during = sum(1 for at in bypassed if episode.started <= at <= episode.ended)
    after = sum(1 for at in bypassed if episode.ended < at <= episode.ended + FAILOVER_TAIL)
    return {"bypass": during, "bypass_after": after}


def analyse(
    reads: Iterable[Read],
    returned: Mapping[str, Sequence[tuple[int, float]]],
    *,
    start: float,
    elapsed: float,
    episodes: Sequence[Episode],
    errors: Counter,
    revocations: Revocations | None = None,
) -> dict[str, Any]:
    """Return the figures of a run as a JSON-ready dict."""
    revocations = revocations or Revocations()
    times = {name: [t for _, t in rows] for name, rows in returned.items()}
    versions = {name: [v for v, _ in rows] for name, rows in returned.items()}
    x_cache: Counter = Counter()
    per_resource = {name: {"reads": 0, "stale": 0, "HIT": 0, "MISS": 0, "BYPASS": 0} for name in RESOURCES}
    stale, longest, examples = 0, 0.0, []
    total = 0
    ordered = sorted(reads, key=lambda r: r.started)
    for read in ordered:
        total += 1
        figures = per_resource[read.resource]
        figures["reads"] += 1
        if read.status == 200:
            x_cache[read.x_cache] += 1
            figures[read.x_cache] = figures.get(read.x_cache, 0) + 1
        writer = WRITTEN_BY[read.resource]
        done = bisect.bisect_left(times[writer], read.started)  # versions returned before the read started
        if done == 0 or read.version >= versions[writer][done - 1]:
            continue
        expected = versions[writer][done - 1]
        newer = bisect.bisect_right(versions[writer], read.version)  # first returned version above the one seen
        staleness = read.started - times[writer][newer]
        stale += 1
        figures["stale"] += 1
        longest = max(longest, staleness)
        if len(examples) < MAX_EXAMPLES:
            examples.append(
                {
                    "resource": read.resource,
                    "at_s": round(read.started - start, 3),
                    "saw": read.version,
                    "expected_at_least": expected,
                    "x_cache": read.x_cache,
                    "staleness_ms": round(staleness * 1000, 1),
                    "during": _during(episodes, read.started) or "steady",
                }
            )
    writes = {name: len(rows) for name, rows in returned.items()}
    return {
        "reads": total,
        "writes": sum(writes.values()),
        "stale_reads": stale,
        "longest_staleness_ms": round(longest * 1000, 1),
        "errors": sum(errors.values()),
        "errors_by_kind": dict(errors),
        "x_cache": {"HIT": x_cache["HIT"], "MISS": x_cache["MISS"], "BYPASS": x_cache["BYPASS"], **x_cache},
        "restarts": sum(1 for e in episodes if e.kind == "restart"),
        "pauses": sum(1 for e in episodes if e.kind == "pause"),
        "failovers": sum(1 for e in episodes if e.kind == "failover"),
        "reads_per_second": round(total / elapsed, 1) if elapsed > 0 else 0.0,
        "seconds": round(elapsed, 1),
        "writes_by_resource": writes,
        "by_resource": per_resource,
        "episodes": [
            {
                "kind": e.kind,
                "at_s": round(e.started - start, 2),
                "down_s": round(e.ended - e.started, 2),
                **({"old_keys_back": e.keys_back} if e.keys_back is not None else {}),
                **(_failover_cost(ordered, e) if e.kind == "failover" else {}),
            }
            for e in episodes
        ],
        "stale_examples": examples,
        "revoked_tokens": revocations.revoked,
        "revoked_token_reads": revocations.checks,
        "revoked_tokens_accepted": revocations.accepted,
        "revoked_examples": revocations.samples,
    }


def _servers(setup: Mapping[str, Any]) -> str:
    count = setup.get("app_servers", 1)
    return f"{count} app servers, each " if count > 1 else ""


def render(figures: Mapping[str, Any], setup: Mapping[str, Any]) -> str:
    """Return the readable block of figures."""
    cache = figures["x_cache"]
    lines = [
        "AI-PAL consistency check",
        f"  service     {_servers(setup)}gunicorn {setup['workers']} sync workers, {setup['readers']} readers, "
        "3 writers, "
        f"PostgreSQL {setup['database']}, Redis {setup['redis']}",
        f"  duration    {figures['seconds']} s",
        f"  reads       {figures['reads']} ({figures['reads_per_second']}/s)",
        f"  writes      {figures['writes']} "
        + " ".join(f"{name}={count}" for name, count in figures["writes_by_resource"].items()),
        f"  stale reads {figures['stale_reads']}",
        f"  longest staleness {figures['longest_staleness_ms']} ms",
        f"  errors      {figures['errors']}",
        f"  X-Cache     HIT={cache['HIT']} MISS={cache['MISS']} BYPASS={cache['BYPASS']}",
        f"  restarts    {figures['restarts']}  pauses {figures['pauses']}  failovers {figures.get('failovers', 0)}",
        f"  revocations {figures['revoked_tokens']} tokens revoked, {figures['revoked_token_reads']} reads with them"
        f" after the logout, {figures['revoked_tokens_accepted']} accepted",
    ]
    log = figures.get("service_log")
    if log:
        lines.append(
            f"  service log {log['errors']} error and {log['warnings']} warning lines, {log['tracebacks']} tracebacks"
        )
    for server in figures.get("app_servers", []):
        lines.append(
            f"  app server  {server['server']} :{server['port']} {server['workers']} workers: {server['role']}, "
            f"{server['writes']} writes, {server['reads']} reads"
        )
    lines.append("  per resource:")
    for name, row in figures["by_resource"].items():
        lines.append(
            f"    {name:<11} reads={row['reads']:<6} stale={row['stale']:<4} "
            f"HIT={row['HIT']} MISS={row['MISS']} BYPASS={row['BYPASS']}"
        )
    for episode in figures["episodes"]:
        if episode["kind"] == "failover":
            lines.append(
                f"  failover at {episode['at_s']} s, master killed, replica promoted after {episode['down_s']} s: "
                f"{episode['bypass']} BYPASS answers during it, "
                f"{episode['bypass_after']} in the {FAILOVER_TAIL:.0f} s after"
            )
            continue
        back = f", {episode['old_keys_back']} old keys back" if "old_keys_back" in episode else ""
        state = "killed" if episode["kind"] == "restart" else "frozen"
        lines.append(f"  {episode['kind']:<8} at {episode['at_s']} s, Redis {state} for {episode['down_s']} s{back}")
    for kind, count in sorted(figures["errors_by_kind"].items()):
        lines.append(f"  error       {count} x {kind}")
    for example in figures["revoked_examples"]:
        lines.append(f"  revoked     {example}")
    for example in figures["stale_examples"]:
        lines.append(
            f"  stale       {example['resource']} at {example['at_s']} s saw v{example['saw']} "
            f"(v{example['expected_at_least']} had returned), X-Cache {example['x_cache']}, "
            f"{example['staleness_ms']} ms stale, {example['during']}"
        )
    return "\n".join(lines)
