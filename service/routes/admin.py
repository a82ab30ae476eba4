"""Admin routes (Bearer ADMIN_TOKEN): upload → ingest, delete, re-ingest and vector repair as jobs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from ..deps import AuditDep, JobsDep, LibraryDep, require_admin
from ..documents import FILENAME_PATTERN, MAX_FILENAME_CHARS
from ..errors import NotFoundError
from ..jobs import Job
from ..schemas import ErrorOut, JobOut, JobProgress, RemovedOut, UploadOut
from ..staff.audit import API_ACTOR

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 404, 409, 413, 422)
}
_RAW_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.post(
    "/documents",
    status_code=201,
    responses=_ERRORS,
    openapi_extra=_RAW_BODY,
    summary="上传并导入一个文件（请求体为文件原始字节）",
)
async def upload_document(
    request: Request,
    library: LibraryDep,
    audit: AuditDep,
    filename: Annotated[
        str,
        # The pattern is documented, and checked by the library so the 400 says what is wrong.
        Query(min_length=1, max_length=MAX_FILENAME_CHARS, json_schema_extra={"pattern": FILENAME_PATTERN}),
    ],
) -> UploadOut:
    """`?filename=方案.pdf`; a file that cannot be read is refused and the index stays as it was."""
    data = await request.body()
    added = await run_in_threadpool(library.add, filename, data)
    audit.record(API_ACTOR, "document.upload", added.doc_id, filename)
    return added


@router.delete("/documents/{doc_id}", responses=_ERRORS, summary="删除一个文件")
def delete_document(doc_id: str, library: LibraryDep, audit: AuditDep) -> RemovedOut:
    removed = library.remove(doc_id)
    audit.record(API_ACTOR, "document.delete", doc_id)
    return removed


def job_out(job: Job) -> JobOut:
    return JobOut(
        job_id=job.id,
        kind=job.kind,
        state=job.state.value,
        progress=JobProgress(phase=job.phase, done=job.done, total=job.total),
        result=job.result,
        error=job.error,
    )


@router.post(
    "/reingest",
    status_code=202,
    responses=_ERRORS,
    summary="后台重新导入自带政策文件和上传的文件（返回任务，GET /admin/jobs/{job_id} 查看进度）",
)
def reingest(library: LibraryDep, jobs: JobsDep, audit: AuditDep) -> JobOut:
    """Answers keep coming from the previous index until the new one is swapped in (milliseconds)."""
    audit.record(API_ACTOR, "document.reingest", "全部文件")
    return job_out(jobs.start("reingest", lambda report: asdict(library.reingest(report))))


@router.post(
    "/reconcile",
    status_code=202,
    responses=_ERRORS,
    summary="后台核对向量库与目录：补回缺失的向量（取自缓存），删除多余的向量",
)
def reconcile(library: LibraryDep, jobs: JobsDep) -> JobOut:
    return job_out(jobs.start("reconcile", lambda report: asdict(library.reconcile(report))))


@router.get("/jobs/{job_id}", responses=_ERRORS, summary="后台任务的状态与进度")
def job(job_id: str, jobs: JobsDep) -> JobOut:
    found = jobs.get(job_id)
    if found is None:
        raise NotFoundError(f"没有 ID 为 {job_id!r} 的任务（服务重启后任务记录不保留）")
    return job_out(found)
