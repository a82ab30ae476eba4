"""Request and response models of the feedback, conversation-log and hit-test routes (OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from ..schemas import ChatRequest
from .hittest import RankedCandidate
from .records import FeedbackReason, Rating

ANSWER_ID = r"^[0-9a-f]{32}$"


class FeedbackRequest(BaseModel):
    """👍 or 👎 on one answer, by its `answer_id`; a later rating of the same answer replaces it."""

    model_config = ConfigDict(extra="forbid")

    answer_id: str = Field(pattern=ANSWER_ID)
    rating: Rating
    reason: FeedbackReason | None = None
    comment: str = Field(default="", max_length=500)


class FeedbackOut(BaseModel):
    rating: Rating
    reason: FeedbackReason | None
    comment: str
    time: str
    read: bool = False


class LoggedCitationOut(BaseModel):
    n: int
    doc_id: str
    title: str
    clause: str
    region: str
    quote: str


class CandidateOut(BaseModel):
    chunk_id: str
    title: str
    clause: str
    dense: float
    bm25: float
    fused: float


class LogEntryOut(BaseModel):
    """One answer as a channel gave it; `time` is China Standard Time, `user` a hash of the asker."""

    answer_id: str
    time: str
    timestamp: float
    channel: str
    user: str
    question: str
    rewritten_question: str
    region: str
    mode: str
    refused: bool
    reason: str
    answer: str
    citations: list[LoggedCitationOut]
    candidates: list[CandidateOut]
    latency_ms: int
    fallback_reason: str
    curated_id: int | None = None
    feedback: FeedbackOut | None


class LogPage(BaseModel):
    items: list[LogEntryOut]
    count: int
    limit: int
    offset: int


class HitTestRequest(ChatRequest):
    """A hit test asks exactly what a user asks (session, quick, region included)."""


class HitTestOut(BaseModel):
    """The answer users get (the /api/chat object) and every candidate clause behind it."""

    answer: dict[str, Any]
    candidates: list[RankedCandidate]  # the domain record, serialised as it is
