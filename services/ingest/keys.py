"""API keys verified in PostgreSQL, remembered for a few seconds.

Every request to ingest carries its key, and a sender sends many requests with the same one: a
key found valid is trusted again for `ttl_s` without a database round trip. So a key revoked (or
its role changed) stops working at ingest within `ttl_s`, not at once. An unknown or revoked key
is never remembered: it is looked up on every request, so a new key works at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from shared.db.api_keys import find_api_key, hash_key
from shared.db.models.api_keys import ApiKey

API_KEY_CACHE_S = 5.0
MAX_KEYS = 10_000


@dataclass(frozen=True)
class _Verified:
    key: ApiKey
    until: float


class VerifiedKeys:
    """`find` for `shared.http.auth.require_roles`; safe to call from many request threads."""

    def __init__(
        self,
        ttl_s: float = API_KEY_CACHE_S,
        clock: Callable[[], float] = time.monotonic,
        lookup: Callable[[Session, str], ApiKey | None] = find_api_key,
    ) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._lookup = lookup
        self._verified: dict[str, _Verified] = {}

    def find(self, session: Session, plain: str) -> ApiKey | None:
        digest = hash_key(plain)
        now = self._clock()
        known = self._verified.get(digest)
        if known is not None and now < known.until:
            return known.key
        key = self._lookup(session, plain)
        if key is None:
            self._verified.pop(digest, None)
            return None
        if len(self._verified) >= MAX_KEYS:
            self._verified.clear()
        # Detached once the request's session closes; only its loaded attributes are read.
        self._verified[digest] = _Verified(key, now + self._ttl_s)
        return key
