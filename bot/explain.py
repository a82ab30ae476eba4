"""Why each retrieved clause was cited or left out, as the answer's own decision saw it (pure)."""

from __future__ import annotations

from collections.abc import Sequence

from core.records import Citation, Considered, Hit, Verdict
from core.text import sentences

from .evidence import EVIDENCE_DEPTH, Term, coverage
from .query import QueryInfo
from .refusal import Thresholds


def support(terms: Sequence[Term], hit: Hit) -> float:
    """The clause's best sentence coverage of the question: what the evidence threshold is compared with."""
    clause = hit.chunk
    return max((coverage(terms, f"{clause.clause}\n{s}") for s in sentences(clause.text)), default=0.0)


def considered(
    info: QueryInfo,
    hits: Sequence[Hit],
    terms: Sequence[Term],
    citations: Sequence[Citation],
    thresholds: Thresholds,
    *,
    refused: bool,
) -> tuple[Considered, ...]:
    """One verdict per hit, in the hits' order: cited, another district's, past the evidence depth, below
    the evidence threshold, not needed (the answer quoted better clauses), or not used (a refusal)."""
    cited = {(c.doc_id, c.clause) for c in citations}
    asked = set(info.districts)
    out = []
    for rank, hit in enumerate(hits):
        chunk = hit.chunk
        score = support(terms, hit)
        if (chunk.doc_id, chunk.clause) in cited:
            verdict = Verdict.CITED
        elif asked and chunk.region.endswith("区") and chunk.region not in asked:
            verdict = Verdict.OTHER_DISTRICT
        elif rank >= EVIDENCE_DEPTH:
            verdict = Verdict.RANK_CUT
        elif score < thresholds.evidence:
            verdict = Verdict.BELOW_THRESHOLD
        elif refused:
            verdict = Verdict.REFUSED
        else:
            verdict = Verdict.NOT_NEEDED
        out.append(Considered(score, verdict))
    return tuple(out)
