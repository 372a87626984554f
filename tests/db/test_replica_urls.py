"""DATABASE_REPLICA_URLS: aliases replica_1, replica_2, ... sharing the primary's options;
a URL the app cannot use stops start-up naming the variable, its password masked."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from aipal.settings.replica_urls import replica_databases
from tests.security.processes import run_python

PRIMARY = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "aipal",
    "HOST": "db",
    "CONN_MAX_AGE": 60,
    "CONN_HEALTH_CHECKS": True,
    "ATOMIC_REQUESTS": True,
    "OPTIONS": {"connect_timeout": 2},
}


def test_no_variable_no_replica():
    assert replica_databases("", PRIMARY) == {}
    assert replica_databases(" , ", {"ENGINE": "django.db.backends.sqlite3"}) == {}


def test_each_url_is_an_alias_with_the_primarys_options():
    found = replica_databases("postgres://u:pw@r1:5433/aipal, postgres://r2/aipal?sslmode=require", PRIMARY)
    assert list(found) == ["replica_1", "replica_2"]
    first, second = found["replica_1"], found["replica_2"]
    assert (first["HOST"], first["PORT"], first["USER"], first["PASSWORD"]) == ("r1", 5433, "u", "pw")
    assert first["CONN_MAX_AGE"] == 60 and first["CONN_HEALTH_CHECKS"] is True
    assert first["OPTIONS"] == {"connect_timeout": 2}
    assert second["OPTIONS"] == {"connect_timeout": 2, "sslmode": "require"}
    assert first["TEST"] == {"MIRROR": "default"}  # no test database is created for it
    assert "ATOMIC_REQUESTS" not in first  # replicas are only read, outside transactions


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("mysql://r1/aipal", "is not a PostgreSQL URL"),
        ("r1:5432/aipal", "is not a PostgreSQL URL"),
        ("postgres:///aipal", "names no host"),
        ("postgres://r1", "names no database"),
        ("postgres://r1/", "names no database"),
        ("postgres://r1:port/aipal", "cannot be used"),
    ],
)
def test_urls_it_cannot_use_are_refused_by_name(url, says):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URLS") as refused:
        replica_databases(f"postgres://ok/aipal,{url}", PRIMARY)
    assert says in str(refused.value)


def test_a_password_never_appears_in_the_refusal():
    with pytest.raises(ImproperlyConfigured) as refused:
        replica_databases("postgres://reader:hunter2@r1:5432", PRIMARY)
    assert "hunter2" not in str(refused.value) and "reader:***@r1" in str(refused.value)


@pytest.mark.parametrize(
    ("urls", "position"),
    [
        ("postgres://app:s3cr,et@h/db", "1st"),  # the port would be "s3cr", the second URL "et@h/db"
        ("postgres://ok/aipal,postgres://app:4711,s3cr3t@h/db", "3rd"),  # "postgres://app:4711" parses
        ("postgres://ok/aipal,postgres://app:s3cr3t,#/db", "2nd"),
    ],
)
def test_a_comma_in_a_password_is_refused_by_position_without_a_piece_of_it(urls, position):
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URLS") as refused:
        replica_databases(urls, PRIMARY)
    message = str(refused.value)
    assert f"the {position} URL" in message and "%2C" in message
    assert not any(piece in message for piece in ("s3cr", "et@", "4711", "app"))


def test_a_comma_written_as_2c_is_part_of_the_password():
    found = replica_databases("postgres://app:s3cr%2Cet@h/db", PRIMARY)
    assert found["replica_1"]["PASSWORD"] == "s3cr,et"


def test_replicas_of_sqlite_are_refused():
    with pytest.raises(ImproperlyConfigured, match="DATABASE_REPLICA_URLS"):
        replica_databases("postgres://r1/aipal", {"ENGINE": "django.db.backends.sqlite3", "NAME": "db.sqlite3"})


@pytest.mark.parametrize(
    ("database_url", "replicas"),
    [
        ("postgres://postgres@127.0.0.1:5432/aipal", "postgres://reader:hunter2@127.0.0.1:5432"),
        ("", "postgres://127.0.0.1/aipal"),  # SQLite primary
    ],
)
def test_manage_py_and_the_wsgi_application_refuse_to_start(database_url, replicas):
    for args in (["manage.py", "check"], ["-c", "import aipal.wsgi"]):
        done = run_python(
            args,
            DJANGO_SETTINGS_MODULE="aipal.settings.local",
            DJANGO_DEBUG="true",
            DATABASE_URL=database_url,
            DATABASE_REPLICA_URLS=replicas,
        )
        assert done.returncode != 0, args
        last = done.stderr.splitlines()[-1]
        assert "DATABASE_REPLICA_URLS" in last and "hunter2" not in done.stderr, (args, done.stderr[-500:])


def _check_with_replicas(replicas: str):  # type: ignore[no-untyped-def]
    """``manage.py check`` with a PostgreSQL primary and ``replicas``."""
    return run_python(
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE="aipal.settings.local",
        DJANGO_DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/aipal",
        DATABASE_REPLICA_URLS=replicas,
    )


def test_a_comma_in_a_password_leaves_no_piece_of_it_in_the_start_up_traceback():
    done = _check_with_replicas("postgres://reader:s3cr,et@127.0.0.1:5432/aipal")
    assert done.returncode != 0 and "DATABASE_REPLICA_URLS" in done.stderr.splitlines()[-1]
    assert "s3cr" not in done.stderr and "et@" not in done.stderr, done.stderr[-800:]


def test_a_usable_replica_url_starts():
    done = _check_with_replicas("postgres://reader:secret@127.0.0.1:5433/aipal")
    assert done.returncode == 0, done.stderr[-500:]
