"""Admin routes (Bearer ADMIN_TOKEN): upload → ingest, delete, re-ingest."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from ingest.pipeline import IngestReport

from ..deps import LibraryDep, require_admin
from ..documents import FILENAME_PATTERN, MAX_FILENAME_CHARS
from ..schemas import ErrorOut, RemovedOut, UploadOut

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
    filename: Annotated[
        str,
        # The pattern is documented, and checked by the library so the 400 says what is wrong.
        Query(min_length=1, max_length=MAX_FILENAME_CHARS, json_schema_extra={"pattern": FILENAME_PATTERN}),
    ],
) -> UploadOut:
    """`?filename=方案.pdf`; a file that cannot be read is refused and the index stays as it was."""
    data = await request.body()
    return await run_in_threadpool(library.add, filename, data)


@router.delete("/documents/{doc_id}", responses=_ERRORS, summary="删除一个文件")
def delete_document(doc_id: str, library: LibraryDep) -> RemovedOut:
    return library.remove(doc_id)


@router.post("/reingest", responses=_ERRORS, summary="重新导入自带政策文件和上传的文件")
def reingest(library: LibraryDep) -> IngestReport:
    return library.reingest()
