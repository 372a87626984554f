"""docker-compose.yml as compose resolves it (``config``): what the issue asks of the stack.

Runs ``docker compose`` or ``docker-compose``, whichever is installed, with a clean
environment and an empty env file (a developer's .env or shell never leaks in).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.conftest import require_tool

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {
    "DJANGO_SECRET_KEY": "k" * 60,
    "POSTGRES_PASSWORD": "pg-secret-1",
    "REDIS_PASSWORD": "redis-secret-2",
    "GRAFANA_ADMIN_PASSWORD": "grafana-secret-3",
}
# Security settings the app reads, passed through to it when set.
PASSED = {
    "THROTTLE_USER": "50/min",
    "THROTTLE_ANON": "20/min",
    "THROTTLE_LOGIN": "5/min",
    "DJANGO_HTTPS": "true",
    "TOKEN_TTL_HOURS": "2",
}


def compose(tmp_path: Path, variables: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    tool = require_tool([["docker", "compose"], ["docker-compose"]], probe=["version"])
    env_file = tmp_path / "empty.env"
    env_file.write_text("")
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **variables}
    command = [*tool, "--env-file", str(env_file), "-f", str(ROOT / "docker-compose.yml"), "config", *args]
    return subprocess.run(command, capture_output=True, text=True, env=env, check=False, timeout=60)  # noqa: S603


@pytest.fixture(scope="module")
def services(tmp_path_factory) -> dict:
    tmp_path = tmp_path_factory.mktemp("compose")
    done = compose(tmp_path, {**SECRETS, **PASSED})
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)["services"]


def environment(service: dict) -> dict:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return env


def test_config_quiet_passes_with_the_secrets_set(tmp_path):
    done = compose(tmp_path, SECRETS, "--quiet")
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_no_secret_has_a_default(tmp_path, missing):
    done = compose(tmp_path, {name: value for name, value in SECRETS.items() if name != missing}, "--quiet")
    assert done.returncode != 0
    assert f"set {missing}" in done.stderr


def test_every_use_of_a_secret_requires_it(tmp_path):
    # A default anywhere (${POSTGRES_PASSWORD:-aipal}) would be a known password where
    # another use does not happen to require it.
    uses = re.findall(r"\$\{(\w+)([^}]*)\}", (ROOT / "docker-compose.yml").read_text())
    secret_uses = [(name, rest) for name, rest in uses if name in SECRETS]
    assert {name for name, _ in secret_uses} == SECRETS.keys()
    assert [(name, rest) for name, rest in secret_uses if not rest.startswith(":?")] == []


def published(service: dict) -> list[tuple[str, str]]:
    """(host address, port) of each published port (long or short syntax, as config prints it)."""
    ports = []
    for port in service.get("ports") or []:
        if isinstance(port, dict):
            ports.append((port.get("host_ip", ""), str(port.get("published", ""))))
        else:
            parts = str(port).split(":")
            ports.append((parts[0] if len(parts) == 3 else "", parts[-2] if len(parts) > 1 else ""))
    return ports


def test_only_nginx_publishes_a_port_and_monitoring_only_on_loopback(services):
    everywhere = {
        name
        for name, service in services.items()
        if any(ip in ("", "0.0.0.0") for ip, _ in published(service))  # noqa: S104  (what it looks for)
    }
    assert everywhere == {"nginx"}
    assert {name for name, service in services.items() if service.get("ports")} == {"nginx", "prometheus", "grafana"}
    for name in ("prometheus", "grafana"):
        assert {ip for ip, _ in published(services[name])} == {"127.0.0.1"}, name
    assert [str(port) for port in services["web"]["expose"]] == ["8000"]
    assert services["nginx"]["build"]["target"] == "proxy"


def test_redis_requires_the_password_and_the_app_sends_it(services):
    redis = services["redis"]
    command = redis["command"]
    assert command[command.index("--requirepass") + 1] == SECRETS["REDIS_PASSWORD"]
    assert environment(redis)["REDISCLI_AUTH"] == SECRETS["REDIS_PASSWORD"]  # the healthcheck's redis-cli
    assert "redis-cli" in redis["healthcheck"]["test"]
    for name in ("migrate", "web"):
        assert environment(services[name])["REDIS_URL"] == f"redis://:{SECRETS['REDIS_PASSWORD']}@redis:6379/0"


def test_the_database_password_is_the_one_given(services):
    assert environment(services["db"])["POSTGRES_PASSWORD"] == SECRETS["POSTGRES_PASSWORD"]
    url = f"postgres://aipal:{SECRETS['POSTGRES_PASSWORD']}@db:5432/aipal"
    assert environment(services["web"])["DATABASE_URL"] == url


def test_migrations_run_once_before_the_web_starts(services):
    migrate, web = services["migrate"], services["web"]
    assert migrate["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert str(migrate["restart"]) == "no"
    assert migrate["build"] == web["build"]  # the same image
    assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "migrate" not in str(web.get("command", "")) + str(web.get("entrypoint", ""))


def test_the_web_has_a_healthcheck_and_nginx_waits_for_it(services):
    assert services["web"]["healthcheck"]["test"] == ["CMD", "python", "deploy/healthcheck.py"]
    assert services["nginx"]["depends_on"]["web"]["condition"] == "service_healthy"


def test_the_app_trusts_one_proxy_and_gets_the_security_settings(services):
    env = environment(services["web"])
    assert env["DJANGO_NUM_PROXIES"] == "1"
    assert env["DJANGO_SETTINGS_MODULE"] == "aipal.settings.production"
    assert {name: env.get(name) for name in PASSED} == PASSED
