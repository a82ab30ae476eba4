"""WeChat message outbox in <data_dir>/state.sqlite (tables named wechat_*): dedupe, leases, replies.

One row per pushed message (AppID + MsgId, or FromUserName+CreateTime+Event for events), holding the
message itself so that any process can answer it again after a crash. Its states:

    pending ──answer ready, waiter present──▶ answered ──passive reply──▶ delivered
       │  └─answer ready, no waiter─▶ queued ◀──waiter gone (lease over)──┘   ▲
       └─passive window closed─▶ handoff ─answer ready─▶ queued ─claim─▶ sending ─┼─▶ failed | uncertain
                                                          └── WeChat retry: passive reply ─┘

`pending`, `handoff`, `queued` and `sending` are held under a lease (`owner`, `lease_until`) that the
holder renews while it works. A computing lease (pending/handoff) that runs out is taken over and the
message answered again; a sending lease that runs out becomes `uncertain`, never a second send.
Every transition is one conditional UPDATE, so only one caller ever wins it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from core.statefile import use_wal
from service.wechat.schema import migrate

KEEP_S = 2 * 24 * 3600
WINDOW_S = 48 * 3600  # WeChat's customer-service window after a user message
BUSY_TIMEOUT_MS = 5000
MAX_ANSWER_ATTEMPTS = 3
COMPUTING = ("pending", "handoff")
FINAL = ("delivered", "failed", "uncertain")
_RENEW_CHUNK = 500


@dataclass(frozen=True)
class Claimed:
    """A row this process now holds: its key and the stored message (JSON) or reply."""

    key: str
    channel: str
    payload: str


class MessageStore:
    """Durable per-message state shared by every worker process of the server."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time, lease_s: float = 30.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.lease_s = lease_s
        self._clock = clock
        with self._connect() as db:
            use_wal(db)
            migrate(db)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        # A connection per call: short transactions, no connection shared across threads.
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)) as db:
            db.execute("PRAGMA synchronous=NORMAL")
            yield db

    def _update(self, sql: str, args: tuple[object, ...]) -> list[tuple[str, ...]]:
        """One UPDATE ... RETURNING (or plain UPDATE, giving [] or [()] per row) in its own transaction."""
        with self._connect() as db:
            cursor = db.execute(sql, args)
            rows = cursor.fetchall()
            return rows if rows else [()] * max(cursor.rowcount, 0)

    def begin(self, key: str, *, channel: str, message: str, owner: str) -> bool:
        """Record a new message under `owner`'s lease; False when it was seen before (a retry)."""
        now = self._clock()
        with self._connect() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO wechat_messages (key, channel, state, message, owner, lease_until,"
                " attempts, created_at, updated_at) VALUES (?, ?, 'pending', ?, ?, ?, 1, ?, ?)",
                (key, channel, message, owner, now + self.lease_s, now, now),
            )
            return cursor.rowcount == 1

    def state(self, key: str) -> str | None:
        """The message's state, or None when unknown."""
        with self._connect() as db:
            row = db.execute("SELECT state FROM wechat_messages WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def take_over(self, key: str, *, owner: str) -> str | None:
        """Claim a message whose computing lease ran out (its owner died); its message JSON, or None."""
        now = self._clock()
        rows = self._update(
            "UPDATE wechat_messages SET state = 'pending', owner = ?, lease_until = ?,"
            " attempts = attempts + 1, updated_at = ? WHERE key = ? AND state IN ('pending', 'handoff')"
            " AND lease_until < ? AND message != '' AND attempts < ? AND created_at > ? RETURNING message",
            (owner, now + self.lease_s, now, key, now, MAX_ANSWER_ATTEMPTS, now - WINDOW_S),
        )
        return rows[0][0] if rows else None

    def answer_ready(self, key: str, reply: str, *, owner: str, waiter: bool) -> str | None:
        """Store the reply: 'answered' (a waiter replies passively), 'queued' (to send), None (lease lost)."""
        now = self._clock()
        if waiter and self._update(
            "UPDATE wechat_messages SET state = 'answered', reply = ?, lease_until = ?, updated_at = ?"
            " WHERE key = ? AND state = 'pending' AND owner = ?",
            (reply, now + self.lease_s, now, key, owner),
        ):
            return "answered"
        if self._update(
            "UPDATE wechat_messages SET state = 'queued', reply = ?, lease_until = ?, updated_at = ?"
            " WHERE key = ? AND state IN ('pending', 'handoff') AND owner = ?",
            (reply, now + self.lease_s, now, key, owner),
        ):
            return "queued"
        return None

    def take_passive(self, key: str) -> str | None:
        """Claim a stored reply for a passive reply (answered, or queued and not yet sent); None otherwise."""
        rows = self._update(
            "UPDATE wechat_messages SET state = 'delivered', via = 'passive', message = '', updated_at = ?"
            " WHERE key = ? AND state IN ('answered', 'queued') RETURNING reply",
            (self._clock(), key),
        )
        return rows[0][0] if rows else None

    def close_passive(self, key: str) -> str | None:
        """Passive window over: hand a computing message to the sender, or claim a reply just ready."""
        if self._update(
            "UPDATE wechat_messages SET state = 'handoff', updated_at = ?"
            " WHERE key = ? AND state = 'pending'",
            (self._clock(), key),
        ):
            return None
        return self.take_passive(key)

    def release_passive(self, key: str) -> bool:
        """The waiter is gone: a computing message goes to the sender, an answered one is queued."""
        now = self._clock()
        return bool(
            self._update(
                "UPDATE wechat_messages SET updated_at = ?,"
                " state = CASE state WHEN 'pending' THEN 'handoff' ELSE 'queued' END"
                " WHERE key = ? AND state IN ('pending', 'answered')",
                (now, key),
            )
        )

    def claim_send(self, key: str, *, owner: str) -> tuple[str, str] | None:
        """Claim a queued reply (ours, or lapsed) for custom/send: (reply, message JSON), or None."""
        now = self._clock()
        rows = self._update(
            "UPDATE wechat_messages SET state = 'sending', owner = ?, lease_until = ?, updated_at = ?"
            " WHERE key = ? AND state = 'queued' AND (owner = ? OR lease_until < ?) AND created_at > ?"
            " RETURNING reply, message",
            (owner, now + self.lease_s, now, key, owner, now, now - WINDOW_S),
        )
        return (rows[0][0], rows[0][1]) if rows else None

    def sent(self, key: str, outcome: str, *, owner: str) -> bool:
        """Record the outcome of a send ('delivered', 'failed' or 'uncertain'); False when not ours."""
        if outcome not in FINAL:
            raise ValueError(f"unknown send outcome {outcome!r}")
        return bool(
            self._update(
                "UPDATE wechat_messages SET state = ?, via = 'custom_send', message = '', updated_at = ?"
                " WHERE key = ? AND state = 'sending' AND owner = ?",
                (outcome, self._clock(), key, owner),
            )
        )

    def renew(self, keys: Sequence[str], *, owner: str) -> None:
        """Extend `owner`'s leases on `keys` (the work it still has in flight)."""
        until = self._clock() + self.lease_s
        for start in range(0, len(keys), _RENEW_CHUNK):
            chunk = list(keys[start : start + _RENEW_CHUNK])
            marks = ", ".join("?" * len(chunk))
            self._update(
                f"UPDATE wechat_messages SET lease_until = ? WHERE owner = ? AND key IN ({marks})"
                " AND state IN ('pending', 'handoff', 'answered', 'queued', 'sending')",
                (until, owner, *chunk),
            )

    def settle_lapsed(self, channel: str) -> dict[str, int]:
        """Resolve rows whose holder died: sends → uncertain, answered → queued, hopeless → failed."""
        now, window = self._clock(), self._clock() - WINDOW_S
        lapsed = "channel = ? AND lease_until < ?"
        uncertain = self._update(
            f"UPDATE wechat_messages SET state = 'uncertain', message = '', updated_at = ?"
            f" WHERE {lapsed} AND state = 'sending'",
            (now, channel, now),
        )
        self._update(
            f"UPDATE wechat_messages SET state = 'queued', updated_at = ?"
            f" WHERE {lapsed} AND state = 'answered'",
            (now, channel, now),
        )
        failed = self._update(
            f"UPDATE wechat_messages SET state = 'failed', message = '', updated_at = ? WHERE {lapsed}"
            " AND state IN ('pending', 'handoff', 'queued')"
            " AND (created_at <= ? OR message = '' OR (state != 'queued' AND attempts >= ?))",
            (now, channel, now, window, MAX_ANSWER_ATTEMPTS),
        )
        return {"uncertain": len(uncertain), "failed": len(failed)}

    def lapsed(self, channel: str, *, limit: int = 100) -> list[tuple[str, str]]:
        """(key, state) of rows whose holder died and that can still be answered or sent."""
        now = self._clock()
        with self._connect() as db:
            rows = db.execute(
                "SELECT key, state FROM wechat_messages WHERE channel = ? AND lease_until < ?"
                " AND state IN ('pending', 'handoff', 'queued') AND created_at > ?"
                " ORDER BY created_at LIMIT ?",
                (channel, now, now - WINDOW_S, limit),
            ).fetchall()
        return [(str(key), str(state)) for key, state in rows]

    def prune(self) -> int:
        """Forget messages older than two days (WeChat stopped retrying them long ago)."""
        rows = self._update("DELETE FROM wechat_messages WHERE created_at < ?", (self._clock() - KEEP_S,))
        return len(rows)
