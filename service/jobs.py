"""Long admin operations (re-ingest, vector repair) run in the background; callers poll them by id."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from core.errors import IpbotError

log = logging.getLogger(__name__)

KEEP_FINISHED = 50


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class Job:
    """A snapshot of one background job; `result` is the operation's report once it succeeded."""

    id: str
    kind: str
    state: JobState
    phase: str = ""
    done: int = 0
    total: int = 0
    result: dict[str, Any] | None = None
    error: str | None = None
    created: float = 0.0
    finished: float | None = None

    @property
    def active(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING)


Report = Callable[[str, int, int], None]  # (phase, done, total)
Work = Callable[[Report], dict[str, Any]]


class Jobs:
    """Runs each job in its own thread and keeps the latest ones for polling.

    Starting a kind that is already queued or running returns that job instead of a second one.
    """

    def __init__(
        self, *, clock: Callable[[], float] = time.time, on_finish: Callable[[Job], None] | None = None
    ):
        self._clock = clock
        self._on_finish = on_finish
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def start(self, kind: str, work: Work) -> Job:
        """The running or queued job of this kind, else a new one running `work` in a thread."""
        job, _ = self._start(kind, work)
        return job

    def start_new(self, kind: str, work: Work) -> Job | None:
        """A new job running `work`, or None (and `work` never runs) while one of this kind is active."""
        job, new = self._start(kind, work)
        return job if new else None

    def _start(self, kind: str, work: Work) -> tuple[Job, bool]:
        with self._lock:
            current = next((j for j in self._jobs.values() if j.kind == kind and j.active), None)
            if current is not None:
                return current, False
            job = Job(id=uuid.uuid4().hex[:16], kind=kind, state=JobState.QUEUED, created=self._clock())
            self._jobs[job.id] = job
            self._forget_old()
        threading.Thread(target=self._run, args=(job.id, work), name=f"job-{kind}", daemon=True).start()
        return job, True

    def _update(self, job_id: str, **changes: Any) -> Job:
        with self._lock:
            job = self._jobs[job_id] = replace(self._jobs[job_id], **changes)
            return job

    def _run(self, job_id: str, work: Work) -> None:
        job = self._update(job_id, state=JobState.RUNNING)
        log.info("admin job %s (%s) started", job.id, job.kind)

        def report(phase: str, done: int, total: int) -> None:
            self._update(job_id, phase=phase, done=done, total=total)

        try:
            result = work(report)
        except IpbotError as exc:
            job = self._update(job_id, state=JobState.FAILED, error=str(exc), finished=self._clock())
            log.warning("admin job %s (%s) failed: %s", job.id, job.kind, exc)
        except Exception as exc:
            job = self._update(
                job_id, state=JobState.FAILED, error="内部错误，详见服务日志", finished=self._clock()
            )
            log.exception("admin job %s (%s) crashed", job.id, job.kind, exc_info=exc)
        else:
            job = self._update(job_id, state=JobState.SUCCEEDED, result=result, finished=self._clock())
            log.info("admin job %s (%s) done", job.id, job.kind)
        if self._on_finish is not None:
            self._on_finish(job)

    def _forget_old(self) -> None:
        finished = [j.id for j in self._jobs.values() if not j.active]
        for job_id in finished[: max(0, len(finished) - KEEP_FINISHED)]:
            del self._jobs[job_id]
