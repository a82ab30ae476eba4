"""A document's clause tree as it will be cited, and its row in the documents table (pure, typed)."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from core.records import Chunk, DocumentMeta
from core.text import PATH_SEP, clause_label, clause_marker, clause_tail

BODY = "（正文）"  # the heading of text that stands before any clause


class ChunkNode(BaseModel):
    chunk_id: str
    text: str
    enabled: bool


class ClauseNode(BaseModel):
    """One line of the tree: a heading (no chunks) or a clause with the chunks that cite it."""

    depth: int
    heading: str
    clause: str = Field(description="the clause path exactly as citations carry it")
    label: str = Field(description="the clause's number as answers name it (第三条, （二）)")
    chunks: list[ChunkNode]


class StructureOut(BaseModel):
    doc_id: str
    title: str
    enabled: bool
    clauses_found: bool = Field(description="false when no 第X条/一、/（一） clause was recognised")
    warning: str
    nodes: list[ClauseNode]


class DocumentRow(BaseModel):
    """A document in the console's table: its metadata, chunk count, whether retrieval may use it."""

    doc_id: str
    title: str
    kind: str
    region: str
    doc_number: str
    date: str
    effective: str
    valid_until: str
    expired: bool
    chunks: int
    disabled_chunks: int
    enabled: bool


NO_CLAUSES = (
    "没有识别出条款（第X条、一、（一）等编号）：整篇按段落切分，引用时只能指到段落。"
    "如果原文有条款，请检查编号是否在段首，或换一种格式（如 .docx）上传。"
)


def _segments(chunk: Chunk) -> list[str]:
    return [s for s in clause_tail(chunk.clause, chunk.title).split(PATH_SEP) if s.strip()] or [BODY]


def clause_tree(chunks: Sequence[Chunk], off: frozenset[str]) -> tuple[list[ClauseNode], bool]:
    """The tree in reading order (headings once, where they first appear) and whether any clause has a
    number; `off` holds the ids of the chunks retrieval skips."""
    nodes: list[ClauseNode] = []
    previous: list[str] = []
    numbered = False
    for chunk in chunks:
        node = ChunkNode(chunk_id=chunk.chunk_id, text=chunk.text, enabled=chunk.chunk_id not in off)
        if nodes and nodes[-1].clause == chunk.clause:
            nodes[-1].chunks.append(node)
            continue
        path = _segments(chunk)
        numbered = numbered or any(clause_marker(s) for s in path)
        common = 0
        while common < min(len(previous), len(path) - 1) and previous[common] == path[common]:
            common += 1
        for depth in range(common, len(path) - 1):
            nodes.append(ClauseNode(depth=depth, heading=path[depth], clause="", label="", chunks=[]))
        label = clause_label(chunk.clause, chunk.title)
        nodes.append(
            ClauseNode(depth=len(path) - 1, heading=path[-1], clause=chunk.clause, label=label, chunks=[node])
        )
        previous = path
    return nodes, numbered


def structure_of(
    meta: DocumentMeta, chunks: Sequence[Chunk], off: frozenset[str], *, enabled: bool
) -> StructureOut:
    nodes, numbered = clause_tree(chunks, off)
    return StructureOut(
        doc_id=meta.doc_id,
        title=meta.title,
        enabled=enabled,
        clauses_found=numbered,
        warning="" if numbered else NO_CLAUSES,
        nodes=nodes,
    )


def document_row(
    meta: DocumentMeta, chunks: Sequence[Chunk], off: frozenset[str], *, enabled: bool, today: str
) -> DocumentRow:
    """`today` as an ISO date: a document whose validity ended before it is 已过期."""
    return DocumentRow(
        doc_id=meta.doc_id,
        title=meta.title,
        kind=meta.kind,
        region=meta.region,
        doc_number=meta.doc_number,
        date=meta.date,
        effective=meta.effective,
        valid_until=meta.valid_until,
        expired=bool(meta.valid_until) and meta.valid_until < today,
        chunks=len(chunks),
        disabled_chunks=sum(c.chunk_id in off for c in chunks),
        enabled=enabled,
    )
