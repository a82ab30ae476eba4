"""POST /api/chat and /api/chat/stream."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from app.serialize import answer_json

from ..deps import AnswererDep, ChatLimited
from ..schemas import ChatRequest, ChatResponse, ErrorOut
from ..streaming import StreamFormat, choose_format, stream_response

router = APIRouter(prefix="/api", tags=["chat"], dependencies=[ChatLimited])
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 413, 422, 429, 503)}
_STREAM_DOC = """Events `citations`, `delta` (text pieces) and `final` (the /api/chat object), then the end.

`?format=sse` (default; or `Accept: text/event-stream`): `event: <name>` and `data: <json>` lines.
`?format=ndjson` (or `Accept: application/x-ndjson`): one `{"event", "data"}` JSON object per line,
for `wx.request({enableChunked: true})`. A failure after the stream started arrives as an `error` event."""


@router.post("/chat", response_model=ChatResponse, responses=_ERRORS, summary="回答一个问题（引用条款）")
async def chat(body: ChatRequest, answerer: AnswererDep) -> dict[str, Any]:
    """The same object as `ipbot ask --json`."""
    answer = await answerer.answer(
        body.question, channel="api", quick=body.quick, region=body.region, session_id=body.session_id
    )
    return answer_json(answer)


@router.post(
    "/chat/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}, "application/x-ndjson": {}}}, **_ERRORS},
    summary="流式回答（SSE 或 NDJSON）",
    description=_STREAM_DOC,
)
async def chat_stream(
    body: ChatRequest,
    answerer: AnswererDep,
    format: Annotated[StreamFormat | None, Query()] = None,
    accept: Annotated[str, Header()] = "",
) -> StreamingResponse:
    events = answerer.stream(
        body.question, channel="stream", quick=body.quick, region=body.region, session_id=body.session_id
    )
    return await stream_response(events, choose_format(format, accept))
