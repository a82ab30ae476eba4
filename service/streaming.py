"""Answer events on the wire: Server-Sent Events for browsers, NDJSON over chunked transfer for wx.request."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from enum import StrEnum

from fastapi.responses import StreamingResponse

from app.serialize import event_json
from core.errors import IpbotError
from core.records import EventKind, StreamEvent

from .errors import INTERNAL, classify

log = logging.getLogger(__name__)

NO_BUFFERING = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class StreamFormat(StrEnum):
    sse = "sse"
    ndjson = "ndjson"


def choose_format(requested: StreamFormat | None, accept: str) -> StreamFormat:
    """`?format=` wins; otherwise NDJSON when the Accept header asks for it, else SSE."""
    if requested is not None:
        return requested
    return StreamFormat.ndjson if "application/x-ndjson" in accept.lower() else StreamFormat.sse


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def frame(name: str, data: object, fmt: StreamFormat) -> bytes:
    """One event as an SSE message (`event:` + one `data:` line) or one NDJSON line."""
    if fmt is StreamFormat.sse:
        return f"event: {name}\ndata: {_json(data)}\n\n".encode()
    return (_json({"event": name, "data": data}) + "\n").encode()


def _error(code: str, detail: str, fmt: StreamFormat) -> bytes:
    return frame(EventKind.ERROR.value, {"error": code, "detail": detail}, fmt)


async def _framed(
    first: StreamEvent, rest: AsyncIterator[StreamEvent], fmt: StreamFormat
) -> AsyncIterator[bytes]:
    yield frame(*event_json(first), fmt)
    try:
        async for event in rest:
            yield frame(*event_json(event), fmt)
    except IpbotError as exc:
        yield _error(classify(exc)[1], str(exc), fmt)
    except Exception:
        log.exception("answer stream failed")
        yield _error("internal_error", INTERNAL, fmt)


async def stream_response(events: AsyncIterator[StreamEvent], fmt: StreamFormat) -> StreamingResponse:
    """Start streaming once the first event exists, so a bad question still gets a JSON error status."""
    first = await anext(events)
    media_type = "text/event-stream" if fmt is StreamFormat.sse else "application/x-ndjson"
    return StreamingResponse(_framed(first, events, fmt), media_type=media_type, headers=NO_BUFFERING)
