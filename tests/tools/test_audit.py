"""``make audit``: pip-audit's outcomes told apart, an unreachable advisory service never a pass."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tools import audit

CLEAN_PACKAGE = {"name": "django", "version": "5.2.19", "vulns": []}
NOT_FOUND = "Dependency not found on PyPI and could not be audited: {name} ({version})"


def skipped(name: str, version: str = "1.0") -> dict:
    return {"name": name, "skip_reason": NOT_FOUND.format(name=name, version=version)}


def test_every_package_skipped_means_the_service_was_not_reached():
    # What pip-audit reports here: PyPI's JSON feed answers 404 for every package, and
    # pip-audit itself prints "No known vulnerabilities found" and exits 0.
    report = {"dependencies": [skipped("asgiref", "3.13.0"), skipped("django", "5.2.19")], "fixes": []}
    outcome = audit.summarize(report=report, returncode=0, stderr="No known vulnerabilities found\n")
    assert outcome.code == audit.INCOMPLETE
    assert outcome.message.startswith("The advisory service could not be reached")
    assert "any of the 2 locked packages" in outcome.message
    assert "nothing was audited" in outcome.message


def test_a_connection_error_without_a_report_means_the_service_was_not_reached():
    stderr = (
        "Traceback (most recent call last):\n  ...\nrequests.exceptions.ConnectionError: HTTPSConnectionPool("
        "host='api.osv.dev', port=443): Max retries exceeded (Caused by NameResolutionError(...))\n"
    )
    outcome = audit.summarize(report=None, returncode=1, stderr=stderr)
    assert outcome.code == audit.INCOMPLETE
    assert outcome.message.startswith("The advisory service could not be reached (requests.exceptions.ConnectionError")


def test_another_failure_without_a_report_is_told_as_such():
    outcome = audit.summarize(report=None, returncode=1, stderr="ERROR:pip_audit._cli:invalid requirements input: x\n")
    assert outcome.code == audit.INCOMPLETE
    assert (
        outcome.message
        == "pip-audit failed before auditing anything: ERROR:pip_audit._cli:invalid requirements input: x."
    )


def test_some_packages_skipped_is_incomplete_and_names_them():
    report = {"dependencies": [CLEAN_PACKAGE, skipped("private-lib")]}
    outcome = audit.summarize(report=report, returncode=0, stderr="")
    assert outcome.code == audit.INCOMPLETE
    assert "1 of 2 locked packages could not be audited (private-lib)" in outcome.message


def test_known_vulnerabilities_are_listed_with_their_fixes():
    vulnerable = {
        "name": "django",
        "version": "5.2.19",
        "vulns": [
            {"id": "PYSEC-2099-1", "fix_versions": ["5.2.20", "6.0.3"], "aliases": [], "description": ""},
            {"id": "GHSA-xxxx", "fix_versions": [], "aliases": [], "description": ""},
        ],
    }
    report = {"dependencies": [vulnerable, {"name": "redis", "version": "8.1.0", "vulns": []}, skipped("x")]}
    outcome = audit.summarize(report=report, returncode=1, stderr="")
    assert outcome.code == audit.VULNERABLE
    assert outcome.message == "2 known vulnerabilities in 1 of 3 locked packages; 1 could not be audited:"
    assert outcome.details == (
        "  django 5.2.19: PYSEC-2099-1 (fixed in: 5.2.20, 6.0.3)",
        "  django 5.2.19: GHSA-xxxx (fixed in: no fix released)",
    )


def test_all_audited_and_clean_passes():
    report = {"dependencies": [CLEAN_PACKAGE, {"name": "redis", "version": "8.1.0", "vulns": []}]}
    outcome = audit.summarize(report=report, returncode=0, stderr="No known vulnerabilities found\n")
    assert (outcome.code, outcome.message) == (audit.CLEAN, "All 2 locked packages audited: no known vulnerabilities.")


def test_a_clean_report_with_a_failed_exit_is_not_a_pass():
    outcome = audit.summarize(report={"dependencies": [CLEAN_PACKAGE]}, returncode=1, stderr="boom\n")
    assert outcome.code == audit.INCOMPLETE


def test_the_command_audits_the_locks_as_they_are(tmp_path):
    command = audit.pip_audit_command(locks=["a.txt", "b.txt"], report=tmp_path / "r.json", extra=["-s", "osv"])
    assert command[1:3] == ["-m", "pip_audit"]
    assert {"--require-hashes", "--disable-pip"} <= set(command)  # nothing is installed or resolved
    assert command[command.index("--format") + 1] == "json"
    assert [command[i + 1] for i, arg in enumerate(command) if arg == "--requirement"] == ["a.txt", "b.txt"]
    assert command[-2:] == ["-s", "osv"]


@pytest.mark.parametrize(
    ("report", "expected"),
    [
        ({"dependencies": [skipped("django")]}, 2),
        ({"dependencies": [CLEAN_PACKAGE]}, 0),
    ],
)
def test_main_prints_the_sentence_and_returns_the_code(monkeypatch, report, expected):
    seen = {}

    def fake_run(command: list[str], path: Path):
        seen["command"] = command
        return json.loads(json.dumps(report)), 0, "No known vulnerabilities found\n"

    monkeypatch.setattr(audit, "_run", fake_run)
    out = io.StringIO()
    assert audit.main(["requirements.txt", "--", "--timeout", "5"], out=out) == expected
    assert seen["command"][-2:] == ["--timeout", "5"]
    assert len(out.getvalue().splitlines()) == 1


def test_main_without_a_lock_file_is_a_usage_error():
    out = io.StringIO()
    assert audit.main([], out=out) == audit.INCOMPLETE
    assert out.getvalue().startswith("usage:")
