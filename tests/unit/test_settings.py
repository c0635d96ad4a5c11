"""Settings: defaults that work on a developer machine, one alert threshold everywhere."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.alerting.rules_config import load_rules
from shared.config import Settings
from shared.screening.screener import DEFAULT_THRESHOLD


def test_the_alert_threshold_is_the_matchers_default_everywhere() -> None:
    assert Settings().alert_threshold == DEFAULT_THRESHOLD
    assert load_rules(None).default_threshold == DEFAULT_THRESHOLD


def test_defaults_point_at_make_up(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRADEWATCH_KAFKA_BOOTSTRAP_SERVERS", "TRADEWATCH_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.kafka_bootstrap_servers == "127.0.0.1:9092"
    assert "@127.0.0.1:5432/tradewatch" in settings.database_url.get_secret_value()
    assert "tradewatch:tradewatch" not in repr(settings)  # the URL is a secret


def test_environment_overrides_and_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADEWATCH_INGEST_PORT", "9001")
    assert Settings().ingest_port == 9001
    monkeypatch.setenv("TRADEWATCH_INGEST_PORT", "not-a-port")
    with pytest.raises(ValidationError, match="ingest_port"):
        Settings()
