"""A REDIS_URL the app cannot use stops start-up with a message naming it (it used to let
the server start and answer every request, /api/health included, with a 500)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from aipal.settings.redis_target import RedisTarget, cache_backend, topology_nodes, usable_redis_url
from tests.security.processes import run_python


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "redis://:secret@redis:6379/0",
        "rediss://cache.example.com:6380",
        "redis://localhost",
        "unix:///run/redis/redis.sock?db=2",
        "redis+cluster://127.0.0.1:7000",
        "redis+cluster://:secret@10.0.0.1:7000,10.0.0.2:7000,[::1]:7001/0",
        "redis+sentinel://127.0.0.1:26379/mymaster",
        "redis+sentinel://app:secret@s1:26379,s2:26379,s3:26379/mymaster/2",
    ],
)
def test_urls_redis_py_can_use_are_kept(url):
    assert usable_redis_url(url) == url


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("memcached://127.0.0.1:11211", "must specify one of the following schemes"),
        ("rediss+cluster://127.0.0.1:7000", "must specify one of the following schemes"),
        ("redis+cluster://127.0.0.1", "every node must be host:port"),
        ("redis+cluster://127.0.0.1:7000,:7001", "every node must be host:port"),
        ("redis+cluster://127.0.0.1:70000", "every node must be host:port"),
        ("redis+cluster://127.0.0.1:7000/3", "database 0 only"),
        ("redis+cluster://127.0.0.1:7000?timeout=1", "no query string"),
        ("redis+sentinel://127.0.0.1:26379", "/<service_name>[/<db>]"),
        ("redis+sentinel://127.0.0.1:26379/mymaster/zero", "must be a number"),
        ("redis+sentinel://127.0.0.1:26379/a/0/extra", "/<service_name>[/<db>]"),
        ("redis://127.0.0.1:notaport/0", "Port could not be cast"),
        ("redis://127.0.0.1:6379/zero", "must be a number"),
        ("redis:///0", "names no host"),
    ],
)
def test_urls_it_cannot_use_are_refused_by_name(url, says):
    with pytest.raises(ImproperlyConfigured, match="REDIS_URL") as refused:
        usable_redis_url(url)
    assert says in str(refused.value)


@pytest.mark.parametrize(
    "url",
    [
        "redis://:hunter2@127.0.0.1:6379/zero",
        "redis+cluster://app:hunter2@127.0.0.1:7000,127.0.0.1:x",
        "redis+sentinel://:hunter2@127.0.0.1:26379",
    ],
)
def test_a_password_never_appears_in_the_refusal(url):
    with pytest.raises(ImproperlyConfigured) as refused:
        usable_redis_url(url)
    assert "hunter2" not in str(refused.value) and ":***@" in str(refused.value)


def test_topology_urls_become_django_redis_settings():
    options = {"CLIENT_CLASS": "django_redis.client.DefaultClient"}
    cluster = cache_backend(RedisTarget("redis+cluster://:pw@10.0.0.1:7000,10.0.0.2:7000", "redis"), options)
    assert cluster["LOCATION"] == ["redis+cluster://:pw@10.0.0.1:7000,10.0.0.2:7000"]  # not split on commas
    assert cluster["OPTIONS"]["CONNECTION_FACTORY"] == "aipal.cache.client.topology.ClusterConnectionFactory"
    nodes = topology_nodes("redis+cluster://:pw@10.0.0.1:7000,10.0.0.2:7000")
    assert nodes.addresses == (("10.0.0.1", 7000), ("10.0.0.2", 7000)) and nodes.password == "pw"

    sentinel = cache_backend(RedisTarget("redis+sentinel://u:p%40ss@s1:26379,s2:26380/main/2", "redis"), options)
    assert sentinel["LOCATION"] == ["redis://u:p%40ss@main/2"]
    assert sentinel["OPTIONS"]["SENTINELS"] == [("s1", 26379), ("s2", 26380)]
    assert sentinel["OPTIONS"]["CONNECTION_FACTORY"] == "django_redis.pool.SentinelConnectionFactory"
    single = cache_backend(RedisTarget("redis://127.0.0.1:6379/1", "redis"), options)
    assert single == {"LOCATION": "redis://127.0.0.1:6379/1", "OPTIONS": options}


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
