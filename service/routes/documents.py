"""GET /api/documents and /api/documents/{doc_id}."""

from __future__ import annotations

from fastapi import APIRouter

from ..deps import LibraryDep
from ..schemas import DocumentOut, DocumentSummary, ErrorOut

router = APIRouter(prefix="/api/documents", tags=["documents"])


@router.get("", summary="已收录的政策文件")
def list_documents(library: LibraryDep) -> list[DocumentSummary]:
    return library.list()


@router.get("/{doc_id}", responses={404: {"model": ErrorOut}}, summary="文件全文（按条款分段，带锚点）")
def get_document(doc_id: str, library: LibraryDep) -> DocumentOut:
    """Full text; `sections[].clause` equals a citation's `clause`, `anchor` and `start` locate it."""
    return library.get(doc_id)
