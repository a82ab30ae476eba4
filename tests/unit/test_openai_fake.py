"""The official openai client against the scripted OpenAI-compatible server."""

import time
from collections.abc import Iterator

import openai
import pytest
from langchain_openai import ChatOpenAI
from pydantic import SecretStr

from tests.fakes.openai_server import DEFAULT_CONTENT, FakeOpenAIServer

QUESTION = "杨浦区贴息比例？"
MESSAGES: list[openai.types.chat.ChatCompletionMessageParam] = [{"role": "user", "content": QUESTION}]


@pytest.fixture
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as running:
        yield running


def client(server: FakeOpenAIServer, *, timeout: float = 10) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="test-key", max_retries=0, timeout=timeout)


def test_a_normal_reply(server: FakeOpenAIServer) -> None:
    server.enqueue(content="贷款利率的50%[1]。")

    reply = client(server).chat.completions.create(model="fake-model", messages=MESSAGES, temperature=0)

    assert reply.choices[0].message.content == "贷款利率的50%[1]。"
    assert reply.choices[0].finish_reason == "stop"
    assert server.requests == [{"model": "fake-model", "messages": MESSAGES, "temperature": 0}]


def test_a_streamed_reply_is_assembled_from_chunks(server: FakeOpenAIServer) -> None:
    server.enqueue(content="对符合条件的企业给予贷款利率50%的贴息[1]。")

    stream = client(server).chat.completions.create(
        model="fake-model", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)

    pieces = [chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices]
    assert len(pieces) > 2
    assert "".join(pieces) == "对符合条件的企业给予贷款利率50%的贴息[1]。"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == len("对符合条件的企业给予贷款利率50%的贴息[1]。")


def test_the_default_reply_when_nothing_is_queued(server: FakeOpenAIServer) -> None:
    reply = client(server).chat.completions.create(model="fake-model", messages=MESSAGES)

    assert reply.choices[0].message.content == DEFAULT_CONTENT


def test_an_empty_reply(server: FakeOpenAIServer) -> None:
    server.enqueue(content="")

    reply = client(server).chat.completions.create(model="fake-model", messages=MESSAGES)

    assert reply.choices[0].message.content == ""


def test_a_500_raises_internal_server_error(server: FakeOpenAIServer) -> None:
    server.enqueue(status=500)

    with pytest.raises(openai.InternalServerError):
        client(server).chat.completions.create(model="fake-model", messages=MESSAGES)


def test_a_429_raises_rate_limit_error_with_retry_after(server: FakeOpenAIServer) -> None:
    server.enqueue(status=429, retry_after="1")

    with pytest.raises(openai.RateLimitError) as error:
        client(server).chat.completions.create(model="fake-model", messages=MESSAGES)

    assert error.value.response.headers["retry-after"] == "1"


def test_a_429_is_retried_when_the_client_retries(server: FakeOpenAIServer) -> None:
    server.enqueue(status=429, retry_after="0")
    server.enqueue(content="重试后的回答")
    retrying = openai.OpenAI(base_url=server.base_url, api_key="test-key", max_retries=1)

    reply = retrying.chat.completions.create(model="fake-model", messages=MESSAGES)

    assert reply.choices[0].message.content == "重试后的回答"
    assert len(server.requests) == 2


def test_a_garbage_body_fails_to_parse(server: FakeOpenAIServer) -> None:
    server.enqueue(raw_body=b"garbage")

    with pytest.raises(ValueError):
        client(server).chat.completions.create(model="fake-model", messages=MESSAGES)


def test_langchain_chat_openai_reads_replies_and_streams(server: FakeOpenAIServer) -> None:
    server.enqueue(content="贷款利率的50%[1]。")
    server.enqueue(content="对符合条件的企业给予贴息[1]。")
    llm = ChatOpenAI(
        base_url=server.base_url, api_key=SecretStr("test-key"), model="fake-model", max_retries=0
    )

    assert llm.invoke(QUESTION).content == "贷款利率的50%[1]。"
    assert "".join(str(chunk.content) for chunk in llm.stream(QUESTION)) == "对符合条件的企业给予贴息[1]。"
    assert server.requests[1]["stream"] is True


def test_a_slow_reply_times_out_and_does_not_hold_up_shutdown() -> None:
    with FakeOpenAIServer() as server:
        server.enqueue(content="太慢了", delay_s=60)
        with pytest.raises(openai.APITimeoutError):
            client(server, timeout=0.3).chat.completions.create(model="fake-model", messages=MESSAGES)
        closing = time.monotonic()

    assert time.monotonic() - closing < 2
