"""A scripted OpenAI-compatible chat-completions server over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

DEFAULT_CONTENT = "根据现有条款无法回答。"
_SLEEP_STEP_S = 0.05


@dataclass(frozen=True)
class Reply:
    """One scripted reply: a completion, an error status, or a raw body; optionally after a delay."""

    content: str = DEFAULT_CONTENT
    status: int = 200
    retry_after: str | None = None
    delay_s: float = 0.0
    raw_body: bytes | None = None


class FakeOpenAIServer:
    """Answers POST /v1/chat/completions from a queue of replies, the default reply when it is empty."""

    def __init__(self, *, default: Reply = Reply(), chunk_chars: int = 4) -> None:
        self.default = default
        self.chunk_chars = chunk_chars
        self._replies: deque[Reply] = deque()
        self._requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FakeOpenAIServer:
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._closing.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        """The URL to give a client as ``base_url``, ending in /v1."""
        if self._httpd is None:
            raise RuntimeError("the fake server is not running; use it as a context manager")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The JSON bodies received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def enqueue(
        self,
        *,
        content: str = DEFAULT_CONTENT,
        status: int = 200,
        retry_after: str | None = None,
        delay_s: float = 0.0,
        raw_body: bytes | None = None,
    ) -> None:
        """Script the next reply."""
        with self._lock:
            self._replies.append(Reply(content, status, retry_after, delay_s, raw_body))

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self._requests.append(body)
            return self._replies.popleft() if self._replies else self.default

    def _wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds`` in small steps; False when the server closed meanwhile."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self._closing.wait(min(_SLEEP_STEP_S, deadline - time.monotonic())):
                return False
        return not self._closing.is_set()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[_Handler], fake: FakeOpenAIServer) -> None:
        super().__init__(address, handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def do_POST(self) -> None:
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, _error(f"no route {self.path}", "not_found_error"))
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        except ValueError:
            self._send_json(400, _error("request body is not JSON", "invalid_request_error"))
            return
        reply = self.server.fake._next(body)
        if reply.delay_s and not self.server.fake._wait(reply.delay_s):
            return
        if reply.raw_body is not None:
            self._send(reply.status, reply.raw_body, "application/json")
        elif reply.status != 200:
            headers = {"Retry-After": reply.retry_after} if reply.retry_after is not None else {}
            kind = {429: "rate_limit_error"}.get(reply.status, "server_error")
            self._send_json(reply.status, _error(f"scripted status {reply.status}", kind), headers)
        elif body.get("stream"):
            self._stream(body, reply.content)
        else:
            self._send_json(200, _completion(body, reply.content))

    def _stream(self, body: dict[str, Any], content: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        step = max(1, self.server.fake.chunk_chars)
        deltas = [{"role": "assistant", "content": ""}]
        deltas += [{"content": content[i : i + step]} for i in range(0, len(content), step)]
        chunks = [_chunk(body, [{"index": 0, "delta": delta, "finish_reason": None}]) for delta in deltas]
        chunks.append(_chunk(body, [{"index": 0, "delta": {}, "finish_reason": "stop"}]))
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append({**_chunk(body, []), "usage": _usage(body, content)})
        for chunk in chunks:
            self.wfile.write(f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")

    def _send_json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json", headers)

    def _send(
        self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


def _completion(body: dict[str, Any], content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake-model"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": _usage(body, content),
    }


def _chunk(body: dict[str, Any], choices: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "fake-model"),
        "choices": choices,
    }


def _usage(body: dict[str, Any], content: str) -> dict[str, int]:
    # One token per character is wrong for any real tokenizer but easy to compute by hand in a test.
    prompt = sum(len(str(message.get("content", ""))) for message in body.get("messages", []))
    return {"prompt_tokens": prompt, "completion_tokens": len(content), "total_tokens": prompt + len(content)}


def _error(message: str, kind: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}
