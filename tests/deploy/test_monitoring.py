"""The monitoring of docker-compose.yml: Prometheus scrapes the app, and every series the
provisioned Grafana dashboard asks for is one the app's /metrics really serves."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from tests.wsgi_client import WSGIClient

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "aipal-cache.json"
SERIES = re.compile(r"\b((?:cache|redis|django)_[a-z0-9_]+)")


def exprs() -> list[str]:
    panels = json.loads(DASHBOARD.read_text())["panels"]
    return [target["expr"] for panel in panels for target in panel["targets"]]


def test_prometheus_scrapes_the_app_on_the_compose_network():
    config = yaml.safe_load((ROOT / "deploy" / "prometheus" / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"] == [{"targets": ["web:8000"]}]


def test_grafana_is_provisioned_with_the_dashboard_and_prometheus():
    provisioning = ROOT / "deploy" / "grafana" / "provisioning"
    (source,) = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())["datasources"]
    assert (source["url"], source["uid"]) == ("http://prometheus:9090", "aipal-prometheus")
    panels = json.loads(DASHBOARD.read_text())["panels"]
    assert {panel["datasource"]["uid"] for panel in panels} == {"aipal-prometheus"}
    titles = " ".join(panel["title"] for panel in panels).lower()
    for asked in (
        "hit rate by key family",
        "latency by endpoint",
        "redis memory",
        "evictions",
        "breaker",
        "connected",
        "invalidation lag",
    ):
        assert asked in titles, asked


@pytest.mark.django_db
def test_every_series_of_the_dashboard_is_served(wsgi, user, monkeypatch):
    from cachehealth import metrics

    real = metrics.probe_redis  # fakeredis' INFO has no eviction or memory figures; a server's has
    monkeypatch.setattr(metrics, "probe_redis", lambda: replace(real(), evicted_keys=0, used_memory_bytes=1))
    url = f"/api/users/{user.id}/goals"
    assert wsgi.request("POST", url, '{"description": "g"}').status == 201  # an invalidation
    wsgi.get(url)
    wsgi.get(url)  # a hit
    wsgi.get(f"/api/users/{user.id}/dashboard")
    served = WSGIClient().get("/metrics").body.decode()
    names = {line.split("{")[0].split(" ")[0] for line in served.splitlines() if line and not line.startswith("#")}
    asked = {name for expr in exprs() for name in SERIES.findall(expr)}
    assert asked, "the dashboard asks for no series"
    assert sorted(asked - names) == []
