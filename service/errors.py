"""Errors of the HTTP service and their translation into JSON `{"error", "detail"}` responses."""

from __future__ import annotations

import logging
import re
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.errors import ConfigError, IndexMissingError, IngestError, InputError, IpbotError, UpstreamError
from service.wechat.errors import WeChatAuthError, WeChatFormatError
from vectorstore.guard import StoreUnavailableError

log = logging.getLogger(__name__)


class RateLimitedError(IpbotError, RuntimeError):
    """Too many requests from one IP or user; retry after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFoundError(IpbotError, LookupError):
    """The requested document (or other resource) does not exist."""


class ConflictError(IpbotError, ValueError):
    """The request clashes with what is already stored (e.g. a document id taken by another source)."""


# (status, error code) per error class, most specific first.
_STATUS: tuple[tuple[type[IpbotError], int, str], ...] = (
    (RateLimitedError, 429, "rate_limited"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (WeChatAuthError, 403, "forbidden"),
    (WeChatFormatError, 400, "bad_request"),
    (InputError, 400, "invalid_input"),
    (IngestError, 422, "unprocessable_document"),
    (IndexMissingError, 503, "index_missing"),
    (StoreUnavailableError, 503, "vector_store_unavailable"),
    (UpstreamError, 502, "upstream_error"),
    (ConfigError, 500, "config_error"),
)


MAX_DETAIL_CHARS = 300
# A directory chain of a server path (/srv/ipbot/var/upload-staging/<uuid>/), not one of the API's own routes.
_SERVER_DIRS = re.compile(r"(?<![\w.:/])/(?!api/|admin/|wechat/)(?:[^\s/'\"“”‘’，。；：]+/)+")


def public_detail(detail: str) -> str:
    """What a client may see: no server directories, at most MAX_DETAIL_CHARS characters."""
    text = _SERVER_DIRS.sub("", detail)
    return text if len(text) <= MAX_DETAIL_CHARS else text[: MAX_DETAIL_CHARS - 1] + "…"


def error_response(
    status: int, error: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """The one error shape of the API (the detail cleaned by `public_detail`)."""
    body = {"error": error, "detail": public_detail(detail)}
    return JSONResponse(body, status_code=status, headers=headers)


def classify(exc: BaseException) -> tuple[int, str]:
    """The HTTP status and error code for an exception (500 internal_error for anything unplanned)."""
    return next(((s, c) for cls, s, c in _STATUS if isinstance(exc, cls)), (500, "internal_error"))


async def _ipbot_error(request: Request, exc: Exception) -> JSONResponse:
    status, code = classify(exc)
    if status >= 500 and not isinstance(exc, StoreUnavailableError):  # the store logs its own outages once
        log.error("%s %s failed: %s: %s", request.method, request.url.path, type(exc).__name__, exc)
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimitedError) else None
    detail = str(exc) if status != 500 else "服务器配置有误，请联系管理员"
    return error_response(status, code, detail, headers)


_PLAIN_DETAILS = {
    401: "需要管理令牌：请在 Authorization 头中提供 Bearer ADMIN_TOKEN",
    404: "没有这个地址：接口列表见 /docs",
    405: "该地址不支持这种请求方法：接口列表见 /docs",
}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    # Starlette's own details are English status phrases; ours are already sentences.
    generic = not isinstance(exc.detail, str) or exc.detail == phrase
    detail = _PLAIN_DETAILS.get(exc.status_code, phrase) if generic else str(exc.detail)
    return error_response(exc.status_code, code, detail, dict(exc.headers or {}))


def _where(loc: tuple[object, ...]) -> str:
    """A field's location for a message; an unknown key of the request is shown only in part."""
    parts = [str(p) if len(str(p)) <= 40 else str(p)[:40] + "…" for p in loc if p != "body"]
    return ".".join(parts) or "请求体"


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # A body model shared by a dependency and the route is reported once per user; keep one of each.
    problems = dict.fromkeys(
        f"{_where(error.get('loc', ()))}: {str(error.get('msg', ''))[:120]}" for error in exc.errors()
    )
    return error_response(422, "invalid_request", "请求格式不对：" + "；".join(list(problems)[:5]))


INTERNAL = "服务器内部错误，请稍后再试"


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("%s %s crashed", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", INTERNAL)


class CrashGuardMiddleware:
    """Turn a crash into the JSON 500 here, so the connection stays usable (Starlette would re-raise)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            if started:
                raise
            log.exception("%s %s crashed", scope["method"], scope["path"])
            await error_response(500, "internal_error", INTERNAL)(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Every error leaves as JSON with the right status; never a stack trace."""
    app.add_middleware(CrashGuardMiddleware)
    app.add_exception_handler(IpbotError, _ipbot_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
