"""An async client for the few WeChat server APIs the bot calls: stable_token, custom/send, msg_sec_check."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from core.errors import UpstreamError
from service.wechat.errors import SendOutcomeUnknown
from service.wechat.messages import MAX_TEXT_BYTES, split_utf8

TOKEN_REFRESH_MARGIN_S = 300
MAX_ATTEMPTS = 3
BACKOFF_S = 0.5
_TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
_BUSY_ERRCODE = -1
_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


class _TransientError(Exception):
    """A failure worth retrying: network error, HTTP 5xx or errcode -1."""


# The request never left: nothing can have been delivered, so even custom/send may try again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class WeChatApi:
    """Calls the WeChat server API with a cached access token, token refresh and bounded retries."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        base_url: str,
        appid: str,
        secret: str,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._http = http
        self._base_url = base_url.rstrip("/")
        self._appid = appid
        self._secret = secret
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0

    def __repr__(self) -> str:
        return f"WeChatApi(base_url={self._base_url!r}, appid={self._appid!r})"

    def _cached_token(self) -> str | None:
        if self._token is not None and self._clock() < self._refresh_at:
            return self._token
        return None

    async def access_token(self) -> str:
        """Return a cached stable access token, fetching a new one when it is within 300 s of expiry."""
        token = self._cached_token()
        if token is not None:
            return token
        async with self._lock:
            # Callers that queued behind the refresher find its fresh token here: one fetch for all.
            token = self._cached_token()
            if token is not None:
                return token
            return await self._fetch_token()

    async def _fetch_token(self) -> str:
        payload = {
            "grant_type": "client_credential",
            "appid": self._appid,
            "secret": self._secret,
            "force_refresh": False,
        }
        data = await self._call("cgi-bin/stable_token", payload, with_token=False)
        token, expires_in = data.get("access_token"), data.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int) or expires_in <= 0:
            raise UpstreamError("cgi-bin/stable_token answered without access_token and expires_in")
        # stable_token promises expires_in >= 300; for very short lives refresh halfway instead of always.
        lifetime = max(expires_in - TOKEN_REFRESH_MARGIN_S, expires_in / 2)
        self._token, self._refresh_at = token, self._clock() + lifetime
        return token

    def _forget_token(self, token: str) -> None:
        # Another caller may already have replaced the rejected token; keep its newer one.
        if self._token == token:
            self._token = None

    async def send_text(self, openid: str, content: str) -> None:
        """Send `content` to `openid` through custom/send, in pieces of at most 2048 UTF-8 bytes.

        A piece whose request may have arrived without an answer raises SendOutcomeUnknown: it is
        never sent again, since WeChat may already have delivered it.
        """
        pieces = split_utf8(content, MAX_TEXT_BYTES)
        if not pieces:
            raise ValueError("content is empty; WeChat does not deliver empty text")
        for index, piece in enumerate(pieces, start=1):
            payload = {"touser": openid, "msgtype": "text", "text": {"content": piece}}
            try:
                await self._call("cgi-bin/message/custom/send", payload, with_token=True, idempotent=False)
            except UpstreamError as exc:
                kind = SendOutcomeUnknown if isinstance(exc, SendOutcomeUnknown) else UpstreamError
                raise kind(f"{exc} (piece {index} of {len(pieces)}, {index - 1} delivered)") from exc

    async def msg_sec_check(self, openid: str, content: str) -> bool:
        """Check text with msgSecCheck v2 (scene 2); False only when WeChat suggests "risky"."""
        payload = {"content": content, "version": 2, "scene": 2, "openid": openid}
        data = await self._call("wxa/msg_sec_check", payload, with_token=True)
        result = data.get("result")
        return not (isinstance(result, dict) and result.get("suggest") == "risky")

    async def _call(
        self, path: str, payload: dict[str, Any], *, with_token: bool, idempotent: bool = True
    ) -> dict[str, Any]:
        """POST JSON; refresh the token once on 40001/40014/42001 and retry transient failures.

        A call that is not idempotent is not retried after a failure that may follow its arrival
        (a read timeout, a dropped connection): that raises SendOutcomeUnknown instead.
        """
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        attempt = 0
        token_renewed = False
        while True:
            attempt += 1
            token = await self.access_token() if with_token else None
            try:
                data = await self._post_once(path, body, token, idempotent=idempotent)
            except _TransientError as exc:
                if attempt >= MAX_ATTEMPTS:
                    raise UpstreamError(f"WeChat {path} failed after {attempt} attempts: {exc}") from exc
                await self._sleep(BACKOFF_S * 2 ** (attempt - 1))
                continue
            errcode = _errcode(path, data)
            if errcode == 0:
                return data
            if (
                token is not None
                and errcode in _TOKEN_ERRCODES
                and not token_renewed
                and attempt < MAX_ATTEMPTS
            ):
                token_renewed = True
                self._forget_token(token)
                continue
            raise UpstreamError(f"WeChat {path} failed: errcode {errcode} {data.get('errmsg', '')!s:.200}")

    async def _post_once(
        self, path: str, body: bytes, token: str | None, *, idempotent: bool
    ) -> dict[str, Any]:
        params = {"access_token": token} if token is not None else None
        try:
            response = await self._http.post(
                f"{self._base_url}/{path}", content=body, params=params, headers=_JSON_HEADERS
            )
        except httpx.TransportError as exc:
            if idempotent or isinstance(exc, _NOT_SENT):
                raise _TransientError(f"network error {type(exc).__name__}") from exc
            raise SendOutcomeUnknown(
                f"WeChat {path}: no answer after sending ({type(exc).__name__}); it may have been delivered"
            ) from exc
        if response.status_code >= 500:
            raise _TransientError(f"HTTP {response.status_code}")
        if response.status_code != 200:
            raise UpstreamError(f"WeChat {path} answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError as exc:
            raise UpstreamError(f"WeChat {path} answered something that is not JSON") from exc
        if not isinstance(data, dict):
            raise UpstreamError(f"WeChat {path} answered JSON that is not an object")
        if data.get("errcode") == _BUSY_ERRCODE:
            raise _TransientError("errcode -1 (system busy)")
        return data


def _errcode(path: str, data: dict[str, Any]) -> int:
    # WeChat reports errors with HTTP 200 and a non-zero errcode; successful calls may omit it.
    errcode = data.get("errcode", 0)
    if not isinstance(errcode, int) or isinstance(errcode, bool):
        raise UpstreamError(f"WeChat {path} answered a non-numeric errcode {errcode!r:.40}")
    return errcode
