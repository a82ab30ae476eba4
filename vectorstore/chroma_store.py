"""Dense vectors in Chroma: always given explicit vectors, never Chroma's own embedding function."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ConfigError

from .embed import Vectors


def make_client(*, path: Path | None = None, host: str = "", port: int = 8000) -> Any:
    """A PersistentClient under `path`, or an HttpClient for a `chroma run` server when host is set."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if host:
        try:
            return chromadb.HttpClient(host=host, port=port, settings=settings)
        except Exception as exc:  # chromadb raises plain ValueError/ConnectionError variants
            raise ConfigError(
                f"无法连接 Chroma 服务 {host}:{port}（{exc}）；检查 CHROMA_HOST/CHROMA_PORT"
            ) from exc
    if path is None:
        raise ConfigError("Chroma needs a data directory when CHROMA_HOST is not set")
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=settings)


def _pairs(result: dict[str, Any]) -> list[tuple[str, float]]:
    """Chroma's dict-of-lists query result → [(id, cosine similarity)]."""
    ids = (result.get("ids") or [[]])[0]
    distances = (result.get("distances") or [[]])[0]
    return [(i, 1.0 - float(d)) for i, d in zip(ids, distances, strict=True)]


class VectorStore:
    """One Chroma collection of chunk vectors keyed by chunk id.

    `connect` makes the Chroma client; it is called on first use, since importing chromadb and
    opening a store costs about 0.4 s that commands which never touch vectors need not pay.
    """

    def __init__(self, *, connect: Callable[[], Any], collection: str = "ipbot-chunks") -> None:
        self._connect = connect
        self._name = collection
        self._opened: Any = None
        self._lock = threading.Lock()

    @property
    def _collection(self) -> Any:
        opened = self._opened
        if opened is None:
            with self._lock:
                if self._opened is None:
                    self._opened = self._connect().get_or_create_collection(
                        self._name, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
                    )
                opened = self._opened
        return opened

    def upsert(self, ids: Sequence[str], vectors: Vectors, doc_ids: Sequence[str]) -> None:
        for start in range(0, len(ids), 2000):
            end = start + 2000
            self._collection.upsert(
                ids=list(ids[start:end]),
                embeddings=np.asarray(vectors[start:end], dtype=np.float32),
                metadatas=[{"doc_id": d} for d in doc_ids[start:end]],
            )

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), 2000):
            self._collection.delete(ids=list(ids[start : start + 2000]))

    def ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])

    def count(self) -> int:
        return int(self._collection.count())

    def query(self, vector: Vectors, k: int) -> list[tuple[str, float]]:
        """The k nearest chunk ids with cosine similarity, best first (no metadata filter: rank first).

        Chroma returns every vector when it holds fewer than k, so no count() is asked first
        (a count costs a scan that grows with the collection).
        """
        if k <= 0:
            return []
        result = self._collection.query(
            query_embeddings=np.asarray([vector], dtype=np.float32), n_results=k, include=["distances"]
        )
        return _pairs(result)
