"""Request body caps per path prefix, answered with the API's JSON 413 (checked before and while reading)."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_response


def _too_large(limit: int) -> str:
    return f"请求体超过上限 {limit // 1024} KB"


class BodyLimitMiddleware:
    """Refuse bodies over `default` bytes, or over the limit of the longest matching path prefix."""

    def __init__(self, app: ASGIApp, *, default: int, prefixes: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        self.prefixes = sorted(prefixes.items(), key=lambda item: len(item[0]), reverse=True)

    def limit_for(self, path: str) -> int:
        return next((limit for prefix, limit in self.prefixes if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await error_response(413, "content_too_large", _too_large(limit))(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException passes FastAPI's body parsing untouched and becomes the JSON 413.
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, limited, send)
