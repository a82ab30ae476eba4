"""The state store file (<data_dir>/state.sqlite): short-lived WAL connections, each module its own tables."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path

BUSY_TIMEOUT_S = 5.0


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
            self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)) as db:
            if not self._ready:
                db.execute("PRAGMA journal_mode=WAL")
                for statement in self._schema:
                    db.execute(statement)
                self._ready = True
            yield db
