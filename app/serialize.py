"""Records → JSON: the one serializer of the CLI contract and the HTTP API (answers, hits, stream events)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from core.records import Answer, CitationsEvent, DeltaEvent, FinalEvent, Hit, Mode, Scores, StreamEvent

_SCORES = tuple(f.name for f in fields(Scores))  # asdict() deep-copies: 0.05 ms a search's hits


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
        "scores": {name: round(getattr(hit.scores, name), 6) for name in _SCORES},
    }


def search_json(query: str, hits: list[Hit]) -> dict[str, Any]:
    return {"query": query, "results": [hit_json(h) for h in hits]}


def answer_json(answer: Answer) -> dict[str, Any]:
    """`ipbot ask --json` and `/api/chat`: answer, refused, citations, mode, latency_ms, and when they apply
    the refusal `reason`, the conversation's `rewritten_question`, LLM mode's check and `fallback_reason`, and
    the service's `answer_id` (its conversation-log entry) and the `curated_id` of a 精选答案 served."""
    out: dict[str, Any] = {
        "answer": answer.answer,
        "refused": answer.refused,
        "citations": [asdict(c) for c in answer.citations],
        "mode": answer.mode.value,
        "latency_ms": answer.latency_ms,
    }
    if answer.reason is not None:
        out["reason"] = answer.reason.value
    if answer.mode is Mode.LLM:
        out["verified"] = answer.verified
        out["dropped"] = [asdict(d) for d in answer.dropped]
        out["removed_citations"] = list(answer.removed_citations)
    if answer.fallback_reason is not None:
        out["fallback_reason"] = answer.fallback_reason.value
    if answer.rewritten_question is not None:
        out["rewritten_question"] = answer.rewritten_question
    if answer.answer_id:
        out["answer_id"] = answer.answer_id
    if answer.degraded:
        out["degraded"] = list(answer.degraded)
    if answer.curated_id is not None:
        out["curated_id"] = answer.curated_id
    return out


def event_json(event: StreamEvent) -> tuple[str, dict[str, Any]]:
    """(event name, data) of one stream event; the final event's data is the answer_json object."""
    if isinstance(event, CitationsEvent):
        return event.kind.value, {"citations": [asdict(c) for c in event.citations]}
    if isinstance(event, DeltaEvent):
        return event.kind.value, {"text": event.text}
    if isinstance(event, FinalEvent):
        return event.kind.value, answer_json(event.answer)
    raise TypeError(f"not a stream event: {event!r}")
