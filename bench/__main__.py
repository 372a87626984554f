"""``python -m bench``: list the benchmarks and checkers and how to run them."""

from __future__ import annotations

import sys
import textwrap

BENCHMARKS = (
    (
        "perf",
        "make bench. Starts a private PostgreSQL and Redis, loads 1,000 users of data, and measures "
        "this project (cache on and off) against a naive cache-aside pattern (django-redis get/set in "
        "DRF views, delete on write), plain DRF views and a bare "
        "Django JSON view under gunicorn: req/s, p50, p99, errors and hit rate per endpoint, SQL "
        "statements and Redis commands and round trips per request, memory per user. Writes "
        "docs/benchmarks.md.",
        (
            "python -m bench.perf",
            "python -m bench.perf --users 200 --seconds 5 --rounds 1 --targets cache-on,floor",
            "python -m bench.perf --profile   (py-spy samples of each target)",
        ),
    ),
    (
        "consistency",
        "Starts gunicorn (3+ sync workers) on PostgreSQL and a private Redis, runs concurrent "
        "writers and readers on one goal, task list, ARI latest and dashboard, and counts stale "
        "reads (a read started after write k returned that saw data older than k). Optionally "
        "kills and restarts Redis from its own snapshot, or pauses it, mid-run. Exit 0 only "
        "with no stale read and no error.",
        (
            "python -m bench.consistency --seconds 60",
            "python -m bench.consistency --seconds 300 --restarts 3 --pauses 2 --outage-seconds 2",
            "python -m bench.consistency --help",
        ),
    ),
)


def main() -> int:
    print("AI-PAL benchmarks and checkers (run from the project root with the virtualenv's python):\n")
    for name, about, examples in BENCHMARKS:
        print(f"  {name}")
        print(textwrap.fill(about, width=100, initial_indent="    ", subsequent_indent="    "))
        for example in examples:
            print(f"      {example}")
        print()
    print("They need PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)")
    print("and the redis-server binary; each starts and stops its own Redis and gunicorn.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
