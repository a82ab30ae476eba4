"""Reading the index from the service's side rooms (curated answers, answer cards, evaluations): one clause,
one document's metadata, the chunks switched off, each under the gate's read lock when there is one."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from core.records import Chunk, DocumentMeta
from vectorstore.index import Index

from .gate import IndexGate


class IndexReader:
    """Lookups by id on an index that a re-ingest may change meanwhile (`gate`; None in a one-shot CLI)."""

    def __init__(self, index: Index, gate: IndexGate | None = None) -> None:
        self._index = index
        self._gate = gate

    def _reading(self) -> AbstractContextManager[None]:
        return self._gate.reading() if self._gate is not None else nullcontext()

    def clause(self, chunk_id: str) -> Chunk | None:
        with self._reading():
            return self._index.chunks().get(chunk_id)

    def document(self, doc_id: str) -> DocumentMeta | None:
        with self._reading():
            return self._index.catalog.document(doc_id)

    def switched_off(self) -> frozenset[str]:
        with self._reading():
            return self._index.disabled()
