"""Request and response models of the HTTP API (they document the OpenAPI schema)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.places import CITY, DISTRICTS, SHORT_NAMES
from core.records import Citation
from ingest.pipeline import IngestReport

WECHAT_SESSION_PREFIX = "wx:"
REGIONS = ("", CITY, *DISTRICTS, *SHORT_NAMES)  # what bot.query.with_region accepts


class ChatRequest(BaseModel):
    """One question; `session_id` groups a conversation (and is the per-user rate-limit key)."""

    model_config = ConfigDict(extra="forbid")

    # Checked by the service (400 invalid_input), so the message can say what to do; the schema states it,
    # with maxLength set to IPBOT_MAX_QUESTION_CHARS by `document_limits`.
    question: str = Field(
        examples=["杨浦区对知识产权质押融资贴息多少？"],
        description="问题：不能只有空白，长度不超过 IPBOT_MAX_QUESTION_CHARS（默认 1000）字",
        json_schema_extra={"minLength": 1, "pattern": r"\S"},
    )
    session_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:@-]{1,128}$")
    quick: bool = Field(default=False, strict=True, description="true：一两句话（≤120 字）加出处")
    region: str | None = Field(
        default=None,
        max_length=20,
        examples=["杨浦区"],
        description="提问者所在的区（全称或简称）或 上海市；其他值为 400",
        json_schema_extra={"enum": [*REGIONS, None]},
    )

    @field_validator("session_id")
    @classmethod
    def _not_a_wechat_user(cls, value: str | None) -> str | None:
        """ "wx:" ids are WeChat users' conversations (keyed by openid): the API may not continue them."""
        if value is not None and value.startswith(WECHAT_SESSION_PREFIX):
            raise ValueError(f"session_id 不能以 {WECHAT_SESSION_PREFIX} 开头（微信用户的会话保留前缀）")
        return value


class ChatResponse(BaseModel):
    """The same object as `ipbot ask --json` (LLM mode adds fields, kept as they are); `answer_id` (the
    conversation-log entry) and, when a published 精选答案 was served, `curated_id` come with it."""

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


def document_limits(app: FastAPI, *, max_question_chars: int) -> None:
    """Make the app's OpenAPI schema state the limits set at start-up (the question's maxLength)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        for name in ("ChatRequest", "HitTestRequest"):
            if name in schema["components"]["schemas"]:
                schema["components"]["schemas"][name]["properties"]["question"]["maxLength"] = (
                    max_question_chars
                )
        return schema

    setattr(app, "openapi", openapi)  # noqa: B010  (FastAPI's documented way to customise the schema)


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
