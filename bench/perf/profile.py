"""Where a target's time goes: py-spy samples of one gunicorn worker during a measured run.

Only samples that hold the GIL count (``--gil``): what the worker computes, not what it
waits for (Redis, PostgreSQL, the client). The summary lists the frames that take the
largest share of those samples, with everything they call (inclusive), from the request
handler down.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

__all__ = ["Profiler", "summarise"]

# Frames above the request (gunicorn's loop): every sample has them, they say nothing.
_ABOVE_THE_REQUEST = (
    "<module>",
    "_run_code",
    "_run_module_as_main",
    "run ",
    "Application.run",
    "BaseApplication.run",
    "Arbiter.",
    "Worker.init_process",
    "SyncWorker.run",
    "SyncWorker.accept",
    "SyncWorker.handle ",
)


class Profiler:
    """``py-spy record`` of one process for a while, in the background."""

    def __init__(self, pid: int, seconds: float, out: Path) -> None:
        self.out = out
        beside = Path(sys.executable).parent / "py-spy"  # the virtualenv's, when not on PATH
        binary = shutil.which("py-spy") or (str(beside) if beside.exists() else None)
        self.process = None
        if binary:
            args = [binary, "record", "--gil", "--nonblocking", "-r", "200", "-d", str(int(seconds)), "-p", str(pid)]
            self.process = subprocess.Popen(  # noqa: S603
                [*args, "--format", "raw", "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )

    def wait(self) -> list[tuple[str, float]] | None:
        if self.process is None:
            return None
        self.process.wait(60)
        try:
            return summarise(self.out) if self.out.exists() else None
        except (OSError, ValueError):
            return None  # a profile that cannot be read must not cost the run its figures


def _name(frame: str) -> str:
    function, _, where = frame.partition(" (")
    return f"{function} ({Path(where.split(':')[0]).name})" if where else function


def summarise(path: Path, top: int = 25) -> list[tuple[str, float]]:
    """Return (frame, share of samples) for the frames with the largest inclusive share."""
    inclusive: Counter = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue  # a line py-spy could not finish (the process went on while sampled)
        samples = int(count)
        total += samples
        for name in {_name(frame) for frame in stack.split(";")}:
            if not name.startswith(_ABOVE_THE_REQUEST):
                inclusive[name] += samples
    return [(name, samples / total) for name, samples in inclusive.most_common(top)] if total else []
