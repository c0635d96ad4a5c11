"""What every router needs: sessions, the clock, role checks, and a hook to wake the workers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from services.alerting.workflow import Actor
from shared.http.auth import Caller, require_roles

RoleCheck = Callable[[Request], Caller]


@dataclass(frozen=True)
class ApiContext:
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    on_change: Callable[[], None] = field(default=lambda: None)
    """Called after a commit that queued events (wakes the outbox publisher and webhooks)."""

    @property
    def viewer(self) -> RoleCheck:
        return require_roles(self.sessions, "viewer", "analyst")

    @property
    def analyst(self) -> RoleCheck:
        return require_roles(self.sessions, "analyst")

    @property
    def admin(self) -> RoleCheck:
        return require_roles(self.sessions, "admin")


def actor(caller: Caller) -> Actor:
    return Actor(key_id=caller.key_id, name=caller.name)
