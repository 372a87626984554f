"""Start-up refusals and ``check --deploy``, each in a process of its own: settings are
read once per process, and a refusal stops the process it happens in.

``manage.py check`` neither connects to the database nor to Redis: the URLs below point
at a port where nothing listens, and a connection attempt would fail the check.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from aipal.settings.refusals import DEV_SECRET_KEY, refuse_unsafe_settings, secret_key_problem
from tests.conftest import free_port
from tests.security.processes import REPO, run_python

# Fixed, so that xdist workers collect the same tests; never a key of any deployment.
STRONG_KEY = "tests-only-Qm3vX9-pL2w_Rk7sTz4nYb8cJd1fHg6aEu0oWi5qVx"
SHORT_KEY = STRONG_KEY[:49]
_UNUSED = f"127.0.0.1:{free_port()}"
DATABASE_URL = f"postgres://aipal@{_UNUSED}/aipal"
REDIS_URL = f"redis://{_UNUSED}/0"
_DOT_ENV_KEY = "DJANGO_SECRET_KEY" in ((REPO / ".env").read_text() if (REPO / ".env").exists() else "")


def check(*, path: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return run_python(["manage.py", "check"], path=path, **env)


PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "aipal.settings.production",
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
}


# --- check --deploy -------------------------------------------------------------------


def test_check_deploy_is_clean_under_production_settings_with_https():
    done = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION, DJANGO_HTTPS="true")
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout
    assert "WARNING" not in done.stdout + done.stderr


# --- refusals -------------------------------------------------------------------------

needs_no_dot_env_key = pytest.mark.skipif(_DOT_ENV_KEY, reason="the project's .env sets DJANGO_SECRET_KEY")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        pytest.param(
            {"DJANGO_SETTINGS_MODULE": "aipal.settings.local", "DJANGO_DEBUG": "false"},
            "DJANGO_SECRET_KEY",
            id="local-debug-off-no-key",
            marks=needs_no_dot_env_key,
        ),
        pytest.param(
            {"DJANGO_SETTINGS_MODULE": "aipal.settings.local", "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": SHORT_KEY},
            "DJANGO_SECRET_KEY",
            id="local-debug-off-short-key",
        ),
        pytest.param(
            {"DJANGO_SETTINGS_MODULE": "aipal.settings.base", "DJANGO_SECRET_KEY": DEV_SECRET_KEY},
            "DJANGO_SECRET_KEY",
            id="base-default-key",
        ),
        pytest.param({**PRODUCTION, "DJANGO_DEBUG": "true"}, "DJANGO_DEBUG", id="production-debug-on"),
        pytest.param({**PRODUCTION, "DATABASE_URL": ""}, "DATABASE_URL", id="production-no-database-url"),
    ],
)
def test_unsafe_settings_refuse_to_start(env, variable):
    done = check(**env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr
    assert variable in done.stderr.splitlines()[-1]


def test_the_wsgi_application_refuses_too():
    """A WSGI server that was not told a settings module runs production settings: on the
    development defaults (no key, DEBUG unset) it refuses to start."""
    unused = {"DATABASE_URL": "postgres://aipal@127.0.0.1:1/aipal", "REDIS_URL": "redis://127.0.0.1:1/0"}
    for env, variable in [
        ({}, "DATABASE_URL"),
        (unused, "DJANGO_SECRET_KEY"),
        ({**unused, "DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_DEBUG": "true"}, "DJANGO_DEBUG"),
    ]:
        done = run_python(["-c", "import aipal.wsgi"], **env)
        assert done.returncode != 0, env
        assert variable in done.stderr.splitlines()[-1], (env, done.stderr)


def test_the_final_settings_decide_whatever_the_module(tmp_path):
    """A module of a deployment's own, setting a weak key after importing base."""
    (tmp_path / "weak_settings.py").write_text(
        f"from aipal.settings.base import *\nDEBUG = False\nSECRET_KEY = {SHORT_KEY!r}\n"
    )
    weak = check(path=tmp_path, DJANGO_SETTINGS_MODULE="weak_settings", DJANGO_SECRET_KEY=STRONG_KEY)
    assert weak.returncode != 0 and "DJANGO_SECRET_KEY" in weak.stderr.splitlines()[-1]


def test_debug_turned_on_after_base_runs_on_the_development_key():
    """``local`` sets DEBUG (default on) after importing base, where it is off: the final value counts."""
    done = check(DJANGO_SETTINGS_MODULE="aipal.settings.local", DJANGO_SECRET_KEY=DEV_SECRET_KEY)
    assert done.returncode == 0, done.stderr


# --- the rule, in process -----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "is not set"),
        (DEV_SECRET_KEY, "development default"),
        ("django-insecure-" + STRONG_KEY, "placeholder"),
        (SHORT_KEY, "49 characters long"),
        ("ab" * 30, "fewer than 5 different characters"),
        (STRONG_KEY, None),
    ],
    ids=["empty", "default", "placeholder", "short", "monotonous", "strong"],
)
def test_secret_key_rule(key, problem):
    found = secret_key_problem(key)
    assert found is None if problem is None else problem in found


def test_this_test_run_passes_the_rule(settings):
    assert not settings.DEBUG
    refuse_unsafe_settings(settings)
