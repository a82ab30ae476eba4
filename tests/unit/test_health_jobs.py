"""Background admin jobs: progress while running, the result or the error after, one job per kind at a time."""

import threading

from core.errors import IngestError
from service.jobs import Job, Jobs, JobState
from tests.fakes.live_server import wait_until


def finished(jobs: Jobs, job_id: str) -> Job:
    wait_until(lambda: not jobs.get(job_id).active, timeout=30, what="the job")  # type: ignore[union-attr]
    job = jobs.get(job_id)
    assert job is not None
    return job


def test_a_job_reports_progress_then_its_result() -> None:
    jobs = Jobs()
    step = threading.Event()
    go = threading.Event()

    def work(report):
        report("embed", 3, 10)
        step.set()
        go.wait(30)
        return {"added": 1}

    job = jobs.start("reingest", work)
    assert job.state in (JobState.QUEUED, JobState.RUNNING)
    step.wait(30)
    running = jobs.get(job.id)
    assert running is not None and (running.phase, running.done, running.total) == ("embed", 3, 10)
    assert jobs.start("reingest", work).id == job.id  # the same kind is not started twice
    go.set()
    done = finished(jobs, job.id)
    assert done.state is JobState.SUCCEEDED and done.result == {"added": 1} and done.finished is not None


def test_a_failed_job_keeps_the_reason_and_a_crash_hides_internals() -> None:
    seen: list[Job] = []
    jobs = Jobs(on_finish=seen.append)

    def bad_file(report):
        raise IngestError("broken.txt: 无法解析")

    def crash(report):
        raise RuntimeError("secret path /srv/x")

    failed = finished(jobs, jobs.start("reingest", bad_file).id)
    crashed = finished(jobs, jobs.start("reconcile", crash).id)
    assert failed.state is JobState.FAILED and "broken.txt" in (failed.error or "")
    assert crashed.state is JobState.FAILED and "secret" not in (crashed.error or "")
    wait_until(lambda: len(seen) == 2, timeout=30, what="both jobs reported")
    assert [j.id for j in seen] == [failed.id, crashed.id]
    assert jobs.start("reingest", lambda report: {}).id != failed.id  # a finished job is not reused
