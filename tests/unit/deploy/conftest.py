"""What the deployment files are checked against: the metric names the code defines, a PromQL
name extractor, the parsed compose file, and promtool (required under CI=true)."""

from __future__ import annotations

import importlib
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.config import PROJECT_ROOT

SOURCE_PACKAGES = ("shared", "services", "tradewatch_cli")
# A metric's constructor with its name as the first literal argument. Wrappers (Counter, ...)
# are also found by importing their modules; collectors (GaugeMetricFamily, ...) are built at
# scrape time, so for them the source is the only place the name can be read.
METRIC_DEFINITION = re.compile(
    r"\b(Counter|Gauge|Histogram|Summary|Info|Enum|"
    r"CounterMetricFamily|GaugeMetricFamily|HistogramMetricFamily|SummaryMetricFamily|"
    r"InfoMetricFamily|StateSetMetricFamily)\(\s*[\"']([a-zA-Z_:][a-zA-Z0-9_:]*)[\"']"
)
# Series Prometheus makes itself for every target.
SCRAPE_SERIES = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
PROMQL_KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring"}
    | {"group_left", "group_right", "inf", "nan", "atan2"}
)


def series_names(kind: str, name: str) -> set[str]:
    """The series names prometheus-client exposes for a metric of this kind and name."""
    kind = kind.removesuffix("MetricFamily").lower()
    if kind == "counter":
        base = name.removesuffix("_total")
        return {f"{base}_total", f"{base}_created"}
    if kind == "histogram":
        return {f"{name}_bucket", f"{name}_sum", f"{name}_count", f"{name}_created"}
    if kind == "summary":
        return {name, f"{name}_sum", f"{name}_count", f"{name}_created"}
    if kind == "info":
        return {name if name.endswith("_info") else f"{name}_info"}
    return {name}


def metric_defining_modules() -> dict[str, list[tuple[str, str]]]:
    """Module name -> [(kind, name)] for every source file that defines a metric."""
    found: dict[str, list[tuple[str, str]]] = {}
    for package in SOURCE_PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            definitions = METRIC_DEFINITION.findall(path.read_text(encoding="utf-8"))
            if definitions:
                module = ".".join(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
                found[module] = definitions
    return found


def imported_metric_series(module_name: str) -> set[str]:
    from prometheus_client.metrics import MetricWrapperBase

    module = importlib.import_module(module_name)
    names: set[str] = set()
    for value in vars(module).values():
        if isinstance(value, MetricWrapperBase):
            for family in value.describe():
                names |= series_names(family.type, family.name)
    return names


@pytest.fixture(scope="session")
def defined_series() -> frozenset[str]:
    """Every series name the code can expose, plus Prometheus's own per-target series."""
    names: set[str] = set(SCRAPE_SERIES)
    modules = metric_defining_modules()
    assert "shared.metrics" in modules, "the metric definitions were not found"
    for module, definitions in modules.items():
        names |= imported_metric_series(module)
        for kind, name in definitions:
            names |= series_names(kind, name)
    return frozenset(names)


def promql_metric_names(expr: str) -> set[str]:
    """The metric names an expression selects (not functions, labels, keywords or durations)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\$\{?\w+\}?", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])[a-zA-Z_:][a-zA-Z0-9_:]*", text):
        word = match.group()
        if word.lower() in PROMQL_KEYWORDS or text[match.end() :].lstrip().startswith("("):
            continue
        names.add(word)
    return names


@pytest.fixture(scope="session")
def promql_names() -> Callable[[str], set[str]]:
    return promql_metric_names


@pytest.fixture(scope="session")
def compose() -> dict[str, Any]:
    document = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="session")
def promtool() -> Path | None:
    """promtool from PATH or .local/bin (`make tools`); required under CI=true."""
    found = shutil.which("promtool") or shutil.which(
        "promtool", path=str(PROJECT_ROOT / ".local" / "bin")
    )
    if found is None and os.environ.get("CI") == "true":
        pytest.fail("promtool is missing: run `make tools` (deploy/prometheus/install-promtool.sh)")
    return Path(found) if found else None
