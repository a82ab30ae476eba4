"""The audit log of admin actions (who, what, when, on what) in the state store, table audit_log."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel

from core.statefile import StateFile

API_ACTOR = "ADMIN_TOKEN"  # the actor of a change made through the bearer API
MAX_TEXT = 500
_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
)""",
    "CREATE INDEX IF NOT EXISTS audit_by_time ON audit_log (at)",
)


class AuditEntry(BaseModel):
    id: int
    at: float
    actor: str
    action: str
    target: str
    detail: str


class Audit:
    """Append-only: `record` after every state-changing admin action, `recent` to read, newest first.

    Actions are short dotted names: document.upload, document.delete, document.disable, chunk.enable,
    user.add, user.role, user.password, user.disable, eval.run, eval.set, curated.publish, …
    """

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self._state = StateFile(path, _SCHEMA)
        self._clock = clock

    def record(self, actor: str, action: str, target: str, detail: str = "") -> None:
        with self._state.connect() as db:
            db.execute(
                "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
                (self._clock(), actor[:MAX_TEXT], action[:MAX_TEXT], target[:MAX_TEXT], detail[:MAX_TEXT]),
            )

    def recent(
        self, *, limit: int = 200, offset: int = 0, actor: str = "", action: str = ""
    ) -> list[AuditEntry]:
        where: list[str] = []
        args: list[object] = []
        if actor:
            where.append("actor = ?")
            args.append(actor)
        if action:
            where.append("action LIKE ?")
            args.append(f"{action}%")
        sql = "SELECT id, at, actor, action, target, detail FROM audit_log"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        with self._state.connect() as db:
            rows = db.execute(sql, (*args, limit, offset)).fetchall()
        return [AuditEntry(id=r[0], at=r[1], actor=r[2], action=r[3], target=r[4], detail=r[5]) for r in rows]
