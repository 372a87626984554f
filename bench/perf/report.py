"""The benchmark's report: console lines while it runs, and ``docs/benchmarks.md`` at the end.

Throughputs are those of the median round (by req/s; the upper-middle one for an even
number of rounds), the round the per-endpoint and cost tables show too. A ratio is
computed inside each round (the two targets measured minutes apart on the same machine)
and its median reported with the per-round values, so a machine busy in one round cannot
make one target look better.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Iterable, Iterator
from datetime import datetime

from bench.perf.run import Measured
from bench.perf.targets import TARGETS

__all__ = ["line", "render"]

# The wrk script (workload.lua, WRITES) names its write endpoints by method: post_ari, patch_goal...
WRITE_PREFIXES = ("post_", "patch_")
WORKLOADS = {"mix": "mix (95% GET / 5% writes)", "hit": "hit-only", "write": "writes-only"}
# (label, numerator (target, workload), denominator, goal)
RATIOS = (
    ("hit-only: cache-on / floor", ("cache-on", "hit"), ("floor", "hit"), 0.8),
    ("mix: cache-on / cache-off", ("cache-on", "mix"), ("cache-off", "mix"), 5.0),
    ("mix: cache-on / naive", ("cache-on", "mix"), ("naive", "mix"), 3.0),
    ("mix: cache-off / plain-drf", ("cache-off", "mix"), ("plain-drf", "mix"), 1.0),
    ("hit-only: cache-off / plain-drf", ("cache-off", "hit"), ("plain-drf", "hit"), 1.0),
    ("writes: cache-on / plain-drf", ("cache-on", "write"), ("plain-drf", "write"), None),
    ("hit-only: cache-on-throttled / cache-on", ("cache-on-throttled", "hit"), ("cache-on", "hit"), None),
    ("writes: cache-on-throttled / cache-on", ("cache-on-throttled", "write"), ("cache-on", "write"), None),
)


def line(m: Measured) -> str:
    cost = _costs(m)
    return (
        f"round {m.round or 'profile'} {m.target:<18} {m.workload:<6} {m.rps:8.0f} req/s"
        f"  p50 {m.latency['p50']:6.2f} ms  p99 {m.latency['p99']:6.2f} ms  errors {m.errors}"
        f"  SQL/req {cost['sql']:.2f}"
        f"  Redis RT/req {cost['round_trips']:.2f}"
    )


def _costs(m: Measured) -> dict[str, float]:
    n = max(m.requests, 1)
    commands = sum(m.redis["commands"].values())
    return {
        "sql": m.sql["statements"] / n,
        "data_sql": m.sql["data_statements"] / n,
        "commands": commands / n,
        "round_trips": m.redis["round_trips"] / n,
    }


def _by(results: Iterable[Measured], target: str, workload: str) -> list[Measured]:
    return sorted((m for m in results if (m.target, m.workload) == (target, workload)), key=lambda m: m.round)


def _median_run(runs: Iterable[Measured]) -> Measured | None:
    """The median round by req/s (the upper-middle one for an even count); None without runs."""
    ordered = sorted(runs, key=lambda m: m.rps)
    return ordered[len(ordered) // 2] if ordered else None


def _median_runs(results: list[Measured], names: list[str]) -> Iterator[tuple[str, str, Measured]]:
    """The median round of each target and workload that ran."""
    for name in names:
        for workload in WORKLOADS:
            median = _median_run(_by(results, name, workload))
            if median is not None:
                yield name, workload, median


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _mix_gets(m: Measured) -> tuple[int, int, int]:
    """(GET hits, GET misses, writes) of a mix run."""
    hits = misses = writes = 0
    for name, ep in m.endpoints.items():
        if name.startswith(WRITE_PREFIXES):
            writes += ep["requests"]
        else:
            hits += ep["cache"].get("HIT", 0)
            misses += ep["cache"].get("MISS", 0) + ep["cache"].get("BYPASS", 0)
    return hits, misses, writes


def _bounds(results: list[Measured]) -> list[str]:
    """What bounds cache-on's mix: its throughput if every GET were a hit, in each round."""
    rows = []
    for mix in _by(results, "cache-on", "mix"):
        same = {m.workload: m for m in results if m.target == "cache-on" and m.round == mix.round}
        others = {m.target: m for m in results if m.workload == "mix" and m.round == mix.round}
        if "hit" not in same or "write" not in same:
            continue
        ceiling = 1 / (0.95 / same["hit"].rps + 0.05 / same["write"].rps)
        hits, misses, writes = _mix_gets(mix)
        vs = [f"{ceiling / others[t].rps:.1f}x {t}" for t in ("cache-off", "naive") if t in others]
        rows.append(
            f"| {mix.round} | {mix.rps:,.0f} | {ceiling:,.0f} | {', '.join(vs)} |"
            f" {hits / max(hits + misses, 1):.1%} | {misses / max(writes, 1):.1f} |"
        )
    if not rows:
        return []
    return [
        "",
        "## What bounds the mix",
        "",
        "If every GET of the mix were a hit, cache-on could serve no more than its hit-only and writes-only"
        " throughputs of the same round mixed 95/5 (the *ceiling*). Every write invalidates the families"
        " the event table names for its user (a task write: the task, task lists, its goal, goal lists,"
        " the dashboard), and the next reads of those families by that user are misses: the GET misses"
        " per write below are what keeps the mix from its ceiling.",
        "",
        "| round | cache-on mix req/s | ceiling req/s | ceiling vs the mix of | GET hit rate | GET misses per write |",
        "|---|---|---|---|---|---|",
        *rows,
    ]


def render(
    results: list[Measured],
    memory: dict[str, dict[str, int]],
    args: argparse.Namespace,
    machine: dict,
    when: datetime,
    profiles: list[Measured] = (),  # type: ignore[assignment]
) -> str:
    names = [t.name for t in TARGETS if any(m.target == t.name for m in results)]
    out = [
        "# Benchmarks",
        "",
        f"Produced by `make bench` (`python -m bench.perf`) on {when:%Y-%m-%d %H:%M} UTC; every figure below comes",
        "from that one run. Re-run it to refresh this file.",
        "",
        "## Setup",
        "",
        f"- Machine: {machine['cores']} cores ({machine['cpu']}), Python {machine['python']}, {machine['postgres']},"
        f" {machine['redis']}, {machine['wrk']}.",
        f"- Data: {args.users:,} users x {args.snapshots} ARI snapshots, {args.goals} goals and {args.tasks} tasks"
        " each, bulk-loaded with COPY; one token per user.",
        f"- Servers: gunicorn with the project's `gunicorn.conf.py` ({args.workers} sync workers, access log on),"
        " production settings, DEBUG off; a private PostgreSQL with `pg_stat_statements` and a private Redis"
        " (`allkeys-lru`), all on this machine.",
        f"- Load: wrk, {args.connections} connections (one per thread), {args.seconds:g} s per run after"
        f" {args.seconds / 2 if args.warmup is None else args.warmup:g} s of the same workload unmeasured,"
        f" {args.rounds} interleaved rounds (each round runs every target, in a rotated order).",
        "- Workloads: **mix**: 95% GETs of the nine cached routes (dashboard 20%, goal list 14%, latest ARI 14%,"
        " task list 12%, profile 10%, ARI history 10%, a goal 8%, a task 7%, predictions 5%) and 5% writes"
        " (a snapshot, a goal, a goal PATCH, a task, a task PATCH), users drawn by Zipf (s = 1) and, for a"
        " goal or a task, one of the user's by Zipf too (the first the most read); **hit-only**:"
        " the same GETs on each user's cached URLs, warmed just before; **writes-only**: the writes.",
        "",
        "Targets:",
        "",
        *[f"- `{t.name}`: {t.about}" for t in TARGETS if t.name in names],
        "",
        "## Throughput (the median round)",
        "",
        "| target | " + " | ".join(f"{WORKLOADS[w]} req/s" for w in WORKLOADS) + " |",
        "|---|" + "---|" * len(WORKLOADS),
    ]
    for name in names:
        cells = []
        for workload in WORKLOADS:
            median = _median_run(_by(results, name, workload))
            cells.append(_fmt(median.rps if median else None))
        out.append(f"| {name} | " + " | ".join(cells) + " |")
    out += ["", "## Ratios (computed inside each round)", "", "| ratio | median | rounds | goal |", "|---|---|---|---|"]
    for label, top, bottom, goal in RATIOS:
        pairs = [
            (a.rps / b.rps) for a in _by(results, *top) for b in _by(results, *bottom) if a.round == b.round and b.rps
        ]
        if pairs:
            verdict = (
                "-"
                if goal is None
                else (f"at least {goal:g}x: " + ("met" if statistics.median(pairs) >= goal else "NOT met"))
            )
            rounds = ", ".join(f"{p:.2f}" for p in pairs)
            out.append(f"| {label} | {statistics.median(pairs):.2f}x | {rounds} | {verdict} |")
    out += _bounds(results)
    out += [
        "",
        "## Per endpoint (the median round of each target and workload)",
        "",
        "| target | workload | endpoint | req/s | p50 ms | p99 ms | errors | hit rate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, workload, m in _median_runs(results, names):
        out.append(
            f"| {name} | {workload} | **all** | {m.rps:,.0f} | {m.latency['p50']:.2f} | {m.latency['p99']:.2f}"
            f" | {m.errors} | |"
        )
        for endpoint, ep in sorted(m.endpoints.items(), key=lambda item: -item[1]["requests"]):
            rate = "-" if ep["hit_rate"] is None else f"{ep['hit_rate']:.1%}"
            figures = f"{ep['rps']:,.0f} | {ep['p50']:.2f} | {ep['p99']:.2f} | {ep['errors']}"
            out.append(f"| | | {endpoint} | {figures} | {rate} |")
    out += [
        "",
        "## What a request costs the servers (the median round)",
        "",
        "SQL statements from `pg_stat_statements` (all, and without BEGIN/COMMIT/SET); Redis commands from"
        " `INFO commandstats`; Redis round trips from `INFO stats` `total_reads_processed` (a script or a"
        " pipeline arrives in one read). Both include the background work of every running server (the"
        " outbox poll, the statistics flush), spread over the run's requests. CPU time from `/proc`: the"
        " target's gunicorn (master and workers), the Redis server, the PostgreSQL server (all its"
        " processes), per request; the load tool's is not counted. On this machine they all share the"
        " same cores; in a deployment Redis and PostgreSQL run elsewhere.",
        "",
        "| target | workload | SQL / req | data SQL / req | Redis commands / req | Redis round trips / req"
        " | Redis commands | CPU us / req: app, Redis, PostgreSQL |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, workload, m in _median_runs(results, names):
        c = _costs(m)
        top = ", ".join(
            f"{k} {v / max(m.requests, 1):.2f}" for k, v in sorted(m.redis["commands"].items(), key=lambda i: -i[1])[:4]
        )
        cpu = ", ".join(f"{m.cpu.get(k, 0) / max(m.requests, 1) * 1e6:,.0f}" for k in ("app", "redis", "postgres"))
        out.append(
            f"| {name} | {workload} | {c['sql']:.2f} | {c['data_sql']:.2f} | {c['commands']:.2f} |"
            f" {c['round_trips']:.2f} | {top} | {cpu} |"
        )
    profiled = [(m.target, m.workload, m) for m in profiles if m.profile]
    if profiled:
        out += [
            "",
            "## Where the time goes (py-spy, one worker, samples holding the GIL)",
            "",
            "From an extra round after the measured ones (py-spy's own cost stays out of the figures"
            " above). Each frame's share of the worker's computing samples, everything it calls included.",
        ]
        for name, workload, m in profiled:
            out += ["", f"**{name}, {workload}**", "", "| share | frame |", "|---|---|"]
            out += [f"| {share:.0%} | `{frame}` |" for frame, share in m.profile[:18]]
    out += ["", "## Redis memory of one active user's entries (`MEMORY USAGE`)", ""]
    for label, families in memory.items():
        total = sum(families.values())
        detail = ", ".join(f"{family} {size:,}" for family, size in sorted(families.items(), key=lambda i: -i[1]))
        out.append(f"- {label}: **{total:,} bytes** ({detail})")
    out.append("")
    return "\n".join(out)
