"""seed_demo: demo accounts with data, idempotent, deterministic, tokens printed; refused
with DEBUG off unless forced."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from knox.models import AuthToken

from ari.models import ARISnapshot
from cachehealth.demo import DemoRefused, seed_demo
from goals.models import Goal
from tasks.models import Task

pytestmark = pytest.mark.django_db
User = get_user_model()


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return (User.objects.count(), ARISnapshot.objects.count(), Goal.objects.count(), Task.objects.count())


@pytest.fixture(autouse=True)
def debug_on(settings):
    """Seed as ``make run`` does (aipal.settings.local: DEBUG on); refusal tests turn it off."""
    settings.DEBUG = True


@pytest.mark.parametrize("args", [(), ("--if-empty",), ("--seed", "7")])
def test_refused_with_debug_off(settings, args):
    settings.DEBUG = False
    with pytest.raises(CommandError, match=r"DEBUG is off.*well-known passwords.*--force"):
        seed(*args)
    assert counts() == (0, 0, 0, 0)


def test_refused_with_debug_off_even_when_if_empty_would_skip(settings, user):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        seed("--if-empty")


def test_the_service_refuses_too(settings):
    settings.DEBUG = False
    with pytest.raises(DemoRefused):
        seed_demo()
    assert counts() == (0, 0, 0, 0)


def test_force_seeds_with_debug_off(settings):
    settings.DEBUG = False
    output = seed("--force")
    assert "Seeded 4 new accounts" in output
    assert User.objects.filter(username="admin", is_superuser=True).exists()


def test_seed_creates_accounts_and_data():
    output = seed()
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser and admin.check_password("admin-pass-123")
    for username in ("alice", "bob"):
        user = User.objects.select_related("profile").get(username=username)
        assert user.check_password("demo-pass-123")
        assert user.profile.display_name and user.profile.learning_style and user.profile.preferences
        assert ARISnapshot.objects.filter(user=user).count() == 30
        assert set(Goal.objects.filter(user=user).values_list("status", flat=True)) == {
            "active",
            "completed",
            "abandoned",
        }
        tasks = Task.objects.filter(user=user)
        assert set(tasks.values_list("status", flat=True)) == {"pending", "running", "completed", "failed"}
        assert tasks.filter(goal__isnull=False).exists() and tasks.filter(goal__isnull=True).exists()
    assert output.count("token=") == 4
    assert AuthToken.objects.count() == 4  # one per created account, shown once


def test_printed_tokens_work(anon_api):
    output = seed()
    token = next(part.removeprefix("token=") for part in output.split() if part.startswith("token="))
    anon_api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anon_api.get("/api/users/me").status_code == 200


def test_seed_is_idempotent():
    seed()
    before = counts()
    tokens = set(AuthToken.objects.values_list("digest", flat=True))
    output = seed()
    assert counts() == before
    assert set(AuthToken.objects.values_list("digest", flat=True)) == tokens
    assert "(created)" not in output


def test_if_empty_does_nothing_when_a_user_exists(user):
    assert "nothing seeded" in seed("--if-empty")
    assert counts() == (1, 0, 0, 0)


def test_seed_is_deterministic():
    seed("--seed", "7")
    first = list(ARISnapshot.objects.filter(user__username="alice").order_by("timestamp").values_list("engagement"))
    User.objects.all().delete()
    seed("--seed", "7")
    again = list(ARISnapshot.objects.filter(user__username="alice").order_by("timestamp").values_list("engagement"))
    assert first == again


def test_seed_works_with_the_embedded_backend(settings):
    settings.AIPAL_CACHE = {
        **settings.AIPAL_CACHE,
        "BACKEND_LABEL": "fakeredis (embedded, this process only)",
        "EMBEDDED": True,
    }
    assert "alice" in seed()
