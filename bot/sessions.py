"""Conversations keyed by session id: the last N turns in <data_dir>/state.sqlite (tables named session_*)."""

from __future__ import annotations

import re
import sqlite3
import time
import uuid
from contextlib import AbstractContextManager
from pathlib import Path

from core.errors import InputError
from core.statefile import StateFile

from .followup import Turn

DEFAULT_TURNS = 5
_SESSION_ID = re.compile(r"[A-Za-z0-9_.:@-]{1,128}")

# Other parts of ipbot keep their own tables in the same file, so this module only creates and
# touches tables named session_*.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS session_turns (
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    created_at REAL NOT NULL,
    question TEXT NOT NULL,
    standalone TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
)
"""
# Added with session expiry; created on existing files too, so pruning reads only old turns.
_AGE_INDEX = "CREATE INDEX IF NOT EXISTS session_turns_by_age ON session_turns (created_at)"
DAY_S = 24 * 3600


def check_session_id(session_id: str) -> str:
    """The id, or InputError when it is not 1–128 letters, digits or _ . : @ -."""
    if not _SESSION_ID.fullmatch(session_id or ""):
        raise InputError(
            f"会话 ID {session_id!r} 无效：须为 1–128 个英文字母、数字或 _ . : @ -，例如 ipbot chat 打印的 ID"
        )
    return session_id


def new_session_id() -> str:
    """A fresh random session id."""
    return uuid.uuid4().hex[:12]


class SessionStore:
    """The last ``turns`` turns of each conversation; the file is created on first use, in WAL mode."""

    def __init__(self, path: Path, *, turns: int = DEFAULT_TURNS) -> None:
        self.path = path
        self._state = StateFile(path, (_SCHEMA, _AGE_INDEX))
        self.turns = turns

    def history(self, session_id: str) -> list[Turn]:
        """The session's last turns, oldest first (none for an unknown id)."""
        check_session_id(session_id)
        with self._connect() as db:
            rows = db.execute(
                "SELECT question, standalone, answer, refused, reason FROM session_turns"
                " WHERE session_id = ? ORDER BY seq DESC LIMIT ?",
                (session_id, self.turns),
            ).fetchall()
        return [Turn(q, s, a, bool(r), why) for q, s, a, r, why in reversed(rows)]

    def append(self, session_id: str, turn: Turn) -> None:
        """Add a turn and forget the session's turns older than the last ``turns``."""
        check_session_id(session_id)
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            (last,) = db.execute(
                "SELECT COALESCE(MAX(seq), 0) FROM session_turns WHERE session_id = ?", (session_id,)
            ).fetchone()
            db.execute(
                "INSERT INTO session_turns VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    last + 1,
                    time.time(),
                    turn.question,
                    turn.standalone,
                    turn.answer,
                    int(turn.refused),
                    turn.reason,
                ),
            )
            db.execute(
                "DELETE FROM session_turns WHERE session_id = ? AND seq <= ?",
                (session_id, last + 1 - self.turns),
            )
            db.execute("COMMIT")

    def prune(self, idle_s: float, *, now: float | None = None) -> int:
        """Delete sessions whose last turn is older than `idle_s` seconds; the number of turns deleted."""
        cutoff = (time.time() if now is None else now) - idle_s
        with self._connect() as db:
            cursor = db.execute(
                "DELETE FROM session_turns WHERE created_at < ? AND session_id NOT IN"
                " (SELECT session_id FROM session_turns WHERE created_at >= ?)",
                (cutoff, cutoff),
            )
            return cursor.rowcount

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._state.connect()
