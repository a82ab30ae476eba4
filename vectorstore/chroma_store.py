"""Dense vectors in Chroma: always given explicit vectors, never Chroma's own embedding function.

Every call has a deadline and goes through a breaker (guard.py): a stopped or hung Chroma server
becomes StoreUnavailableError in seconds, never a hang. The collection records the catalog that owns
it, so two deployments on one server cannot delete each other's vectors.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ConfigError

from .embed import Vectors
from .guard import Guard, StoreState

OWNER_KEY = "ipbot_catalog"  # collection metadata: the id of the catalog whose vectors these are
CHECKSUM_KEY = "ipbot_checksum"  # collection metadata: checksum of the catalog at the last reconcile
DEFAULT_TIMEOUT_S = 5.0
WRITE_TIMEOUT_S = 120.0  # an upsert of a 2,000-vector batch on a slow disk
OPEN_TIMEOUT_S = 60.0  # the first connection: importing chromadb and opening the store
BATCH = 2000
PAGE = 5000
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]$")


def check_collection_name(name: str) -> str:
    """`name` when Chroma accepts it as a collection name, else ConfigError naming IPBOT_COLLECTION."""
    if not _NAME.match(name) or ".." in name:
        raise ConfigError(
            f"IPBOT_COLLECTION={name!r} 不是有效的 Chroma 集合名：须 3–63 个字母、数字、. _ -，"
            "以字母或数字开头和结尾"
        )
    return name


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


def _keys(result: dict[str, Any]) -> dict[str, str]:
    """Chroma's dict-of-lists get result → {id: content key} ("" for a vector stored without one)."""
    metadatas = result.get("metadatas") or [None] * len(result["ids"])
    return {i: str((m or {}).get("key", "")) for i, m in zip(result["ids"], metadatas, strict=True)}


def _upsert(ids: list[str], vectors: Vectors, metadatas: list[dict[str, str]], collection: Any) -> None:
    collection.upsert(ids=ids, embeddings=np.asarray(vectors, dtype=np.float32), metadatas=metadatas)


def _delete(ids: list[str], collection: Any) -> None:
    collection.delete(ids=ids)


def _page(offset: int, collection: Any) -> dict[str, Any]:
    result: dict[str, Any] = collection.get(include=["metadatas"], limit=PAGE, offset=offset)
    return result


class VectorStore:
    """One Chroma collection of chunk vectors keyed by chunk id, owned by one catalog (`owner`).

    `connect` makes the Chroma client; it is called on first use, since importing chromadb and
    opening a store costs about 0.4 s that commands which never touch vectors need not pay.
    """

    def __init__(
        self,
        *,
        connect: Callable[[], Any],
        collection: str = "ipbot-chunks",
        owner: str = "",
        timeout_s: float = DEFAULT_TIMEOUT_S,
        where: str = "Chroma",
    ) -> None:
        self._connect = connect
        self._client: Any = None
        self.name = collection
        self._owner = owner
        self._opened: Any = None
        self._lock = threading.Lock()
        self.guard = Guard(name=f"vector store ({where}, collection {collection})", timeout_s=timeout_s)

    @property
    def state(self) -> StoreState:
        return self.guard.state

    def _open(self) -> Any:
        """The collection, created (and claimed) when missing; ConfigError when another catalog owns it."""
        with self._lock:
            if self._opened is not None:
                return self._opened
            if self._client is None:
                self._client = self._connect()
            collection = self._client.get_or_create_collection(
                self.name,
                embedding_function=None,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={OWNER_KEY: self._owner} if self._owner else None,
            )
            owner = str((collection.metadata or {}).get(OWNER_KEY, ""))
            if self._owner and owner != self._owner:
                if owner:
                    raise ConfigError(
                        f"Chroma 集合 {self.name} 属于另一个部署（目录 {owner}，本部署 {self._owner}）："
                        "请用 IPBOT_COLLECTION 为本部署另设一个集合名，切勿两个部署共用一个集合"
                    )
                collection.modify(metadata={**(collection.metadata or {}), OWNER_KEY: self._owner})
            self._opened = collection
            return collection

    def _call(self, op: str, fn: Callable[[Any], Any], *, timeout_s: float | None = None) -> Any:
        if self._opened is None and self._client is None:
            # The first connection imports chromadb and opens the store: give it time of its own.
            self.guard.call("open", self._open, timeout_s=OPEN_TIMEOUT_S)

        def run() -> Any:
            try:
                return fn(self._open())
            except Exception:
                self._opened = None  # a restarted server may have lost or recreated the collection
                raise

        return self.guard.call(op, run, timeout_s=timeout_s)

    def open(self) -> None:
        """Reach the store and check the collection's owner now: start-up fails early, not at a question."""
        self._call("open", lambda c: None)

    def upsert(
        self, ids: Sequence[str], vectors: Vectors, doc_ids: Sequence[str], keys: Sequence[str] | None = None
    ) -> None:
        """Store vectors; `keys` (content keys of the embedded texts) let reconcile spot stale vectors."""
        tags = keys if keys is not None else [""] * len(ids)
        for start in range(0, len(ids), BATCH):
            end = start + BATCH
            metadatas = [
                {"doc_id": d, "key": k} for d, k in zip(doc_ids[start:end], tags[start:end], strict=True)
            ]
            batch = partial(_upsert, list(ids[start:end]), vectors[start:end], metadatas)
            self._call("upsert", batch, timeout_s=WRITE_TIMEOUT_S)

    def delete(self, ids: Sequence[str]) -> None:
        for start in range(0, len(ids), BATCH):
            self._call(
                "delete", partial(_delete, list(ids[start : start + BATCH])), timeout_s=WRITE_TIMEOUT_S
            )

    def ids(self) -> set[str]:
        return set(self.keys())

    def keys(self) -> dict[str, str]:
        """Every stored vector's id and the content key it was embedded from, read in pages."""
        found: dict[str, str] = {}
        offset = 0
        while True:
            page = self._call("get", partial(_page, offset), timeout_s=WRITE_TIMEOUT_S)
            found.update(_keys(page))
            if len(page["ids"]) < PAGE:
                return found
            offset += PAGE

    def count(self) -> int:
        return int(self._call("count", lambda c: c.count()))

    def checksum(self) -> str:
        """The catalog checksum recorded at the last reconcile ("" when none, or a write began since)."""
        return str(self._call("metadata", lambda c: (c.metadata or {}).get(CHECKSUM_KEY, "")))

    def record_checksum(self, checksum: str) -> None:
        """Record the catalog checksum the vectors now match ("" marks a write in progress)."""

        def modify(c: Any) -> None:
            c.modify(metadata={**(c.metadata or {}), CHECKSUM_KEY: checksum})

        self._call("modify", modify)

    def query(self, vector: Vectors, k: int) -> list[tuple[str, float]]:
        """The k nearest chunk ids with cosine similarity, best first (no metadata filter: rank first).

        Chroma returns every vector when it holds fewer than k, so no count() is asked first
        (a count costs a scan that grows with the collection).
        """
        if k <= 0:
            return []
        result = self._call(
            "query",
            lambda c: c.query(
                query_embeddings=np.asarray([vector], dtype=np.float32), n_results=k, include=["distances"]
            ),
        )
        return _pairs(result)
