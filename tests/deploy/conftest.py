"""Deployment checks run the tools the deployment is checked with: docker compose (or
docker-compose) and nginx. Outside CI a missing tool skips them; with CI=true it fails
them (.ci/run installs both)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Sequence

import pytest


def require_tool(candidates: Sequence[Sequence[str]], *, probe: Sequence[str]) -> list[str]:
    """Return the first command of ``candidates`` that answers ``<command> <probe>``; else skip or fail."""
    found = _first_answering(tuple(tuple(command) for command in candidates), tuple(probe))
    if found is not None:
        return list(found)
    names = " or ".join(" ".join(command) for command in candidates)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{names} is not installed (.ci/run installs it)")
    pytest.skip(f"{names} is not installed")


@functools.cache
def _first_answering(candidates: tuple[tuple[str, ...], ...], probe: tuple[str, ...]) -> tuple[str, ...] | None:
    for command in candidates:
        if shutil.which(command[0]) is None:
            continue
        answer = subprocess.run([*command, *probe], capture_output=True, text=True, check=False)  # noqa: S603
        if answer.returncode == 0:
            return command
    return None
