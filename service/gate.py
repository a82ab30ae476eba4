"""A readers-writer lock over the index: many answers at once, or one index change alone."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class IndexGate:
    """Answers read concurrently; an upload, delete or re-ingest waits for them and runs alone.

    A waiting writer holds back new readers, so a steady stream of questions cannot starve it.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    def writer_waiting(self) -> bool:
        """Whether an index change is queued behind the answers in progress."""
        with self._cond:
            return self._writers_waiting > 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and not self._writers_waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            self._cond.wait_for(lambda: not self._writing and not self._readers)
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()
