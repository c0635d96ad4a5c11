"""Ingest's verified-key cache: a valid key is trusted for a few seconds, an invalid one never."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from services.ingest.keys import VerifiedKeys
from shared.db.models.api_keys import ApiKey

KEY = ApiKey(key_id="k1", name="feeder", role="ingest", key_hash="h")
UNUSED = Session()  # the lookup below answers without a database


class Database:
    """What `find_api_key` would answer, and how often it was asked."""

    def __init__(self) -> None:
        self.valid: dict[str, ApiKey] = {"tw_good": KEY}
        self.lookups = 0

    def find(self, session: Any, plain: str) -> ApiKey | None:
        self.lookups += 1
        return self.valid.get(plain)


def test_a_valid_key_is_looked_up_once_per_ttl_and_revocation_shows_after_it() -> None:
    database, now = Database(), [100.0]
    keys = VerifiedKeys(ttl_s=5.0, clock=lambda: now[0], lookup=database.find)
    assert keys.find(UNUSED, "tw_good") is KEY
    now[0] += 4.9
    assert keys.find(UNUSED, "tw_good") is KEY
    assert database.lookups == 1
    del database.valid["tw_good"]  # revoked
    assert keys.find(UNUSED, "tw_good") is KEY  # still within the ttl
    now[0] += 0.1
    assert keys.find(UNUSED, "tw_good") is None
    assert database.lookups == 2


def test_an_unknown_key_is_looked_up_every_time_so_a_new_key_works_at_once() -> None:
    database = Database()
    keys = VerifiedKeys(ttl_s=5.0, clock=lambda: 0.0, lookup=database.find)
    assert keys.find(UNUSED, "tw_new") is None
    database.valid["tw_new"] = KEY
    assert keys.find(UNUSED, "tw_new") is KEY
    assert database.lookups == 2
