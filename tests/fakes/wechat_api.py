"""A scripted WeChat server API on 127.0.0.1: stable_token, message/custom/send and wxa/msg_sec_check."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class SendCall:
    """One request the fake received on custom/send or msg_sec_check, and what it answered."""

    body: dict[str, Any]
    access_token: str
    raw: bytes
    http_status: int
    errcode: int

    @property
    def ok(self) -> bool:
        """Whether WeChat would have accepted (delivered) this call."""
        return self.http_status == 200 and self.errcode == 0


@dataclass(frozen=True)
class _Failure:
    errcode: int
    http_status: int


class FakeWeChatApi:
    """A real HTTP server in a background thread that behaves like the WeChat API for our three calls."""

    def __init__(
        self,
        *,
        appid: str = "wx_fake_appid",
        secret: str = "fake-secret",
        expires_in: int = 7200,
        accounts: dict[str, str] | None = None,
    ) -> None:
        self.appid = appid
        self.secret = secret
        self.accounts = accounts or {appid: secret}  # several accounts may share one fake
        self.expires_in = expires_in
        self.sec_check_suggest = "pass"
        self.token_calls = 0
        self.sends: list[SendCall] = []
        self.sec_checks: list[SendCall] = []
        self._valid_tokens: set[str] = set()
        self._script: deque[_Failure | None] = deque()
        self._delays: deque[float] = deque()
        self._state = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """Where the fake listens, e.g. http://127.0.0.1:40123."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def delivered(self) -> list[str]:
        """Text contents of the custom/send calls that succeeded, in order."""
        return [call.body["text"]["content"] for call in self.sends if call.ok]

    def fail_next_send(self, *, errcode: int = 0, http_status: int = 200) -> None:
        """Queue a failure (an errcode, an HTTP status or both) for the next unscripted custom/send call."""
        if errcode == 0 and http_status == 200:
            raise ValueError("give an errcode other than 0 or an HTTP status other than 200")
        with self._state:
            self._script.append(_Failure(errcode=errcode, http_status=http_status))

    def succeed_next_send(self) -> None:
        """Queue a normal answer, so a later scripted failure hits a later send."""
        with self._state:
            self._script.append(None)

    def delay_next_send(self, seconds: float) -> None:
        """Deliver the next custom/send at once but answer it only after `seconds` (a slow WeChat)."""
        with self._state:
            self._delays.append(seconds)

    def invalidate_tokens(self) -> None:
        """Invalidate every issued token, as a force_refresh elsewhere would; later uses get 40001."""
        with self._state:
            self._valid_tokens.clear()

    def __enter__(self) -> FakeWeChatApi:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def handle(self, path: str, token: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        """Answer one POST: return (HTTP status, JSON body)."""
        try:
            body = json.loads(raw)
        except ValueError:
            return 200, {"errcode": 47001, "errmsg": "data format error"}
        with self._state:
            if path == "/cgi-bin/stable_token":
                return self._stable_token(body)
            if path == "/cgi-bin/message/custom/send":
                sent = self._record(self.sends, body, token, raw, scripted=True)
                delay = self._delays.popleft() if self._delays else 0.0
        if path == "/cgi-bin/message/custom/send":
            time.sleep(delay)  # the call is recorded (delivered) before the slow answer
            return sent
        with self._state:
            if path == "/wxa/msg_sec_check":
                status, answer = self._record(self.sec_checks, body, token, raw, scripted=False)
                if answer["errcode"] == 0:
                    answer["result"] = {"suggest": self.sec_check_suggest, "label": 100}
                return status, answer
        return 404, {"errcode": 404, "errmsg": "no such api"}

    def _stable_token(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.token_calls += 1
        if body.get("grant_type") != "client_credential" or body.get("appid") not in self.accounts:
            return 200, {"errcode": 40013, "errmsg": "invalid appid"}
        if body.get("secret") != self.accounts[body["appid"]]:
            return 200, {"errcode": 40125, "errmsg": "invalid appsecret"}
        token = f"fake-token-{self.token_calls}"
        self._valid_tokens.add(token)
        return 200, {"access_token": token, "expires_in": self.expires_in}

    def _record(
        self, calls: list[SendCall], body: dict[str, Any], token: str, raw: bytes, *, scripted: bool
    ) -> tuple[int, dict[str, Any]]:
        failure: _Failure | None = None
        if token not in self._valid_tokens:
            failure = _Failure(errcode=40001, http_status=200)
        elif scripted and self._script:
            failure = self._script.popleft()
        if failure is not None and failure.errcode in (40001, 42001):
            self._valid_tokens.discard(token)
        status = failure.http_status if failure else 200
        errcode = failure.errcode if failure else 0
        calls.append(SendCall(body=body, access_token=token, raw=raw, http_status=status, errcode=errcode))
        if status != 200:
            return status, {"errmsg": "bad gateway"}
        return 200, {"errcode": errcode, "errmsg": "ok" if errcode == 0 else f"scripted error {errcode}"}


def _handler_for(fake: FakeWeChatApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            url = urlsplit(self.path)
            token = parse_qs(url.query).get("access_token", [""])[0]
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = fake.handle(url.path, token, raw)
            payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a slow-send test): the send happened all the same

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
