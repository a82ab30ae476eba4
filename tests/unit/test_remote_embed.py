"""The remote embedder's protocol: requests, batching, bounded retries and errors (the network is a transport)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import numpy as np
import pytest

from app.settings import Settings
from core.errors import ConfigError
from vectorstore.embed import DIM
from vectorstore.remote_embed import EmbedServerError, Prefix, RemoteEmbedder, endpoint


def _vector(seed: int) -> list[float]:
    v = np.zeros(DIM, dtype=np.float32)
    v[seed % DIM] = 1.0
    return v.tolist()


def _ok(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    data = [{"object": "embedding", "index": i, "embedding": _vector(i)} for i in range(len(body["input"]))]
    return httpx.Response(200, json={"object": "list", "data": data[::-1], "model": "m-q4"})


class Script:
    """Answers with the given handlers in turn (the last repeats) and records every request body."""

    def __init__(self, *handlers: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handlers = list(handlers)
        self.bodies: list[dict[str, object]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.bodies.append(json.loads(request.content))
        handler = self.handlers.pop(0) if len(self.handlers) > 1 else self.handlers[0]
        return handler(request)


def _embedder(script: Script, **kwargs: object) -> tuple[RemoteEmbedder, list[float]]:
    slept: list[float] = []
    client = httpx.Client(transport=httpx.MockTransport(script))
    return RemoteEmbedder(url="http://e/v1", client=client, sleep=slept.append, **kwargs), slept  # type: ignore[arg-type]


def test_endpoint_accepts_the_usual_spellings() -> None:
    assert endpoint("http://h:1") == endpoint("http://h:1/v1/") == endpoint("http://h:1/v1/embeddings")
    assert endpoint("http://h:1") == "http://h:1/v1/embeddings"


def test_passages_go_in_batches_in_order_with_input_type() -> None:
    script = Script(_ok)
    embedder, _ = _embedder(script, batch=2)
    vectors = embedder.passages(["a", "b", "c"])
    assert vectors.shape == (3, DIM)
    assert [np.argmax(v) for v in vectors] == [0, 1, 0]  # data came back reversed; rows follow `index`
    assert [b["input"] for b in script.bodies] == [["a", "b"], ["c"]]
    assert {b["input_type"] for b in script.bodies} == {"passage"}


def test_text_prefix_mode_writes_the_e5_prefix_into_the_text() -> None:
    script = Script(_ok)
    embedder, _ = _embedder(script, prefix=Prefix.TEXT)
    embedder.query("专利")
    embedder.passages(["条款"])
    assert [b["input"] for b in script.bodies] == [["query: 专利"], ["passage: 条款"]]
    assert all("input_type" not in b for b in script.bodies)
    assert embedder.model_id == "openai-embeddings/m-q4+text-prefix"


def test_transient_failures_are_retried_with_backoff() -> None:
    script = Script(lambda r: httpx.Response(503, text="busy"), lambda r: httpx.Response(429), _ok)
    embedder, slept = _embedder(script, attempts=3)
    assert embedder.query("q").shape == (DIM,)
    assert len(script.bodies) == 3 and slept == [0.5, 1.0]


def test_retries_are_bounded_and_the_error_says_what_to_do() -> None:
    script = Script(lambda r: httpx.Response(502, text="bad gateway"))
    embedder, _ = _embedder(script, attempts=3)
    with pytest.raises(EmbedServerError, match="IPBOT_EMBED_URL") as caught:
        embedder.passages(["a"])
    assert len(script.bodies) == 3 and "HTTP 502" in str(caught.value) and "共试 3 次" in str(caught.value)


def test_a_client_error_is_not_retried() -> None:
    script = Script(lambda r: httpx.Response(400, json={"error": {"message": "bad"}}))
    embedder, _ = _embedder(script, attempts=3)
    with pytest.raises(EmbedServerError, match="HTTP 400"):
        embedder.query("q")
    assert len(script.bodies) == 1


def test_vectors_of_the_wrong_size_are_refused() -> None:
    def short(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": [{"index": 0, "embedding": [1.0, 0.0]}], "model": "x"})

    embedder, _ = _embedder(Script(short))
    with pytest.raises(EmbedServerError, match="384"):
        embedder.query("q")


def test_unnormalised_vectors_are_normalised() -> None:
    def scaled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": [{"index": 0, "embedding": [3.0, 4.0] + [0.0] * (DIM - 2)}]})

    embedder, _ = _embedder(Script(scaled))
    assert np.linalg.norm(embedder.query("q")) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"IPBOT_EMBED_URL": "127.0.0.1:8001"}, "IPBOT_EMBED_URL"),
        ({"IPBOT_EMBED_PREFIX": "both"}, "IPBOT_EMBED_PREFIX"),
    ],
)
def test_bad_embed_settings_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError, match=variable):
        Settings.from_env(env)
