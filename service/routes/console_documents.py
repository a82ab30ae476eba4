"""The console's 文件 page: the documents table, upload, the clause tree, switches, delete, re-ingest."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from core.errors import IpbotError

from ..deps import AuditDep, JobsDep, LibraryDep, ServicesDep, SwitchesDep
from ..errors import classify
from ..staff.roles import AdminPosting, back_to
from ..staff.web import ConsoleDep, Viewer, ViewerDep
from ..uploads import JOB_KIND, batch_result, ingest_batch
from .admin_documents import read_files

router = APIRouter(prefix="/console", include_in_schema=False)
REINGEST_KIND = "reingest"
JOB_KINDS = {JOB_KIND: "上传导入", REINGEST_KIND: "重新导入", "eval": "评测"}


def _see(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _table_page(
    request: Request, console: ConsoleDep, viewer: Viewer, switches: SwitchesDep, **extra: Any
) -> Response:
    status = extra.pop("status", 200)
    context = viewer.context(page="documents", rows=switches.table(), **{"job_id": "", "error": "", **extra})
    return console.page(request, "documents.html", context, status=status)


@router.get("/documents")
async def documents_page(
    request: Request, viewer: ViewerDep, console: ConsoleDep, switches: SwitchesDep, job: str = ""
) -> Response:
    return _table_page(request, console, viewer, switches, job_id=job[:32])


@router.post("/documents/upload")
async def upload(
    request: Request,
    viewer: AdminPosting,
    console: ConsoleDep,
    services: ServicesDep,
    library: LibraryDep,
    jobs: JobsDep,
    audit: AuditDep,
    switches: SwitchesDep,
    files: Annotated[list[UploadFile], File()],
) -> Response:
    """Files are ingested one by one in the background; the page polls the job for progress."""
    try:
        read = await read_files(files, services.settings)
    except IpbotError as exc:
        return _table_page(request, console, viewer, switches, error=str(exc), status=classify(exc)[0])
    actor = viewer.user.name

    def work(report: Any) -> dict[str, Any]:
        outcomes = ingest_batch(library, read, report)
        for outcome in outcomes:
            if outcome.ok:
                audit.record(actor, "document.upload", outcome.doc_id, outcome.filename)
        return batch_result(outcomes)

    started = jobs.start_new(JOB_KIND, work)
    if started is None:
        message = "另一批文件正在导入：请等它完成后再上传"
        return _table_page(request, console, viewer, switches, error=message, status=409)
    return _see(f"/console/documents?job={started.id}")


@router.post("/documents/reingest")
def reingest(viewer: AdminPosting, library: LibraryDep, jobs: JobsDep, audit: AuditDep) -> Response:
    job = jobs.start(REINGEST_KIND, lambda report: asdict(library.reingest(report)))
    audit.record(viewer.user.name, "document.reingest", "全部文件")
    return _see(f"/console/documents?job={job.id}")


@router.get("/jobs/{job_id}")
def job_fragment(
    request: Request, viewer: ViewerDep, console: ConsoleDep, jobs: JobsDep, job_id: str
) -> Response:
    """The progress of a background job as a fragment; htmx polls it while the job runs."""
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(404, "没有这个任务（服务重启后任务记录不保留）")
    context = viewer.context(job=job, kinds=JOB_KINDS)
    return console.page(request, "job.html", context)


@router.get("/documents/{doc_id}")
async def structure_page(
    request: Request, doc_id: str, viewer: ViewerDep, console: ConsoleDep, switches: SwitchesDep
) -> Response:
    try:
        structure = await run_in_threadpool(switches.structure, doc_id)
    except IpbotError as exc:
        return _table_page(request, console, viewer, switches, error=str(exc), status=classify(exc)[0])
    return console.page(request, "structure.html", viewer.context(page="documents", doc=structure))


def _switched(
    request: Request, console: ConsoleDep, viewer: Viewer, switches: SwitchesDep, run: Any, url: str
) -> Response:
    try:
        run()
    except IpbotError as exc:
        return _table_page(request, console, viewer, switches, error=str(exc), status=classify(exc)[0])
    return _see(url)


@router.post("/documents/{doc_id}/{action}")
def switch_document(
    request: Request,
    doc_id: str,
    action: str,
    viewer: AdminPosting,
    console: ConsoleDep,
    switches: SwitchesDep,
    library: LibraryDep,
    audit: AuditDep,
) -> Response:
    """enable, disable or delete a whole document."""
    if action not in ("enable", "disable", "delete"):
        raise HTTPException(404)

    def run() -> None:
        if action == "delete":
            library.remove(doc_id)
        else:
            switches.switch_document(doc_id, enabled=action == "enable")
        audit.record(viewer.user.name, f"document.{action}", doc_id)

    url = "/console/documents" if action == "delete" else f"/console/documents/{doc_id}"
    return _switched(request, console, viewer, switches, run, url)


@router.post("/documents/{doc_id}/chunks/{chunk_id}/{action}")
def switch_chunk(
    request: Request,
    doc_id: str,
    chunk_id: str,
    action: str,
    viewer: AdminPosting,
    console: ConsoleDep,
    switches: SwitchesDep,
    audit: AuditDep,
    next_url: Annotated[str, Form(alias="next", max_length=500)] = "",
) -> Response:
    """Switch one clause off or on; `next` (a console path) is where the form returns."""
    if action not in ("enable", "disable"):
        raise HTTPException(404)

    def run() -> None:
        switches.switch_chunk(doc_id, chunk_id, enabled=action == "enable")
        audit.record(viewer.user.name, f"chunk.{action}", chunk_id, doc_id)

    url = back_to(next_url, f"/console/documents/{doc_id}#c-{chunk_id}")
    return _switched(request, console, viewer, switches, run, url)
