"""A database error on a live connection is a 500 like any other; only a database that
cannot be reached is a 503 (tests/integration/test_database_outage.py)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from tests.api.helpers import goals_url

pytestmark = pytest.mark.django_db


def test_a_deadlock_on_a_live_connection_is_a_500_not_an_outage(api, user, monkeypatch, settings):
    from goals import selectors

    settings.AIPAL_CACHE = {**settings.AIPAL_CACHE, "ENABLED": False}

    def deadlock(**kwargs):  # type: ignore[no-untyped-def]
        raise OperationalError("deadlock detected")

    monkeypatch.setattr(selectors, "goal_list", deadlock)
    api.raise_request_exception = False
    response = api.get(goals_url(user.id))
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}
