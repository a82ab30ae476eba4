"""Event links (活动链接): a random token valid for some days, revocable, kept in the state store."""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.statefile import StateFile

DAY_S = 86_400.0
MAX_DAYS = 90
TOKEN_BYTES = 18  # 24 URL-safe characters
_SCHEMA = """CREATE TABLE IF NOT EXISTS vol_events (
    token TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    revoked_at REAL
)"""


class EventState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Event:
    token: str
    name: str
    created_at: float
    expires_at: float
    revoked_at: float | None = None

    def state(self, now: float) -> EventState:
        if self.revoked_at is not None:
            return EventState.REVOKED
        return EventState.VALID if now < self.expires_at else EventState.EXPIRED


REFUSALS = {
    EventState.EXPIRED: "这个活动链接已过期。",
    EventState.REVOKED: "这个活动链接已被管理员收回。",
    EventState.UNKNOWN: "需要活动链接才能使用志愿者页面。",
}


class EventStore:
    """Event links in the state store (table vol_events)."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self._state = StateFile(path, (_SCHEMA,))
        self._clock = clock

    def create(self, name: str, days: int) -> Event:
        """A new link valid for `days` days from now."""
        now = self._clock()
        event = Event(secrets.token_urlsafe(TOKEN_BYTES), name.strip(), now, now + days * DAY_S)
        with self._connect() as db:
            db.execute(
                "INSERT INTO vol_events (token, name, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (event.token, event.name, event.created_at, event.expires_at),
            )
        return event

    def get(self, token: str) -> Event | None:
        with self._connect() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM vol_events WHERE token = ?", (token,)).fetchone()
        return _row(row) if row else None

    def check(self, token: str | None) -> tuple[EventState, Event | None]:
        """The link's state now (UNKNOWN for a missing or never-issued token) and the event if known."""
        event = self.get(token) if token else None
        if event is None:
            return EventState.UNKNOWN, None
        return event.state(self._clock()), event

    def revoke(self, token: str) -> Event | None:
        """Revoke a link (idempotent); None when no such link was issued."""
        with self._connect() as db:
            db.execute(
                "UPDATE vol_events SET revoked_at = ? WHERE token = ? AND revoked_at IS NULL",
                (self._clock(), token),
            )
        return self.get(token)

    def list(self) -> list[Event]:
        """Newest first."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM vol_events ORDER BY created_at DESC").fetchall()
        return [_row(r) for r in rows]

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._state.connect()


_COLUMNS = "token, name, created_at, expires_at, revoked_at"


def _row(row: tuple[Any, ...]) -> Event:
    return Event(row[0], row[1], row[2], row[3], row[4])
