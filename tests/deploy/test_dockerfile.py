"""The Dockerfile, read as text (no container engine here): hashed installs, two targets."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def stages() -> list[tuple[str, str]]:
    """``(FROM line, body)`` of each build stage, in order."""
    parts = re.split(r"^(FROM .*)$", DOCKERFILE, flags=re.MULTILINE)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def test_the_app_installs_the_lock_with_hashes_checked():
    installs = re.findall(r"^RUN pip install (.*)$", DOCKERFILE, flags=re.MULTILINE)
    assert installs == ["--require-hashes --only-binary=:all: -r requirements.txt"]


def test_nginx_is_a_pinned_release_serving_the_web_stages_static_files():
    proxy = [body for line, body in stages() if line.endswith(" AS proxy")]
    assert len(proxy) == 1
    assert re.search(r"^FROM nginx:\d+\.\d+(\.\d+)?-alpine AS proxy$", DOCKERFILE, flags=re.MULTILINE)
    assert "COPY --from=web /app/staticfiles /srv/static" in proxy[0]
    assert "COPY deploy/nginx/aipal.conf /etc/nginx/conf.d/default.conf" in proxy[0]


def test_a_build_without_a_target_is_the_web_image():
    assert stages()[0][0] == "FROM python:3.11-slim AS web"
    assert stages()[-1][0] == "FROM web"
