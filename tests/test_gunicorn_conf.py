"""gunicorn.conf.py's metrics hooks: the multiprocess directory is set before any worker
starts, emptied when the master starts, and an exited worker's live gauges leave it."""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest

CONF = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"


@pytest.fixture
def conf(monkeypatch, tmp_path) -> dict:  # type: ignore[type-arg]
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "metrics"))
    return runpy.run_path(str(CONF))


def test_an_unset_directory_gets_one_of_this_master_and_goes_with_it(monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")  # records the variable, so it is restored
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    settings = runpy.run_path(str(CONF))
    directory = Path(settings["METRICS_DIR"])
    assert directory.name.startswith("aipal-metrics-")

    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == str(directory)  # inherited by the workers
    settings["on_starting"](None)
    assert directory.is_dir()
    settings["on_exit"](None)
    assert not directory.exists()


def test_the_directory_is_emptied_at_start_and_kept_at_exit(conf, tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    (directory / "counter_4242.db").write_bytes(b"old counts")
    conf["on_starting"](None)
    assert list(directory.iterdir()) == []
    conf["on_exit"](None)
    assert directory.is_dir()  # named in the environment: not ours to remove


def test_an_exited_workers_live_gauges_are_dropped(conf, tmp_path):
    directory = tmp_path / "metrics"
    directory.mkdir()
    for name in ("gauge_livesum_77.db", "gauge_livemax_77.db", "counter_77.db", "gauge_livesum_78.db"):
        (directory / name).write_bytes(b"")
    conf["child_exit"](None, SimpleNamespace(pid=77))
    assert sorted(path.name for path in directory.iterdir()) == ["counter_77.db", "gauge_livesum_78.db"]
