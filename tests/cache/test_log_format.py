"""LOG_FORMAT: a line of text per record (the default) or a JSON object per line."""

from __future__ import annotations

import json

from tests.security.processes import run_python

LOG_A_LINE = "import logging; logging.getLogger('aipal.cache.x').warning('Redis is %s', 'slow')"


def log_a_line(**env: str):  # type: ignore[no-untyped-def]
    return run_python(["manage.py", "shell", "--no-imports", "-c", LOG_A_LINE], DJANGO_DEBUG="true", **env)


def test_records_are_json_objects_when_asked():
    done = log_a_line(LOG_FORMAT="json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stderr.strip().splitlines()[-1])
    assert {k: record[k] for k in ("level", "logger", "message")} == {
        "level": "WARNING",
        "logger": "aipal.cache.x",
        "message": "Redis is slow",
    }
    assert record["time"]


def test_records_are_lines_of_text_by_default():
    done = log_a_line()
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1].endswith(" WARNING aipal.cache.x Redis is slow")


def test_an_unknown_format_stops_start_up():
    done = run_python(["manage.py", "check"], DJANGO_DEBUG="true", LOG_FORMAT="xml")
    assert done.returncode != 0
    assert "LOG_FORMAT" in done.stderr.splitlines()[-1]
