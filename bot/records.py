"""Typed records that cross module boundaries."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class DocumentMeta:
    """What ingest learned about one document."""

    doc_id: str
    title: str
    source: str
    content_hash: str
    doc_number: str = ""
    issuer: str = ""
    date: str = ""
    region: str = ""
    period: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Chunk:
    """One clause (or a window of whole sentences of a long clause) with its heading path."""

    chunk_id: str
    doc_id: str
    title: str
    clause: str
    text: str
    region: str
    doc_number: str = ""
    ordinal: int = 0

    def search_text(self) -> str:
        """Text that keyword and dense search see: the clause path (title first) and the clause itself."""
        return f"{self.clause}\n{self.text}"


@dataclass(frozen=True)
class Scores:
    dense: float
    bm25: float
    fused: float


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    scores: Scores


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    doc_number: str
    clause: str
    region: str
    text: str
    quote: str


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    mode: str = "extractive"
    latency_ms: int = 0
    hits: tuple[Hit, ...] = ()
    reason: str = ""
    extra: dict[str, object] = field(default_factory=dict)
