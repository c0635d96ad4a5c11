"""Create and verify API keys. Keys are random, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.db.models.api_keys import ApiKey

ROLES = ("viewer", "analyst", "admin", "ingest")
KEY_PREFIX = "tw_"


def hash_key(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def create_api_key(session: Session, *, name: str, role: str) -> tuple[str, str]:
    """Store a new key; return (key_id, plain key). The plain key is never stored."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    key_id = secrets.token_hex(8)
    plain = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(24)}"
    session.add(ApiKey(key_id=key_id, name=name, role=role, key_hash=hash_key(plain)))
    return key_id, plain


def find_api_key(session: Session, plain: str) -> ApiKey | None:
    """The active key with this secret, or None."""
    found = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(plain)))
    if found is None or found.revoked_at is not None:
        return None
    return found
