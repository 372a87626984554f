"""WhiteNoise in MIDDLEWARE leaves the fast path on: it answers paths under STATIC_URL only,
never one the fast path answers; where it could (WHITENOISE_ROOT, a static prefix over
/api/users/), the fast path turns itself off."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from aipal.fastpath.envelope import unknown_middleware
from tests.wsgi_client import WSGIClient, answered_by_fast_path, fast_path_count

pytestmark = pytest.mark.django_db

WHITENOISE = "whitenoise.middleware.WhiteNoiseMiddleware"


def test_whitenoise_is_in_the_stack_right_after_the_security_middleware():
    middleware = django_settings.MIDDLEWARE
    assert middleware[middleware.index("django.middleware.security.SecurityMiddleware") + 1] == WHITENOISE
    assert unknown_middleware() == []


def test_hits_are_answered_by_the_fast_path_as_the_view_answers_them(user, token, data):
    url = f"/api/users/{user.id}/goals/{data['goal'].id}"
    fast = WSGIClient(token=token)
    fast.get(url)  # fills the entry
    hit = answered_by_fast_path(fast, url)
    view = WSGIClient(token=token, fast_path=False).get(url)
    assert (hit.status, hit.headers, hit.body) == (view.status, view.headers, view.body)


@pytest.mark.parametrize(
    "change",
    [
        {"WHITENOISE_ROOT": "<tmp>"},
        {"STATIC_URL": "/"},
        {"STATIC_URL": "/api/"},
        {"WHITENOISE_STATIC_PREFIX": "/api/users/x/"},
    ],
)
def test_whitenoise_that_could_answer_an_api_path_turns_the_fast_path_off(settings, user, token, change, tmp_path):
    for name, value in change.items():
        setattr(settings, name, tmp_path if value == "<tmp>" else value)
    assert unknown_middleware() == [WHITENOISE]
    url = f"/api/users/{user.id}/goals"
    wsgi = WSGIClient(token=token)
    wsgi.get(url)
    before = fast_path_count("hit")
    assert wsgi.get(url).status == 200
    assert fast_path_count("hit") == before
