"""The conversation log's records: one entry per answer, the feedback on it, and the store's interface."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from core.records import Answer

DEFAULT_RETENTION_DAYS = 180


class Rating(StrEnum):
    UP = "up"
    DOWN = "down"


class FeedbackReason(StrEnum):
    """Why an answer was rated down (the console's feedback queue groups by it)."""

    OFF_TOPIC = "答非所问"
    WRONG_FIGURE = "数字不对"
    WRONG_REGION = "地区不对"
    WRONG_CITATION = "引用不对"
    TOO_LONG = "太长"
    OTHER = "其他"


@dataclass(frozen=True)
class LoggedCitation:
    n: int
    doc_id: str
    title: str
    clause: str
    region: str
    quote: str


@dataclass(frozen=True)
class Candidate:
    """One retrieved clause and its scores, in fused order (rank 1 first)."""

    chunk_id: str
    title: str
    clause: str
    dense: float
    bm25: float
    fused: float


@dataclass(frozen=True)
class LogEntry:
    """One answer as a channel gave it; `user` is a hash, never a raw openid or session id."""

    answer_id: str
    at: float  # unix seconds
    channel: str
    user: str
    question: str
    rewritten_question: str
    region: str
    mode: str
    refused: bool
    reason: str
    answer: str
    citations: tuple[LoggedCitation, ...]
    candidates: tuple[Candidate, ...]
    latency_ms: int
    fallback_reason: str
    curated_id: int | None = None  # the published 精选答案 served, if one was


@dataclass(frozen=True)
class Feedback:
    answer_id: str
    at: float
    rating: Rating
    reason: FeedbackReason | None = None
    comment: str = ""
    read: bool = False  # staff marked it read in the feedback queue


@dataclass(frozen=True)
class LogQuery:
    """Filters of the log; every field left at its default matches everything."""

    since: date | None = None  # inclusive, UTC day
    until: date | None = None  # inclusive, UTC day
    channel: str | None = None
    refused: bool | None = None
    reason: str | None = None
    rating: Rating | None = None
    region: str | None = None
    text: str | None = None  # in the question, the rewritten question or the answer
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True)
class LoggedAnswer:
    """A log entry with the latest feedback on it (if any)."""

    entry: LogEntry
    feedback: Feedback | None


class Logbook(Protocol):
    """Where answers and their feedback are kept; `SqliteLogbook` is one, a shared store may be another."""

    def record(self, entry: LogEntry) -> None: ...

    def get(self, answer_id: str) -> LoggedAnswer | None: ...

    def query(self, query: LogQuery) -> list[LoggedAnswer]: ...

    def add_feedback(self, feedback: Feedback) -> bool: ...

    def feedback(self, *, rating: Rating | None = None, limit: int = 100) -> list[LoggedAnswer]: ...

    def mark_read(self, answer_id: str, *, read: bool = True, at: float | None = None) -> bool: ...

    def prune(self, retention_s: float, *, now: float | None = None) -> int: ...


def hash_user(key: str | None) -> str:
    """A short one-way hash of a session id or openid ("" when there is none)."""
    if not key:
        return ""
    return hashlib.sha256(("ipbot-log:" + key).encode("utf-8")).hexdigest()[:16]


def entry_of(
    answer: Answer, *, answer_id: str, at: float, channel: str, user_key: str | None, region: str | None
) -> LogEntry:
    """The log entry of an answer; the region is the one asked for, else the first cited clause's."""
    cited_region = answer.citations[0].region if answer.citations else ""
    return LogEntry(
        answer_id=answer_id,
        at=at,
        channel=channel,
        user=hash_user(user_key),
        question=answer.question,
        rewritten_question=answer.rewritten_question or "",
        region=region or cited_region,
        mode=answer.mode.value,
        refused=answer.refused,
        reason=answer.reason.value if answer.reason else "",
        answer=answer.answer,
        citations=tuple(
            LoggedCitation(c.n, c.doc_id, c.title, c.clause, c.region, c.quote) for c in answer.citations
        ),
        candidates=tuple(
            Candidate(
                h.chunk.chunk_id, h.chunk.title, h.chunk.clause, h.scores.dense, h.scores.bm25, h.scores.fused
            )
            for h in answer.hits
        ),
        latency_ms=answer.latency_ms,
        fallback_reason=answer.fallback_reason.value if answer.fallback_reason else "",
        curated_id=answer.curated_id,
    )
