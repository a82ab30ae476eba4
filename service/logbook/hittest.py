"""The hit test's view of an answer: every candidate clause with its scores and ranks (pure)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from core.records import Answer, DocumentMeta, Hit, Verdict

VERDICTS = {
    Verdict.CITED: "被引用",
    Verdict.OTHER_DISTRICT: "其他区的文件",
    Verdict.RANK_CUT: "名次靠后（只取前 3 条取证）",
    Verdict.BELOW_THRESHOLD: "低于证据门槛",
    Verdict.NOT_NEEDED: "已有更好的条款",
    Verdict.REFUSED: "问题被拒答",
}


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
    support: float = 0.0  # its best sentence's coverage of the question (compared with the threshold)
    verdict: str = ""  # why it was kept or dropped, as the answer decided (VERDICTS' wording)
    doc_number: str = ""
    effective: str = ""
    valid_until: str = ""
    expired: bool = False


def _ranks(values: list[float]) -> list[int]:
    """1-based rank of each value, highest first; ties keep their order."""
    order = sorted(range(len(values)), key=lambda i: -values[i])
    ranks = [0] * len(values)
    for position, i in enumerate(order, 1):
        ranks[i] = position
    return ranks


def _field(meta: DocumentMeta | None, name: str) -> str:
    return str(getattr(meta, name)) if meta is not None else ""


def ranked_candidates(
    answer: Answer,
    document: Callable[[str], DocumentMeta | None] = lambda _: None,
    today: date | None = None,
) -> list[RankedCandidate]:
    """Every candidate with its scores, ranks, verdict and its document's 文号 and validity."""
    hits: list[Hit] = list(answer.hits)
    metas = {h.chunk.doc_id: document(h.chunk.doc_id) for h in hits}
    verdicts = list(answer.considered)
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
            support=verdicts[i].support if i < len(verdicts) else 0.0,
            verdict=VERDICTS[verdicts[i].verdict] if i < len(verdicts) else "",
            doc_number=h.chunk.doc_number or _field(metas[h.chunk.doc_id], "doc_number"),
            effective=_field(metas[h.chunk.doc_id], "effective"),
            valid_until=(until := _field(metas[h.chunk.doc_id], "valid_until")),
            expired=bool(today and until and until < today.isoformat()),
        )
        for i, h in enumerate(hits)
    ]
