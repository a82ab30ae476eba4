"""Records → the JSON shapes of the CLI contract (and the HTTP API, which returns the same objects)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from .records import Answer, Hit


def hit_json(hit: Hit) -> dict[str, Any]:
    c = hit.chunk
    return {
        "chunk_id": c.chunk_id,
        "doc_id": c.doc_id,
        "title": c.title,
        "clause": c.clause,
        "text": c.text,
        "region": c.region,
        "score": round(hit.scores.fused, 6),
        "scores": {k: round(v, 6) for k, v in asdict(hit.scores).items()},
    }


def search_json(query: str, hits: list[Hit]) -> dict[str, Any]:
    return {"query": query, "results": [hit_json(h) for h in hits]}


def answer_json(answer: Answer) -> dict[str, Any]:
    """`ipbot ask --json`: answer, refused, citations, mode, latency_ms (+ LLM-mode fields in extra)."""
    out: dict[str, Any] = {
        "answer": answer.answer,
        "refused": answer.refused,
        "citations": [asdict(c) for c in answer.citations],
        "mode": answer.mode,
        "latency_ms": answer.latency_ms,
    }
    out.update({k: v for k, v in answer.extra.items() if k != "evidence"})
    return out
