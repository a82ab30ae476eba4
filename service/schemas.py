"""Request and response models of the HTTP API (they document the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.records import Citation
from ingest.pipeline import IngestReport

WECHAT_SESSION_PREFIX = "wx:"


class ChatRequest(BaseModel):
    """One question; `session_id` groups a conversation (and is the per-user rate-limit key)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(examples=["杨浦区对知识产权质押融资贴息多少？"])  # length: IPBOT_MAX_QUESTION_CHARS
    session_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:@-]{1,128}$")
    quick: bool = False
    region: str | None = Field(default=None, max_length=20, examples=["杨浦区"])

    @field_validator("session_id")
    @classmethod
    def _not_a_wechat_user(cls, value: str | None) -> str | None:
        """ "wx:" ids are WeChat users' conversations (keyed by openid): the API may not continue them."""
        if value is not None and value.startswith(WECHAT_SESSION_PREFIX):
            raise ValueError(f"session_id 不能以 {WECHAT_SESSION_PREFIX} 开头（微信用户的会话保留前缀）")
        return value


class ChatResponse(BaseModel):
    """The same object as `ipbot ask --json` (LLM mode adds fields, kept as they are)."""

    model_config = ConfigDict(extra="allow")

    answer: str
    refused: bool
    citations: list[Citation]
    mode: str
    latency_ms: int


class ErrorOut(BaseModel):
    error: str
    detail: str


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    doc_number: str
    issuer: str
    date: str
    region: str
    period: str
    kind: str
    clauses: int


class ClauseOut(BaseModel):
    """One clause of a document; `clause` equals a citation's `clause`, `start` is its offset in `text`."""

    anchor: str
    clause: str
    heading: str
    text: str
    start: int


class DocumentOut(DocumentSummary):
    """A document's full text rebuilt from its clauses, each with an anchor to open a citation in context."""

    text: str
    sections: list[ClauseOut]


class UploadOut(BaseModel):
    doc_id: str
    report: IngestReport


class RemovedOut(BaseModel):
    doc_id: str
    file_deleted: bool


class Health(BaseModel):
    status: str
    documents: int
    chunks: int
    admin: bool
    wechat_mp: bool
    wechat_mini: bool


class Check(BaseModel):
    """One dependency: up, down (with why) or, for the vector store, a count mismatch with the catalog."""

    state: Literal["up", "down", "mismatch"]
    detail: str = ""
    chunks: int | None = None
    vectors: int | None = None


class Readiness(BaseModel):
    """ready: answer fully; degraded: answers still served (e.g. vectors being repaired); not_ready: 503."""

    status: Literal["ready", "degraded", "not_ready"]
    checks: dict[str, Check]


class JobProgress(BaseModel):
    phase: str = Field(description="parse, embed, store, swap, reconcile")
    done: int
    total: int


class JobOut(BaseModel):
    """A background admin job; poll GET /admin/jobs/{job_id} until state is succeeded or failed."""

    job_id: str
    kind: str
    state: Literal["queued", "running", "succeeded", "failed"]
    progress: JobProgress
    result: dict[str, Any] | None = None
    error: str | None = None
