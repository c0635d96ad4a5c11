"""deploy/grafana: the provisioning finds the dashboard and the datasource, and every panel asks
Prometheus only for metrics the code defines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from shared.config import PROJECT_ROOT

GRAFANA_DIR = PROJECT_ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA_DIR / "dashboards" / "tradewatch.json"
# What an operations team looks for first (issue 8), as words in panel titles.
REQUIRED_PANELS = (
    "throughput",
    "consumer lag",
    "time from ingest to alert",
    "alerts by list",
    "screening latency",
    "list freshness",
)


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def panels() -> list[dict[str, Any]]:
    return [p for p in dashboard()["panels"] if p["type"] != "row"]


def mounts(compose: dict[str, Any]) -> dict[str, str]:
    """Host path (relative to the project) -> container path, for the grafana service."""
    found = {}
    for volume in compose["services"]["grafana"]["volumes"]:
        source, target, *_ = str(volume).split(":")
        if source.startswith("./"):
            found[source.removeprefix("./")] = target
    return found


def test_provisioning_and_dashboards_are_mounted_where_grafana_reads_them(
    compose: dict[str, Any],
) -> None:
    mounted = mounts(compose)
    assert mounted["deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    providers = load_yaml(GRAFANA_DIR / "provisioning/dashboards/tradewatch.yml")["providers"]
    assert [p["options"]["path"] for p in providers] == [mounted["deploy/grafana/dashboards"]]
    env = compose["services"]["grafana"]["environment"]
    home = Path(env["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"])
    assert str(home.parent) == mounted["deploy/grafana/dashboards"]
    assert (GRAFANA_DIR / "dashboards" / home.name).is_file()


def test_datasource_points_at_the_compose_prometheus(compose: dict[str, Any]) -> None:
    datasources = load_yaml(GRAFANA_DIR / "provisioning/datasources/prometheus.yml")["datasources"]
    assert len(datasources) == 1 and datasources[0]["type"] == "prometheus"
    url = urlsplit(datasources[0]["url"])
    assert url.hostname in compose["services"]
    assert f"{url.port}:{url.port}" in compose["services"][str(url.hostname)]["ports"]


def test_every_panel_uses_the_provisioned_datasource() -> None:
    datasources = load_yaml(GRAFANA_DIR / "provisioning/datasources/prometheus.yml")["datasources"]
    uid = datasources[0]["uid"]
    for panel in panels():
        assert panel["datasource"]["uid"] == uid, panel["title"]
        assert panel["targets"], f"{panel['title']} has no query"
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == uid, panel["title"]
            assert target["expr"].strip(), panel["title"]


def test_dashboard_has_the_panels_operations_need() -> None:
    loaded = dashboard()
    assert loaded["uid"] and loaded["title"]
    titles = " | ".join(p["title"].lower() for p in panels())
    missing = [name for name in REQUIRED_PANELS if name not in titles]
    assert missing == []


def test_panels_have_unique_ids_and_do_not_overlap() -> None:
    everything = dashboard()["panels"]
    ids = [p["id"] for p in everything]
    assert len(ids) == len(set(ids))
    cells: dict[tuple[int, int], str] = {}
    for panel in everything:
        grid = panel["gridPos"]
        assert grid["x"] >= 0 and grid["x"] + grid["w"] <= 24, panel["title"]
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                assert (x, y) not in cells, f"{panel['title']} overlaps {cells[(x, y)]}"
                cells[(x, y)] = panel["title"]


def test_panels_query_only_metrics_the_code_defines(
    defined_series: frozenset[str], promql_names: Callable[[str], set[str]]
) -> None:
    missing = {}
    for panel in panels():
        for target in panel["targets"]:
            unknown = promql_names(target["expr"]) - defined_series
            if unknown:
                missing[f"{panel['title']} ({target['refId']})"] = sorted(unknown)
    assert missing == {}
