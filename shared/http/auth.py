"""API-key authentication for FastAPI: 401 without a valid key, 403 without the role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from shared.db.api_keys import find_api_key
from shared.db.models.api_keys import ApiKey

API_KEY_HEADER = "X-API-Key"


@dataclass(frozen=True)
class Caller:
    key_id: str
    name: str
    role: str


FindKey = Callable[[Session, str], ApiKey | None]


def require_roles(
    sessions: sessionmaker[Session], *roles: str, find: FindKey = find_api_key
) -> Callable[[Request], Caller]:
    """A dependency that admits callers whose key has one of `roles` (admin always may);
    `find` looks the key up (ingest's remembers verified keys for a few seconds)."""
    allowed = set(roles) | {"admin"}

    def dependency(request: Request) -> Caller:
        plain = request.headers.get(API_KEY_HEADER)
        if not plain:
            auth = request.headers.get("Authorization", "")
            plain = auth[7:] if auth.lower().startswith("bearer ") else None
        if not plain:
            raise HTTPException(401, f"missing API key (send it in {API_KEY_HEADER})")
        with sessions() as session:
            key = find(session, plain)
        if key is None:
            raise HTTPException(401, "invalid or revoked API key")
        if key.role not in allowed:
            raise HTTPException(403, f"role {key.role!r} may not do this")
        return Caller(key_id=key.key_id, name=key.name, role=key.role)

    return dependency
