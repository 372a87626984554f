"""Run Python in a process of its own with only the app variables a test gives: settings
are read once per process, and a refusal stops the process it happens in."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The caller's own settings stay out: each test sets exactly what it tests.
_CLEARED = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "CACHE_", "AIPAL_", "THROTTLE_", "TOKEN_TTL_HOURS", "LOG_FORMAT")


def run_python(args: list[str], *, path: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``python <args>`` in the project, with ``path`` on ``PYTHONPATH`` and ``env`` set."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED)}
    if path is not None:
        clean["PYTHONPATH"] = os.pathsep.join(filter(None, [str(path), clean.get("PYTHONPATH")]))
    return subprocess.run(  # noqa: S603
        [sys.executable, *args], cwd=REPO, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )
