"""The lock files: every package exactly pinned with hashes, and in step with the inputs.

``requirements*.in`` are edited by hand; ``make lock`` (pip-compile) writes the locks
``requirements*.txt`` that ``make install`` and the Dockerfile install with
``--require-hashes``. These checks catch an input edited without ``make lock``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def input_pins(name: str) -> dict[str, str]:
    """The exact pins of an input file; fails on any requirement that is not one."""
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith(("-r ", "-c ")):
            continue
        match = PIN.match(line)
        assert match, f"{name}: {line!r} is not an exact pin (name==version)"
        pins[canonical(match[1])] = match[2]
    return pins


def lock_entries(name: str) -> dict[str, tuple[str, list[str]]]:
    """Each locked package: its version and its hashes."""
    text = (ROOT / name).read_text()
    entries: dict[str, tuple[str, list[str]]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = PIN.match(block)
        if match:
            entries[canonical(match[1])] = (match[2], re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
    return entries


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_every_locked_package_is_pinned_with_hashes(lock):
    entries = lock_entries(lock)
    assert len(entries) > 20
    assert not [name for name, (_, hashes) in entries.items() if not hashes]
    requirement_lines = [
        line for line in (ROOT / lock).read_text().splitlines() if line and not line.startswith((" ", "#"))
    ]
    assert all(PIN.match(line) for line in requirement_lines), "only exact pins, no index or find-links lines"


def mismatches(wanted: dict[str, str], lock: str) -> dict[str, tuple[str, str]]:
    """``{name: (wanted, locked)}`` for each wanted version the lock does not hold."""
    entries = lock_entries(lock)
    locked = {name: entries[name][0] if name in entries else "missing" for name in wanted}
    return {name: (version, locked[name]) for name, version in wanted.items() if locked[name] != version}


@pytest.mark.parametrize(
    ("source", "lock"), [("requirements.in", "requirements.txt"), ("requirements-dev.in", "requirements-dev.txt")]
)
def test_the_lock_holds_every_pin_of_its_input(source, lock):
    assert mismatches(input_pins(source), lock) == {}, "run `make lock`"


def test_the_dev_lock_holds_the_runtime_lock_at_the_same_versions():
    runtime = {name: version for name, (version, _) in lock_entries("requirements.txt").items()}
    assert mismatches(runtime, "requirements-dev.txt") == {}


def test_the_dev_input_builds_on_the_runtime_lock():
    lines = (ROOT / "requirements-dev.in").read_text().splitlines()
    assert "-r requirements.in" in lines
    assert "-c requirements.txt" in lines
