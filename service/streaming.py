"""Answer events on the wire: Server-Sent Events for browsers, NDJSON over chunked transfer for wx.request."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from enum import StrEnum

from fastapi.responses import StreamingResponse

from bot.assistant import StreamEvent
from bot.errors import IpbotError

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


def frame(event: StreamEvent, fmt: StreamFormat) -> bytes:
    """One event as an SSE message (`event:` + one `data:` line) or one NDJSON line."""
    if fmt is StreamFormat.sse:
        return f"event: {event.event}\ndata: {_json(event.data)}\n\n".encode()
    return (_json({"event": event.event, "data": event.data}) + "\n").encode()


async def _framed(
    first: StreamEvent, rest: AsyncIterator[StreamEvent], fmt: StreamFormat
) -> AsyncIterator[bytes]:
    yield frame(first, fmt)
    try:
        async for event in rest:
            yield frame(event, fmt)
    except IpbotError as exc:
        yield frame(StreamEvent("error", {"error": classify(exc)[1], "detail": str(exc)}), fmt)
    except Exception:
        log.exception("answer stream failed")
        yield frame(StreamEvent("error", {"error": "internal_error", "detail": INTERNAL}), fmt)


async def stream_response(events: AsyncIterator[StreamEvent], fmt: StreamFormat) -> StreamingResponse:
    """Start streaming once the first event exists, so a bad question still gets a JSON error status."""
    first = await anext(events)
    media_type = "text/event-stream" if fmt is StreamFormat.sse else "application/x-ndjson"
    return StreamingResponse(_framed(first, events, fmt), media_type=media_type, headers=NO_BUFFERING)
