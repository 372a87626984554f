"""What `make run` says of its backends: one line for the database, one for Redis, no password."""

from __future__ import annotations

from pathlib import Path

import pytest

from aipal.settings.backends import database_label, describe, redis_label
from aipal.settings.redis_target import RedisTarget, embedded_target

ROOT = Path(__file__).resolve().parents[2]


def test_sqlite_is_named_by_its_file_in_the_project():
    database = {"ENGINE": "django.db.backends.sqlite3", "NAME": ROOT / "db.sqlite3"}
    assert database_label(database, base_dir=ROOT) == "SQLite db.sqlite3"
    assert (
        database_label({"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/x.db"}, base_dir=ROOT)
        == "SQLite /srv/x.db"
    )


def test_postgresql_is_named_without_its_password():
    database = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "aipal",
        "USER": "app",
        "PASSWORD": "s3cret-pw",
        "HOST": "db.internal",
        "PORT": 5432,
    }
    assert database_label(database) == "PostgreSQL aipal on db.internal:5432 (user app)"


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("redis://127.0.0.1:6379/0", "127.0.0.1:6379 (database 0)"),
        ("redis://:s3cret-pw@cache:6380/2", "cache:6380 (database 2)"),
        ("rediss://app:s3cret-pw@cache:6380", "cache:6380 (database 0, TLS) as app"),
        ("redis+cluster://app:s3cret-pw@a:7000,b:7001", "Cluster a:7000,b:7001 as app"),
        ("redis+sentinel://:s3cret-pw@s1:26379,s2:26379/mymaster/0", "Sentinel s1:26379,s2:26379 (service mymaster/0)"),
    ],
)
def test_redis_is_named_without_its_password(url, label):
    assert redis_label(RedisTarget(url=url, label="redis")) == label
    assert "s3cret" not in label


def test_the_embedded_fakeredis_says_it_is_this_process_only():
    assert redis_label(embedded_target()) == "embedded fakeredis (this process only)"


def test_describe_reads_the_settings_in_force(settings):
    settings.REDIS_TARGET = RedisTarget(url="redis://:pw@10.0.0.5:6379/3", label="redis")
    database = database_label(settings.DATABASES["default"], base_dir=Path(settings.BASE_DIR))
    assert describe() == f"Database: {database}\nRedis: 10.0.0.5:6379 (database 3)"


def test_make_run_collects_static_files_and_names_its_backends():
    run = (ROOT / "Makefile").read_text().split("\nrun: install\n", 1)[1].split("\n\n", 1)[0]
    assert "$(MANAGE) collectstatic --noinput" in run
    assert "from aipal.settings.backends import describe; print(describe())" in run
    assert run.index("collectstatic") < run.index("runserver")
