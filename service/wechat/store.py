"""WeChat message dedupe and reply hand-off in <data_dir>/state.sqlite (tables named wechat_*).

One row per pushed message (AppID + MsgId, or FromUserName+CreateTime+Event for events). Its state:

    pending ──answer ready──▶ answered ──passive reply──▶ delivered
       │                                                     ▲
       └─passive window closed─▶ handoff ──answer ready──▶ sending ──▶ delivered | failed

Every transition is one conditional UPDATE, so only one caller ever wins it: a retried push never
starts a second computation, and an answer is sent (passively or through custom/send) at most once.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

KEEP_S = 2 * 24 * 3600
BUSY_TIMEOUT_MS = 5000
_PRUNE_EVERY_S = 600.0

# Other parts of ipbot keep their own tables in the same file; this module only touches wechat_*.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS wechat_messages (
    key TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '',
    via TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS wechat_messages_by_age ON wechat_messages (created_at);
"""


class MessageStore:
    """Durable per-message state shared by every worker process of the server."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._clock = clock
        self._pruned_at = 0.0
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A connection per call: short transactions, no connection shared across threads.
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)) as db:
            db.execute("PRAGMA synchronous=NORMAL")
            yield db

    def _move(self, key: str, source: str, target: str, **values: str) -> bool:
        sets = ", ".join(f"{name} = ?" for name in values)
        with self._connect() as db:
            cursor = db.execute(
                f"UPDATE wechat_messages SET state = ?, updated_at = ?{', ' if sets else ''}{sets}"
                " WHERE key = ? AND state = ?",
                (target, self._clock(), *values.values(), key, source),
            )
            return cursor.rowcount == 1

    def begin(self, key: str, *, channel: str) -> bool:
        """Record a new message as pending; False when it was seen before (a retry)."""
        now = self._clock()
        with self._connect() as db:
            if now - self._pruned_at > _PRUNE_EVERY_S:
                db.execute("DELETE FROM wechat_messages WHERE created_at < ?", (now - KEEP_S,))
                self._pruned_at = now
            cursor = db.execute(
                "INSERT OR IGNORE INTO wechat_messages (key, channel, state, created_at, updated_at)"
                " VALUES (?, ?, 'pending', ?, ?)",
                (key, channel, now, now),
            )
            return cursor.rowcount == 1

    def state(self, key: str) -> str | None:
        """The message's state, or None when unknown."""
        with self._connect() as db:
            row = db.execute("SELECT state FROM wechat_messages WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def answer_ready(self, key: str, reply: str) -> bool:
        """Store the reply; True when it now awaits a passive reply, False when it must be sent instead."""
        if self._move(key, "pending", "answered", reply=reply):
            return True
        if not self._move(key, "handoff", "sending", reply=reply):
            raise LookupError(f"message {key} is neither pending nor handed off")
        return False

    def take_passive(self, key: str) -> str | None:
        """Claim the ready reply for a passive reply; None when it is not ready or already taken."""
        with self._connect() as db:
            row = db.execute(
                "UPDATE wechat_messages SET state = 'delivered', via = 'passive', updated_at = ?"
                " WHERE key = ? AND state = 'answered' RETURNING reply",
                (self._clock(), key),
            ).fetchone()
        return str(row[0]) if row else None

    def close_passive(self, key: str) -> str | None:
        """Passive window over: hand a pending message to the sender, or claim a reply that just got ready."""
        if self._move(key, "pending", "handoff"):
            return None
        return self.take_passive(key)

    def hand_off(self, key: str) -> str | None:
        """No passive reply will come: hand a pending message to the sender, or claim a ready reply."""
        if self._move(key, "pending", "handoff"):
            return None
        with self._connect() as db:
            row = db.execute(
                "UPDATE wechat_messages SET state = 'sending', updated_at = ?"
                " WHERE key = ? AND state = 'answered' RETURNING reply",
                (self._clock(), key),
            ).fetchone()
        return str(row[0]) if row else None

    def start_send(self, key: str, reply: str) -> bool:
        """Claim a pending message for custom/send (the mini-program path); False when already claimed."""
        return self._move(key, "pending", "sending", reply=reply)

    def sent(self, key: str, *, ok: bool) -> None:
        """Record the outcome of the one custom/send attempt sequence."""
        self._move(key, "sending", "delivered" if ok else "failed", via="custom_send")
