"""The wechat_* tables in state.sqlite and their migration from older versions (columns added in place)."""

from __future__ import annotations

import sqlite3

# Other parts of ipbot keep their own tables in the same file; this module only touches wechat_*.
_TABLE = """
CREATE TABLE IF NOT EXISTS wechat_messages (
    key TEXT PRIMARY KEY,
    channel TEXT NOT NULL,
    state TEXT NOT NULL,
    reply TEXT NOT NULL DEFAULT '',
    via TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
)
"""
# Added for the outbox (issue 9): the message itself (to answer it again after a crash) and a lease.
# Rows from older servers get '' / 0, so they are never answered again, only settled as failed.
_ADDED = (
    ("message", "TEXT NOT NULL DEFAULT ''"),
    ("owner", "TEXT NOT NULL DEFAULT ''"),
    ("lease_until", "REAL NOT NULL DEFAULT 0"),
    ("attempts", "INTEGER NOT NULL DEFAULT 0"),
)
_INDEXES = (
    "CREATE INDEX IF NOT EXISTS wechat_messages_by_age ON wechat_messages (created_at)",
    "CREATE INDEX IF NOT EXISTS wechat_messages_by_lease ON wechat_messages (channel, state, lease_until)",
)


def migrate(db: sqlite3.Connection) -> None:
    """Create the tables, or bring an older file up to date; safe to run from several processes."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(_TABLE)
        have = {row[1] for row in db.execute("PRAGMA table_info(wechat_messages)")}
        for name, decl in _ADDED:
            if name not in have:
                db.execute(f"ALTER TABLE wechat_messages ADD COLUMN {name} {decl}")
        for ddl in _INDEXES:
            db.execute(ddl)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
