"""Switching documents and clauses off and on (retrieval skips them), and what the documents page reads."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel

from vectorstore.catalog import WHOLE
from vectorstore.index import Index

from .errors import NotFoundError
from .gate import IndexGate
from .logbook.timezone import LOCAL
from .structure import DocumentRow, StructureOut, document_row, structure_of


class SwitchOut(BaseModel):
    """The new state: `chunk_id` is null when the whole document was switched."""

    doc_id: str
    chunk_id: str | None
    enabled: bool


class Switchboard:
    """Reads under the index gate; a switch takes the gate for one small catalog write."""

    def __init__(self, *, index: Index, gate: IndexGate, clock: Callable[[], float] = time.time) -> None:
        self._index = index
        self._gate = gate
        self._clock = clock

    def _documents_off(self) -> set[str]:
        return {d for d, c in self._index.catalog.disabled() if c == WHOLE}

    def table(self) -> list[DocumentRow]:
        today = datetime.fromtimestamp(self._clock(), LOCAL).date().isoformat()
        with self._gate.reading():
            documents = self._index.catalog.documents()
            by_doc = defaultdict(list)
            for chunk in self._index.catalog.chunks():
                by_doc[chunk.doc_id].append(chunk)
            off, docs_off = self._index.disabled(), self._documents_off()
        return [
            document_row(d, by_doc[d.doc_id], off, enabled=d.doc_id not in docs_off, today=today)
            for d in documents
        ]

    def structure(self, doc_id: str) -> StructureOut:
        with self._gate.reading():
            meta = self._index.catalog.document(doc_id)
            chunks = self._index.catalog.chunks(doc_id)
            off, docs_off = self._index.disabled(), self._documents_off()
        if meta is None:
            raise NotFoundError(f"没有 ID 为 {doc_id!r} 的文档：请在文件页查看全部文档")
        return structure_of(meta, chunks, off, enabled=doc_id not in docs_off)

    def switch_document(self, doc_id: str, *, enabled: bool) -> SwitchOut:
        """A document switched off is never retrieved, on any channel, until switched on again."""
        with self._gate.writing():
            if self._index.catalog.document(doc_id) is None:
                raise NotFoundError(f"没有 ID 为 {doc_id!r} 的文档")
            self._index.catalog.set_disabled(doc_id, WHOLE, not enabled)
        return SwitchOut(doc_id=doc_id, chunk_id=None, enabled=enabled)

    def switch_chunk(self, doc_id: str, chunk_id: str, *, enabled: bool) -> SwitchOut:
        """One clause (chunk) off or on; its document's own switch still applies."""
        with self._gate.writing():
            if chunk_id not in {c.chunk_id for c in self._index.catalog.chunks(doc_id)}:
                raise NotFoundError(f"文档 {doc_id!r} 中没有 ID 为 {chunk_id!r} 的条款")
            self._index.catalog.set_disabled(doc_id, chunk_id, not enabled)
        return SwitchOut(doc_id=doc_id, chunk_id=chunk_id, enabled=enabled)
