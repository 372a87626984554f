"""After an outage nothing cached before it is served if its data changed during it.

Both ways an outage leaves old entries behind are covered: Redis restarting from its
own snapshot (old entries *and* old generations come back), and one process that could
not reach Redis while the others could (its invalidations wait in the outbox).
"""

from __future__ import annotations

import time

import pytest
import redis

from aipal.cache import background, client, recovery
from aipal.cache.models import PendingInvalidation
from goals.models import Goal
from tests.conftest import client_for, free_port
from tests.factories import UserFactory
from tests.integration.conftest import RedisServer

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def persistent_redis(tmp_path):
    server = RedisServer(free_port(), "--dir", str(tmp_path), "--dbfilename", "dump.rdb")
    server.start()
    yield server
    server.remove()


def _goal_reader():  # type: ignore[no-untyped-def]
    user = UserFactory()
    goal = Goal.objects.create(user=user, description="v1")
    return client_for(user), f"/api/users/{user.id}/goals/{goal.id}"


def test_redis_restarting_from_an_old_snapshot_serves_nothing_stale(persistent_redis, app_on):
    app_on(persistent_redis.url)
    api, url = _goal_reader()
    api.get(url)
    assert api.get(url)["X-Cache"] == "HIT"
    raw = redis.Redis(port=persistent_redis.port)
    raw.save()  # the snapshot holds the v1 entry and the generations that match it

    assert api.patch(url, {"description": "v2"}, format="json").status_code == 200
    assert api.get(url).json()["description"] == "v2"

    raw.shutdown(nosave=True)  # crash: the v2 invalidation is not in the snapshot
    persistent_redis.process.wait(10)
    persistent_redis.start()
    assert any(b"goals" in k for k in raw.scan_iter("*"))  # the stale v1 entry is back

    bodies = [api.get(url) for _ in range(4)]
    assert [b.json()["description"] for b in bodies] == ["v2"] * 4
    assert bodies[-1]["X-Cache"] == "HIT"


def test_a_process_cut_off_from_redis_replays_before_serving_again(redis_server, app_on):
    app_on(redis_server.url)
    api, url = _goal_reader()
    api.get(url)
    assert api.get(url)["X-Cache"] == "HIT"

    app_on(f"redis://127.0.0.1:{free_port()}/0")  # this process alone loses Redis
    assert api.patch(url, {"description": "v2"}, format="json").status_code == 200
    assert PendingInvalidation.objects.count() == 1

    app_on(redis_server.url)  # reachable again: the pending bump is applied first
    response = api.get(url)
    assert response.json()["description"] == "v2"
    assert PendingInvalidation.objects.count() == 0


def test_other_processes_drain_the_outbox_within_the_poll_interval(redis_server, app_on, settings):
    app_on(redis_server.url)
    api, url = _goal_reader()
    api.get(url)
    app_on(f"redis://127.0.0.1:{free_port()}/0")
    api.patch(url, {"description": "v2"}, format="json")
    assert PendingInvalidation.objects.count() == 1

    # Now act as another process: it reaches Redis and never saw a failure.
    app_on(redis_server.url)
    recovery._clean_at = (client.failure_count(), recovery._recorded)
    stale = api.get(url)
    assert (stale.json()["description"], stale["X-Cache"]) == ("v1", "HIT")  # the accepted window

    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "OUTBOX_POLL_SECONDS": 0.1}
    background.ensure_started()
    deadline = time.monotonic() + 5
    while PendingInvalidation.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert api.get(url).json()["description"] == "v2"


def test_a_redis_refusing_writes_still_serves_nothing_stale(app_on):
    """maxmemory with noeviction refuses the bump (kept in the outbox) and every script
    that may write, reads included: they all fall back to the database."""
    server = RedisServer(free_port(), "--maxmemory", "4mb", "--maxmemory-policy", "noeviction")
    server.start()
    try:
        app_on(server.url)
        api, url = _goal_reader()
        api.get(url)
        assert api.get(url)["X-Cache"] == "HIT"
        raw = redis.Redis(port=server.port)
        with pytest.raises(redis.exceptions.ResponseError, match="maxmemory"):
            for i in range(10_000):
                raw.set(f"filler:{i}", b"x" * 65536)

        assert api.patch(url, {"description": "v2"}, format="json").status_code == 200
        recovery._clean_at = (client.failure_count(), recovery._recorded)  # as another process
        for _ in range(3):
            assert api.get(url).json()["description"] == "v2"
    finally:
        server.remove()
