"""The state store file (<data_dir>/state.sqlite): short-lived WAL connections, each module its own tables."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

BUSY_TIMEOUT_S = 5.0
_RETRY_S = 0.02

# Several modules keep their own StateFile over one path; their first uses may come at once from
# different threads. One lock makes the one-time set-up in this process run one at a time.
_SET_UP = threading.Lock()


class StateFile:
    """Connections to one SQLite file; the file and the owner's tables are created on first use."""

    def __init__(self, path: Path, schema: Sequence[str]) -> None:
        self.path = path
        self._schema = tuple(schema)
        self._ready = False

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A short-lived connection (autocommit; transactions are explicit)."""
        if not self._ready:
            self._set_up()
        with closing(self._open()) as db:
            yield db

    def _open(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)

    def _set_up(self) -> None:
        with _SET_UP:
            if self._ready:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._open()) as db:
                use_wal(db)
                # An immediate transaction waits for other writers (the busy timeout applies), where
                # a bare CREATE could meet another process's set-up and fail at once.
                db.execute("BEGIN IMMEDIATE")
                for statement in self._schema:
                    db.execute(statement)
                db.execute("COMMIT")
            self._ready = True


def use_wal(db: sqlite3.Connection) -> None:
    """Put the file in WAL mode (it stays so); another process setting it up at once is waited for.

    Changing the journal mode needs the file to itself, and SQLite may report a lock at once instead
    of waiting out the busy timeout, so the change is retried until that timeout has passed.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            (mode,) = db.execute("PRAGMA journal_mode").fetchone()
            if str(mode).lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(_RETRY_S)
