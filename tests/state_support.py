"""Another connection holding a write lock on a state file, for tests of first use under contention."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def writer_holding_the_file(path: Path, hold_s: float) -> Iterator[None]:
    """Another connection in the middle of a write transaction, which it commits after ``hold_s``.

    SQLite refuses a switch to WAL at once, without waiting, while such a lock is held.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE IF NOT EXISTS elsewhere (n INTEGER)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO elsewhere VALUES (1)")
    release = threading.Timer(hold_s, lambda: other.execute("COMMIT"))
    release.start()
    try:
        yield
    finally:
        release.join()
        other.close()
