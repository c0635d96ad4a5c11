"""Settings from the environment (prefix TRADEWATCH_) and an optional `.env`.

Defaults point at the services `make up` starts, so a developer machine needs no configuration.
Validated once, in each entry point; components receive plain values.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRADEWATCH_", env_file=".env", extra="ignore", frozen=True
    )

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", description="Kafka bootstrap servers, comma separated"
    )
    database_url: SecretStr = Field(
        default=SecretStr("postgresql+psycopg://tradewatch:tradewatch@127.0.0.1:5432/tradewatch"),
        description="SQLAlchemy URL of the PostgreSQL database",
    )
    topic_prefix: str = Field(
        default="", description="prefix for every topic name (tests use it for isolation)"
    )
    http_host: str = Field(default="0.0.0.0", description="address the HTTP server binds")
    ingest_port: int = Field(default=8001, description="ingest HTTP port")
    enrichment_port: int = Field(default=8002, description="enrichment HTTP port")
    alerting_port: int = Field(default=8003, description="alerting HTTP port")
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING, ERROR")
    log_format: str = Field(default="text", description="text or json")
    poll_timeout_ms: int = Field(default=500, description="consumer poll timeout")
    max_poll_records: int = Field(default=500, description="records per consumer poll")
    commit_interval_ms: int = Field(default=1000, description="how often offsets are committed")
    retry_attempts: int = Field(default=8, description="transient-error retries before crashing")
    retry_backoff_ms: int = Field(default=200, description="first retry backoff, doubled each time")
    retry_backoff_max_ms: int = Field(default=10_000, description="retry backoff ceiling")
    # The matcher's DEFAULT_THRESHOLD (best F1 on the evaluation, docs/screening.md); a test
    # keeps the two equal. Not imported: settings must not pull in the matcher.
    alert_threshold: float = Field(default=0.70, description="default score that raises an alert")
    lookback_days: int = Field(default=90, description="rescreen look-back window")
    sanctions_data_dir: Path = Field(
        default=PROJECT_ROOT.parent / "shared" / "data",
        description="where the reference sanctions lists and evaluation data live",
    )
    max_body_bytes: int = Field(default=10 * 1024 * 1024, description="ingest HTTP body limit")
    max_batch_records: int = Field(default=1000, description="records per ingest HTTP request")
    alert_rules_file: Path | None = Field(
        default=None, description="YAML or JSON alert rules (docs/alerting.md); built-ins if unset"
    )
    webhook_max_attempts: int = Field(default=8, description="deliveries tried before 'failed'")
    webhook_backoff_ms: int = Field(default=2000, description="first webhook retry delay, doubled")
    webhook_backoff_max_ms: int = Field(default=600_000, description="webhook retry delay ceiling")
    webhook_timeout_ms: int = Field(default=10_000, description="one webhook POST's timeout")


def load_settings() -> Settings:
    return Settings()
