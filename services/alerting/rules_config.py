"""Alert rules: what makes a screened match an alert, and how severe. Loaded from YAML or JSON.

See docs/alerting.md for the file format. Every field has a default, so an empty file (or none)
gives the built-in rules with the configured default threshold.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.schemas.alert import Severity
from shared.screening.screener import DEFAULT_THRESHOLD

SEVERITIES: tuple[Severity, ...] = ("low", "medium", "high", "critical")
FlagSeverity = Literal["low", "medium", "high"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListRule(_Strict):
    enabled: bool = True
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    programs_include: tuple[str, ...] = Field(
        default=(), description="alert only for entries under one of these programs (empty: all)"
    )
    programs_exclude: tuple[str, ...] = Field(
        default=(), description="no alert when every program of the entry is one of these"
    )
    min_severity: Severity | None = Field(default=None, description="severity floor for the list")


class ScoreBand(_Strict):
    min_score: float = Field(ge=0.0, le=1.0)
    severity: Severity


def _default_bands() -> tuple[ScoreBand, ...]:
    return (
        ScoreBand(min_score=0.95, severity="high"),
        ScoreBand(min_score=0.88, severity="medium"),
        ScoreBand(min_score=0.0, severity="low"),
    )


class SeverityRules(_Strict):
    bands: tuple[ScoreBand, ...] = Field(
        default_factory=_default_bands, description="the first band whose min_score <= score wins"
    )
    identifier_match: Severity = Field(
        default="critical", description="floor when an identifier agrees exactly"
    )
    risk_flag_min_severity: FlagSeverity = Field(
        default="high", description="risk flags at or above this raise the severity"
    )
    risk_flag_bump: int = Field(default=1, ge=0, le=3, description="levels added by such flags")

    @field_validator("bands")
    @classmethod
    def _sorted_and_total(cls, bands: tuple[ScoreBand, ...]) -> tuple[ScoreBand, ...]:
        if not bands:
            raise ValueError("at least one band")
        ordered = tuple(sorted(bands, key=lambda b: b.min_score, reverse=True))
        if ordered[-1].min_score != 0.0:
            raise ValueError("the lowest band must start at min_score 0.0")
        return ordered


class AlertRules(_Strict):
    default_threshold: float = Field(default=DEFAULT_THRESHOLD, ge=0.0, le=1.0)
    lists: dict[str, ListRule] = Field(default_factory=dict, description="by list id")
    severity: SeverityRules = Field(default_factory=SeverityRules)

    def for_list(self, list_id: str) -> ListRule:
        return self.lists.get(list_id, _DEFAULT_LIST_RULE)

    def threshold(self, list_id: str) -> float:
        rule = self.for_list(list_id)
        return rule.threshold if rule.threshold is not None else self.default_threshold


_DEFAULT_LIST_RULE = ListRule()


class RulesFileError(Exception):
    """The rules file is missing, unreadable or invalid: the service refuses to start."""


def load_rules(path: Path | None, default_threshold: float = DEFAULT_THRESHOLD) -> AlertRules:
    """The rules in `path` (YAML or JSON); built-ins with `default_threshold` when None."""
    if path is None:
        return AlertRules(default_threshold=default_threshold)
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise RulesFileError(f"cannot read alert rules {path}: {error}") from error
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RulesFileError(f"alert rules {path}: the top level must be a mapping")
    data.setdefault("default_threshold", default_threshold)
    try:
        return AlertRules.model_validate(data)
    except ValidationError as error:
        raise RulesFileError(f"invalid alert rules {path}:\n{error}") from error
