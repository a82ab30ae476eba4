"""The hit test's view of an answer: every candidate clause with its scores and ranks (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from core.records import Answer, Hit


@dataclass(frozen=True)
class RankedCandidate:
    rank: int  # by fused score, as the assistant ordered them
    chunk_id: str
    doc_id: str
    title: str
    clause: str
    region: str
    text: str
    dense: float
    bm25: float
    fused: float
    dense_rank: int
    bm25_rank: int
    cited: bool  # one of the answer's citations quotes this clause


def _ranks(values: list[float]) -> list[int]:
    """1-based rank of each value, highest first; ties keep their order."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = [0] * len(values)
    for position, i in enumerate(order, 1):
        ranks[i] = position
    return ranks


def ranked_candidates(answer: Answer) -> list[RankedCandidate]:
    hits: list[Hit] = list(answer.hits)
    dense = _ranks([h.scores.dense for h in hits])
    bm25 = _ranks([h.scores.bm25 for h in hits])
    cited = {(c.doc_id, c.clause) for c in answer.citations}
    return [
        RankedCandidate(
            rank=i + 1,
            chunk_id=h.chunk.chunk_id,
            doc_id=h.chunk.doc_id,
            title=h.chunk.title,
            clause=h.chunk.clause,
            region=h.chunk.region,
            text=h.chunk.text,
            dense=h.scores.dense,
            bm25=h.scores.bm25,
            fused=h.scores.fused,
            dense_rank=dense[i],
            bm25_rank=bm25[i],
            cited=(h.chunk.doc_id, h.chunk.clause) in cited,
        )
        for i, h in enumerate(hits)
    ]
