"""Records → JSON: the one serializer of the CLI contract and the HTTP API (answers, hits, stream events)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, fields
from functools import lru_cache
from typing import Any

from core.records import Answer, Chunk, CitationsEvent, DeltaEvent, FinalEvent, Hit, Mode, Scores, StreamEvent

_SCORES = tuple(f.name for f in fields(Scores))  # asdict() deep-copies: 0.05 ms a search's hits
_NO_ID = object()
_dumps = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(…, ensure_ascii=False) makes one a call


def _chunk_fields(c: Chunk) -> dict[str, Any]:
    return {
        "chunk_id": c.chunk_id,
        "doc_id": c.doc_id,
        "title": c.title,
        "clause": c.clause,
        "text": c.text,
        "region": c.region,
    }


def _score_fields(s: Scores) -> dict[str, Any]:
    return {"score": round(s.fused, 6), "scores": {name: round(getattr(s, name), 6) for name in _SCORES}}


def hit_json(hit: Hit) -> dict[str, Any]:
    return {**_chunk_fields(hit.chunk), **_score_fields(hit.scores)}


def search_json(query: str, hits: Sequence[Hit]) -> dict[str, Any]:
    return {"query": query, "results": [hit_json(h) for h in hits]}


def search_line(query: str, hits: Sequence[Hit], qid: Any = _NO_ID) -> str:
    """`ipbot search --json`'s line, led by "id" when `qid` is given (--stdin-jsonl): byte for byte
    json.dumps(({"id": qid} | search_json(query, hits)), ensure_ascii=False), with each clause's own fields
    encoded once (its text is most of a line) and the scores written without a round trip through round()."""
    head = "{" if qid is _NO_ID else f'{{"id": {_dumps(qid)}, '
    results = ", ".join(_chunk_head(h.chunk) + _scores_tail(h.scores) for h in hits)
    return f'{head}"query": {_dumps(query)}, "results": [{results}]}}'


@lru_cache(maxsize=1024)
def _chunk_head(chunk: Chunk) -> str:
    """A hit's chunk fields as its JSON object writes them, up to its closing brace."""
    return _dumps(_chunk_fields(chunk))[:-1]


def _scores_tail(s: Scores) -> str:
    """`, "score": …, "scores": {…}}`: the rest of a hit's JSON object after its chunk fields."""
    each = ", ".join(f'"{name}": {score_text(getattr(s, name))}' for name in _SCORES)
    return f', "score": {score_text(s.fused)}, "scores": {{{each}}}}}'


def score_text(x: float) -> str:
    """json.dumps(round(x, 6)), written straight from the six-decimal form where that is the same text.

    round() and the JSON float each run a correctly rounded decimal conversion (~13k instructions a score,
    15 scores a line). Both round the float's exact value to six decimals, so the digits agree; between
    1e-4 and 1e9 the shortest form of the rounded float is those digits without trailing zeros (≤ 15
    significant digits name one float), where repr() writes no exponent. Elsewhere: json.dumps itself."""
    if 1e-4 <= abs(x) < 1e9:
        text = f"{x:.6f}".rstrip("0")
        return text + "0" if text.endswith(".") else text
    return _dumps(round(x, 6))


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
