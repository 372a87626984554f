"""N concurrent misses on one key cost one database load; the others get the filled value."""

from __future__ import annotations

import threading
import time

import pytest

from aipal.cache.aside import CacheStatus, get_or_fill
from aipal.cache.keys import DASHBOARD

pytestmark = pytest.mark.integration

READERS = 12


def test_concurrent_misses_load_once():
    key = DASHBOARD.key(user_id=990001)
    loads = []
    results = []
    start = threading.Barrier(READERS)

    def slow_loader():
        loads.append(1)
        time.sleep(0.3)
        return {"generated": "once"}

    def reader() -> None:
        start.wait()
        results.append(get_or_fill(key, slow_loader))

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert len(results) == READERS
    assert len(loads) == 1, f"{len(loads)} loads for {READERS} concurrent misses"
    assert {r.body for r in results} == {b'{"generated":"once"}'}
    assert sorted(r.status for r in results).count(CacheStatus.MISS) == 1
