"""deploy/prometheus: scrape targets match the services, the rules parse, fire when they should
(promtool) and select only metrics the code defines."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.config import PROJECT_ROOT, Settings

PROMETHEUS_DIR = PROJECT_ROOT / "deploy" / "prometheus"
SERVICES = ("ingest", "enrichment", "alerting")
REQUIRED_ALERTS = {
    "TradewatchServiceDown",
    "TradewatchConsumerLagGrowing",
    "TradewatchDeadLetters",
    "TradewatchWatchlistStale",
    "TradewatchWebhookFailures",
}


def load_yaml(relative: str) -> Any:
    return yaml.safe_load((PROJECT_ROOT / relative).read_text(encoding="utf-8"))


def rules() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted((PROMETHEUS_DIR / "rules").glob("*.yml")):
        for group in load_yaml(str(path.relative_to(PROJECT_ROOT)))["groups"]:
            found.extend(group["rules"])
    return found


def test_each_service_is_scraped_at_its_settings_port() -> None:
    config = load_yaml("deploy/prometheus/prometheus.yml")
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for name in SERVICES:
        job = jobs[f"tradewatch-{name}"]
        targets = [t for static in job["static_configs"] for t in static["targets"]]
        assert targets == [f"{name}:{Settings.model_fields[f'{name}_port'].default}"]
        assert job.get("metrics_path", "/metrics") == "/metrics"
        # A `service` target label would rename the metrics' own to `exported_service`.
        assert all("service" not in s.get("labels", {}) for s in job["static_configs"])
    tradewatch_jobs = {name for name in jobs if name.startswith("tradewatch-")}
    assert tradewatch_jobs == {f"tradewatch-{name}" for name in SERVICES}


def test_scrape_targets_are_compose_services(compose: dict[str, Any]) -> None:
    config = load_yaml("deploy/prometheus/prometheus.yml")
    for job in config["scrape_configs"]:
        for static in job["static_configs"]:
            for target in static["targets"]:
                host, port = target.rsplit(":", 1)
                if host in ("127.0.0.1", "localhost"):
                    continue
                assert host in compose["services"], target
                ports = compose["services"][host].get("ports", [])
                assert any(str(p).endswith(f":{port}") for p in ports), target


def test_rule_files_are_found_from_the_config() -> None:
    config = load_yaml("deploy/prometheus/prometheus.yml")
    matched = [p for pattern in config["rule_files"] for p in PROMETHEUS_DIR.glob(pattern)]
    assert sorted(matched) == sorted((PROMETHEUS_DIR / "rules").glob("*.yml")) != []


def test_the_required_alerts_exist_and_are_documented() -> None:
    found = rules()
    alerts = {rule["alert"] for rule in found if "alert" in rule}
    assert alerts >= REQUIRED_ALERTS
    for rule in found:
        assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]


def test_rules_select_only_metrics_the_code_defines(
    defined_series: frozenset[str], promql_names: Callable[[str], set[str]]
) -> None:
    missing = {
        rule["alert"]: sorted(promql_names(rule["expr"]) - defined_series) for rule in rules()
    }
    assert {alert: names for alert, names in missing.items() if names} == {}


def test_promql_name_extraction(promql_names: Callable[[str], set[str]]) -> None:
    expr = (
        'sum by (service, le) (rate(a_total{outcome="dlq", x=~"b.+"}[5m] offset 1h)) > 0.5e3 '
        "and on (job) histogram_quantile(0.9, c_bucket[$__rate_interval]) or up == bool 1"
    )
    assert promql_names(expr) == {"a_total", "c_bucket", "up"}


def run_promtool(promtool: Path, *args: str) -> None:
    done = subprocess.run(
        [str(promtool), *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def test_promtool_accepts_the_config_and_rules(promtool: Path | None) -> None:
    if promtool is None:
        pytest.skip("promtool not installed: `make tools`")
    run_promtool(promtool, "check", "config", "prometheus.yml")
    run_promtool(
        promtool, "check", "rules", *[str(p) for p in (PROMETHEUS_DIR / "rules").glob("*.yml")]
    )


def test_promtool_rule_tests_pass(promtool: Path | None) -> None:
    """Each alert fires on the trouble it names and stays quiet on healthy series."""
    if promtool is None:
        pytest.skip("promtool not installed: `make tools`")
    tests = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
    assert tests
    run_promtool(promtool, "test", "rules", *[str(p) for p in tests])
