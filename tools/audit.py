"""Audit the hashed lock files with pip-audit, and say in one sentence what it found.

``make audit`` runs ``python -m tools.audit requirements.txt requirements-dev.txt``.
pip-audit alone cannot be trusted to fail where its advisory service is out of reach:
when PyPI's vulnerability feed answers 404 for every package (as an index mirror or a
proxy that serves only the package index does) it skips them all, prints "No known
vulnerabilities found" and exits 0; when the host cannot be resolved it dies with a
traceback. This runs it on the locks as they are (``--require-hashes --disable-pip``:
nothing is installed), reads its JSON report and exits with

- 0 when every locked package was audited and none has a known vulnerability;
- 1 when known vulnerabilities were found (listed with the versions that fix them);
- 2 when the audit is incomplete: the advisory service could not be reached, some
  packages could not be audited, or pip-audit failed. A CI must not take that for a pass.

Options after ``--`` go to pip-audit, e.g. ``-- --vulnerability-service osv``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

__all__ = ["CLEAN", "INCOMPLETE", "VULNERABLE", "Outcome", "main", "pip_audit_command", "summarize"]

CLEAN, VULNERABLE, INCOMPLETE = 0, 1, 2

# Words of the errors pip-audit (requests, urllib3) raises when it cannot reach a service.
_UNREACHABLE_MARKERS = (
    "ConnectionError",
    "Could not connect",
    "Failed to resolve",
    "Max retries exceeded",
    "NameResolutionError",
    "timed out",
    "Timeout",
)


@dataclass(frozen=True)
class Outcome:
    """An exit code, the one sentence that explains it, and detail lines (vulnerabilities)."""

    code: int
    message: str
    details: tuple[str, ...] = ()


def pip_audit_command(*, locks: Sequence[str], report: Path, extra: Sequence[str] = ()) -> list[str]:
    """Return the pip-audit command line auditing ``locks`` into the JSON file ``report``."""
    command = [sys.executable, "-m", "pip_audit", "--require-hashes", "--disable-pip"]
    command += ["--progress-spinner", "off", "--format", "json", "--output", str(report)]
    for lock in locks:
        command += ["--requirement", lock]
    return [*command, *extra]


def summarize(*, report: dict[str, Any] | None, returncode: int, stderr: str) -> Outcome:
    """Turn pip-audit's JSON report (None: it wrote none) and exit status into an outcome."""
    if report is None:
        return _no_report(returncode=returncode, stderr=stderr)
    packages = report.get("dependencies", [])
    skipped = [package for package in packages if "skip_reason" in package]
    vulnerable = [package for package in packages if package.get("vulns")]
    total = len(packages)
    if vulnerable:
        count = sum(len(package["vulns"]) for package in vulnerable)
        note = f"; {len(skipped)} could not be audited" if skipped else ""
        return Outcome(
            VULNERABLE,
            f"{count} known vulnerabilities in {len(vulnerable)} of {total} locked packages{note}:",
            tuple(_vulnerability_lines(vulnerable)),
        )
    if skipped and len(skipped) == total:
        return Outcome(
            INCOMPLETE,
            f"The advisory service could not be reached: no vulnerability data for any of the {total} "
            f"locked packages ({skipped[0]['skip_reason']}); nothing was audited.",
        )
    if skipped:
        names = ", ".join(package["name"] for package in skipped)
        return Outcome(
            INCOMPLETE,
            f"Audit incomplete: {len(skipped)} of {total} locked packages could not be audited ({names}); "
            f"the other {total - len(skipped)} have no known vulnerabilities.",
        )
    if returncode != 0:
        return Outcome(INCOMPLETE, f"pip-audit failed (exit {returncode}): {_last_line(stderr)}.")
    return Outcome(CLEAN, f"All {total} locked packages audited: no known vulnerabilities.")


def _no_report(*, returncode: int, stderr: str) -> Outcome:
    reason = _last_line(stderr) or f"exit {returncode}, no report"
    if any(marker in stderr for marker in _UNREACHABLE_MARKERS):
        return Outcome(INCOMPLETE, f"The advisory service could not be reached ({reason}); nothing was audited.")
    return Outcome(INCOMPLETE, f"pip-audit failed before auditing anything: {reason}.")


def _vulnerability_lines(packages: list[dict[str, Any]]) -> list[str]:
    lines = []
    for package in packages:
        for vuln in package["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix released"
            lines.append(f"  {package['name']} {package.get('version', '?')}: {vuln['id']} (fixed in: {fixes})")
    return lines


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _run(command: list[str], report: Path) -> tuple[dict[str, Any] | None, int, str]:
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603  (our own argv)
    try:
        data = json.loads(report.read_text())
    except (OSError, ValueError):
        data = None
    return data, done.returncode, done.stderr


def main(argv: Sequence[str] | None = None, *, out: TextIO = sys.stdout) -> int:
    """Audit the lock files named in ``argv`` (pip-audit options after ``--``); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    locks, extra = (args[: args.index("--")], args[args.index("--") + 1 :]) if "--" in args else (args, [])
    if not locks:
        out.write("usage: python -m tools.audit LOCK_FILE... [-- PIP_AUDIT_OPTION...]\n")
        return INCOMPLETE
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        data, returncode, stderr = _run(pip_audit_command(locks=locks, report=report, extra=extra), report)
    outcome = summarize(report=data, returncode=returncode, stderr=stderr)
    out.write("\n".join([outcome.message, *outcome.details]) + "\n")
    return outcome.code


if __name__ == "__main__":
    sys.exit(main())
