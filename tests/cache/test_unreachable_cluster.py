"""A Redis Cluster no startup node answers for (an app server started during an outage, or
cut off from the cluster) is an outage like any other: reads answer BYPASS from the
database, writes commit and keep their invalidations in the outbox, health says 503.
RedisCluster reads the slot map when it is built, so the client itself cannot be made.
"""

from __future__ import annotations

import pytest

from aipal.cache import client, epoch
from aipal.cache.models import PendingInvalidation
from tests.conftest import free_port, point_cache_at
from tests.wsgi_client import WSGIClient

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def unreachable_cluster(settings):
    point_cache_at(settings, f"redis+cluster://127.0.0.1:{free_port()},127.0.0.1:{free_port()}")
    yield
    client.reset_breaker()
    epoch.forget()


def test_reads_answer_bypass_and_writes_keep_their_invalidations(unreachable_cluster, api, user, token):
    listed = api.get(f"/api/users/{user.id}/goals")
    assert (listed.status_code, listed["X-Cache"]) == (200, "BYPASS")
    fast = WSGIClient(token=token).get(f"/api/users/{user.id}/goals")
    assert (fast.status, fast.header("X-Cache")) == (200, "BYPASS")
    kept = PendingInvalidation.objects.filter(user_id=user.id).count()

    created = api.post(f"/api/users/{user.id}/goals", {"description": "written while Redis is away"}, format="json")

    assert created.status_code == 201
    assert PendingInvalidation.objects.filter(user_id=user.id).count() == kept + 1  # kept for replay, not lost


def test_health_says_unhealthy_with_503(unreachable_cluster, anon_api):
    response = anon_api.get("/api/system/cache-health")
    assert response.status_code == 503
    assert response.json()["redis_connected"] is False
