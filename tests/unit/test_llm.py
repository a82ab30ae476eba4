"""The model client: failures classified, calls bounded by a deadline, one retry only for a short 429."""

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from bot.llm import bounded, chat_model
from core.errors import ModelFailure
from tests.fakes.openai_server import FakeOpenAIServer


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as running:
        yield running


def ask(server_url: str, *, timeout_s: float = 5.0, deadline_s: float = 5.0) -> str:
    model = chat_model(base_url=server_url, api_key="", model="fake-model", timeout_s=timeout_s)

    def call() -> Iterator[str]:
        yield str(model.invoke("杨浦区贴息比例？").content)

    return "".join(bounded(call, deadline=time.monotonic() + deadline_s))


def reason_of(server_url: str, **kwargs: float) -> str:
    with pytest.raises(ModelFailure) as failure:
        ask(server_url, **kwargs)
    return failure.value.reason


def test_a_reply_passes_through(server: FakeOpenAIServer) -> None:
    server.enqueue(content="贷款利率的50%[1]。")

    assert ask(server.base_url) == "贷款利率的50%[1]。"
    assert server.requests[0]["model"] == "fake-model"
    assert server.requests[0]["temperature"] == 0


def test_a_500_is_an_upstream_error_and_never_retried(server: FakeOpenAIServer) -> None:
    server.enqueue(status=500)

    assert reason_of(server.base_url) == "upstream_error"
    assert len(server.requests) == 1


def test_another_4xx_is_rejected_without_retry(server: FakeOpenAIServer) -> None:
    server.enqueue(status=401)

    assert reason_of(server.base_url) == "rejected"
    assert len(server.requests) == 1


def test_a_429_with_a_short_retry_after_is_retried_once(server: FakeOpenAIServer) -> None:
    server.enqueue(status=429, retry_after="0.2")
    server.enqueue(content="贷款利率的50%[1]。")

    assert ask(server.base_url) == "贷款利率的50%[1]。"
    assert len(server.requests) == 2


def test_a_second_429_is_not_retried(server: FakeOpenAIServer) -> None:
    server.enqueue(status=429, retry_after="0.1")
    server.enqueue(status=429, retry_after="0.1")
    server.enqueue(content="never asked for")

    assert reason_of(server.base_url) == "rate_limited"
    assert len(server.requests) == 2


@pytest.mark.parametrize("retry_after", ["30", None, "Wed, 21 Oct 2026 07:28:00 GMT"])
def test_a_429_with_a_long_or_no_retry_after_is_not_retried(
    server: FakeOpenAIServer, retry_after: str | None
) -> None:
    server.enqueue(status=429, retry_after=retry_after)

    assert reason_of(server.base_url) == "rate_limited"
    assert len(server.requests) == 1


def test_a_429_whose_wait_would_pass_the_deadline_is_not_retried(server: FakeOpenAIServer) -> None:
    server.enqueue(status=429, retry_after="1")

    assert reason_of(server.base_url, deadline_s=0.5) == "rate_limited"
    assert len(server.requests) == 1


def test_a_slow_reply_times_out_at_the_deadline(server: FakeOpenAIServer) -> None:
    server.enqueue(delay_s=60)

    assert reason_of(server.base_url, timeout_s=30, deadline_s=0.5) == "timeout"


def test_a_slow_reply_times_out_at_the_http_timeout(server: FakeOpenAIServer) -> None:
    server.enqueue(delay_s=60)

    assert reason_of(server.base_url, timeout_s=0.3) == "timeout"


@pytest.mark.parametrize("body", [b"not json", b'{"foo": 1}', b'{"choices": []}'])
def test_a_body_that_is_not_a_completion_is_a_bad_reply(server: FakeOpenAIServer, body: bytes) -> None:
    server.enqueue(raw_body=body)

    assert reason_of(server.base_url) == "bad_reply"


def test_a_closed_port_is_unreachable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    assert reason_of(f"http://127.0.0.1:{port}/v1") == "unreachable"


def test_bounded_yields_pieces_as_they_come() -> None:
    def pieces() -> Iterator[str]:
        yield "甲"
        yield "乙"

    assert list(bounded(pieces, deadline=time.monotonic() + 5)) == ["甲", "乙"]


def test_bounded_gives_up_on_a_stalled_stream_at_the_deadline() -> None:
    stopped = threading.Event()

    def pieces() -> Iterator[str]:
        yield "甲"
        stopped.wait(2)  # stands for a server that stops sending
        yield "never seen"

    seen: list[str] = []
    with pytest.raises(ModelFailure) as failure:
        seen.extend(bounded(pieces, deadline=time.monotonic() + 0.3))

    assert seen == ["甲"]
    assert failure.value.reason == "timeout"


def test_bounded_reports_an_unexpected_error_as_a_bad_reply() -> None:
    def pieces() -> Iterator[str]:
        raise KeyError("choices")
        yield ""

    with pytest.raises(ModelFailure) as failure:
        list(bounded(pieces, deadline=time.monotonic() + 5))

    assert failure.value.reason == "bad_reply"
    assert "KeyError" in failure.value.detail
