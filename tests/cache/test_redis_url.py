"""A REDIS_URL the app cannot use stops start-up with a message naming it (it used to let
the server start and answer every request, /api/health included, with a 500)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from aipal.settings.redis_target import usable_redis_url
from tests.security.processes import run_python


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "redis://:secret@redis:6379/0",
        "rediss://cache.example.com:6380",
        "redis://localhost",
        "unix:///run/redis/redis.sock?db=2",
    ],
)
def test_urls_redis_py_can_use_are_kept(url):
    assert usable_redis_url(url) == url


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("memcached://127.0.0.1:11211", "must specify one of the following schemes"),
        ("redis+cluster://127.0.0.1:7000", "must specify one of the following schemes"),
        ("redis://127.0.0.1:notaport/0", "Port could not be cast"),
        ("redis://127.0.0.1:6379/zero", "must be a number"),
        ("redis:///0", "names no host"),
    ],
)
def test_urls_it_cannot_use_are_refused_by_name(url, says):
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL") as refused:
        usable_redis_url(url)
    assert says in str(refused.value)


def test_a_password_never_appears_in_the_refusal():
    with pytest.raises(ImproperlyConfigured) as refused:
        usable_redis_url("redis://:hunter2@127.0.0.1:6379/zero")
    assert "hunter2" not in str(refused.value) and ":***@" in str(refused.value)


def test_manage_py_and_the_wsgi_application_refuse_to_start():
    for args in (["manage.py", "check"], ["-c", "import aipal.wsgi"]):
        done = run_python(
            args,
            DJANGO_SETTINGS_MODULE="aipal.settings.local",
            DJANGO_DEBUG="true",
            REDIS_URL="memcached://127.0.0.1:11211",
        )
        assert done.returncode != 0, args
        assert "REDIS_URL" in done.stderr.splitlines()[-1], (args, done.stderr[-500:])
