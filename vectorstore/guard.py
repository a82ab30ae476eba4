"""Calls to an outside store with a deadline, and a breaker that fails fast while the store is down.

A call that errs or overruns its deadline marks the store down (logged once); while down, calls fail
at once except one trial every `retry_s`, and the first call that succeeds marks it up again (logged
once). Each call runs in a daemon worker thread, so a hung connection never holds up the caller or
the process's exit; the breaker keeps such threads to about one per `retry_s`. A worker whose call
returned is reused (starting a thread per call cost about a millisecond of each search under load);
a hung one is never handed another call.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from core.errors import IpbotError, UpstreamError

log = logging.getLogger(__name__)

T = TypeVar("T")


class StoreUnavailableError(UpstreamError):
    """The vector store did not answer in time or refused the call; retry later (the index is intact)."""


@dataclass(frozen=True)
class StoreState:
    """Whether the store answered its last call, since when (monotonic seconds), and the last error."""

    up: bool
    since: float
    detail: str = ""


Listener = Callable[[StoreState], None]
Job = Callable[[], None]
MAX_IDLE_WORKERS = 8


class _Workers:
    """Daemon threads that each run one job at a time and wait, idle, for the next."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._idle: list[queue.SimpleQueue[tuple[Job, threading.Event]]] = []
        self._lock = threading.Lock()

    def run(self, job: Job, done: threading.Event) -> None:
        """Start `job` on an idle worker (a new one when none is idle); `done` is set after it."""
        with self._lock:
            inbox = self._idle.pop() if self._idle else None
        if inbox is None:
            inbox = queue.SimpleQueue()
            threading.Thread(target=self._serve, args=(inbox,), name=self._name, daemon=True).start()
        inbox.put((job, done))

    def _serve(self, inbox: queue.SimpleQueue[tuple[Job, threading.Event]]) -> None:
        while True:
            job, done = inbox.get()
            job()
            with self._lock:
                stay = len(self._idle) < MAX_IDLE_WORKERS
                if stay:
                    self._idle.append(inbox)  # idle again before the caller wakes: its next call reuses it
            done.set()
            if not stay:
                return


class Guard:
    """Deadline and breaker around one store's calls; `name` appears in the log lines and errors."""

    def __init__(
        self,
        *,
        name: str,
        timeout_s: float,
        retry_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._name = name
        self._timeout_s = timeout_s
        self._retry_s = retry_s
        self._clock = clock
        self._lock = threading.Lock()
        self._state = StoreState(up=True, since=clock())
        self._next_trial = 0.0
        self._listeners: list[Listener] = []
        self._workers = _Workers(name)

    @property
    def state(self) -> StoreState:
        return self._state

    def watch(self, listener: Listener) -> None:
        """Call `listener` with the new state whenever the store goes down or comes back."""
        self._listeners.append(listener)

    def call(self, op: str, fn: Callable[[], T], *, timeout_s: float | None = None) -> T:
        """fn() within the deadline, else StoreUnavailableError; an IpbotError (ConfigError) passes as is."""
        self._admit(op)
        deadline = timeout_s if timeout_s is not None else self._timeout_s
        box: dict[str, object] = {}
        done = threading.Event()

        def run() -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed to the caller's thread below
                box["error"] = exc

        self._workers.run(run, done)
        if not done.wait(deadline):
            raise self._failed(f"{op} 超过 {deadline:g} 秒没有响应")
        error = box.get("error")
        if isinstance(error, IpbotError) and not isinstance(error, StoreUnavailableError):
            raise error
        if isinstance(error, BaseException):
            raise self._failed(f"{op} 失败：{type(error).__name__}: {error}") from error
        self._succeeded()
        return box["value"]  # type: ignore[return-value]

    def _admit(self, op: str) -> None:
        """While down, let one trial through every retry_s and refuse the rest at once."""
        with self._lock:
            if self._state.up:
                return
            now = self._clock()
            if now < self._next_trial:
                raise StoreUnavailableError(f"{self._name} 暂不可用：{self._state.detail}")
            self._next_trial = now + self._retry_s

    def _failed(self, detail: str) -> StoreUnavailableError:
        with self._lock:
            was_up = self._state.up
            self._state = StoreState(
                up=False, since=self._state.since if not was_up else self._clock(), detail=detail
            )
            self._next_trial = self._clock() + self._retry_s
            state = self._state
        if was_up:
            log.warning("%s unavailable: %s", self._name, detail)
            self._notify(state)
        return StoreUnavailableError(f"{self._name} 暂不可用：{detail}")

    def _succeeded(self) -> None:
        with self._lock:
            if self._state.up:
                return
            down_for = self._clock() - self._state.since
            self._state = state = StoreState(up=True, since=self._clock())
        log.warning("%s available again after %.1f s", self._name, down_for)
        self._notify(state)

    def _notify(self, state: StoreState) -> None:
        for listener in self._listeners:
            try:
                listener(state)
            except Exception:
                log.exception("%s state listener failed", self._name)
