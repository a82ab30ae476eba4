"""Admin JSON routes of the documents page: the table, the clause tree, batch upload, switches."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile
from starlette.concurrency import run_in_threadpool

from core.errors import InputError

from ..deps import AuditDep, LibraryDep, ServicesDep, SwitchesDep, require_admin
from ..schemas import ErrorOut
from ..settings import ServiceSettings
from ..staff.audit import API_ACTOR
from ..structure import DocumentRow, StructureOut
from ..switches import SwitchOut
from ..uploads import MAX_BATCH_FILES, FileOutcome, ingest_batch

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 404, 413, 422)}


async def read_files(files: list[UploadFile], settings: ServiceSettings) -> list[tuple[str, bytes]]:
    """The uploaded files' names and bytes; InputError for too many, a nameless or an oversized one."""
    if not files:
        raise InputError("没有选择文件：请选择一个或多个文件上传")
    if len(files) > MAX_BATCH_FILES:
        raise InputError(f"一次最多上传 {MAX_BATCH_FILES} 个文件（这次 {len(files)} 个）：请分批上传")
    read: list[tuple[str, bytes]] = []
    for upload in files:
        data = await upload.read(settings.max_upload_bytes + 1)
        name = upload.filename or ""
        if len(data) > settings.max_upload_bytes:
            limit = settings.max_upload_bytes // (1024 * 1024)
            raise InputError(f"文件 {name[:40]} 超过上限 {limit} MB：请拆分后上传")
        read.append((name, data))
    return read


@router.get("/documents", responses=_ERRORS, summary="文件表：元数据、有效期（是否已过期）、条款数、是否启用")
def document_table(switches: SwitchesDep) -> list[DocumentRow]:
    return switches.table()


@router.get("/documents/{doc_id}/structure", responses=_ERRORS, summary="文件的条款树（引用时的条款路径）")
def document_structure(doc_id: str, switches: SwitchesDep) -> StructureOut:
    """`warning` is set when no numbered clause (第X条、一、（一）) was recognised."""
    return switches.structure(doc_id)


@router.post(
    "/documents/batch",
    responses=_ERRORS,
    summary="上传并导入多个文件（multipart/form-data，字段 files；逐个导入，坏文件单独报错）",
)
async def upload_batch(
    library: LibraryDep,
    services: ServicesDep,
    audit: AuditDep,
    files: Annotated[
        list[UploadFile],
        File(min_length=1, max_length=MAX_BATCH_FILES, description="一个或多个 .pdf/.docx/.txt/.html 文件"),
    ],
) -> list[FileOutcome]:
    read = await read_files(files, services.settings)
    outcomes = await run_in_threadpool(ingest_batch, library, read, lambda *_: None)
    for outcome in outcomes:
        if outcome.ok:
            audit.record(API_ACTOR, "document.upload", outcome.doc_id, outcome.filename)
    return outcomes


def _switch_document(doc_id: str, enabled: bool, switches: SwitchesDep, audit: AuditDep) -> SwitchOut:
    out = switches.switch_document(doc_id, enabled=enabled)
    audit.record(API_ACTOR, "document.enable" if enabled else "document.disable", doc_id)
    return out


@router.post("/documents/{doc_id}/disable", responses=_ERRORS, summary="停用整个文件（不再被检索）")
def disable_document(doc_id: str, switches: SwitchesDep, audit: AuditDep) -> SwitchOut:
    return _switch_document(doc_id, False, switches, audit)


@router.post("/documents/{doc_id}/enable", responses=_ERRORS, summary="重新启用文件")
def enable_document(doc_id: str, switches: SwitchesDep, audit: AuditDep) -> SwitchOut:
    return _switch_document(doc_id, True, switches, audit)


def _switch_chunk(
    doc_id: str, chunk_id: str, enabled: bool, switches: SwitchesDep, audit: AuditDep
) -> SwitchOut:
    out = switches.switch_chunk(doc_id, chunk_id, enabled=enabled)
    audit.record(API_ACTOR, "chunk.enable" if enabled else "chunk.disable", chunk_id, doc_id)
    return out


@router.post(
    "/documents/{doc_id}/chunks/{chunk_id}/disable", responses=_ERRORS, summary="停用一个条款（不再被检索）"
)
def disable_chunk(doc_id: str, chunk_id: str, switches: SwitchesDep, audit: AuditDep) -> SwitchOut:
    return _switch_chunk(doc_id, chunk_id, False, switches, audit)


@router.post("/documents/{doc_id}/chunks/{chunk_id}/enable", responses=_ERRORS, summary="重新启用条款")
def enable_chunk(doc_id: str, chunk_id: str, switches: SwitchesDep, audit: AuditDep) -> SwitchOut:
    return _switch_chunk(doc_id, chunk_id, True, switches, audit)
