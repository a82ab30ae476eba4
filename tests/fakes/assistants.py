"""Wrappers around the real assistant: count computations, or hold them until the test says go."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from app.settings import Settings
from app.wiring import build_assistant, open_index
from bot.assistant import Assistant
from core.records import Answer, StreamEvent


class CountingAssistant:
    """Delegates to a real Assistant; counts answers and can hold each one until `release()`."""

    def __init__(self, inner: Assistant, *, held: bool = False) -> None:
        self._inner = inner
        self._go = threading.Event()
        if not held:
            self._go.set()
        self.started = threading.Event()
        self.calls: list[str] = []
        self._lock = threading.Lock()

    def release(self) -> None:
        """Let held answers (and all later ones) proceed."""
        self._go.set()

    def answer(self, question: str, **options: Any) -> Answer:
        with self._lock:
            self.calls.append(question)
        self.started.set()
        if not self._go.wait(timeout=60):
            raise RuntimeError("held answer was never released")
        return self._inner.answer(question, **options)

    def stream(self, question: str, **options: Any) -> Iterator[StreamEvent]:
        with self._lock:
            self.calls.append(question)
        yield from self._inner.stream(question, **options)


class OwnIndex:
    """A real index and assistant over one data directory, wrapped in a CountingAssistant; close() after."""

    def __init__(self, settings: Settings, *, held: bool = False) -> None:
        self.index = open_index(settings)
        self.assistant = CountingAssistant(build_assistant(settings, self.index), held=held)

    def close(self) -> None:
        self.index.close()
