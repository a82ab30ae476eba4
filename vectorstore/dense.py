"""Exact nearest vectors by cosine, over an index small enough to hold its vectors in memory.

Below EXACT_LIMIT chunks a product with a float32 matrix is cheaper than a Chroma query (3.2 ms at
118 vectors through the store's worker thread; the product: 0.04 ms at 118, 1.4 ms at 10k, 3 ms at
20k, 16 ms at 100k) and exact, where HNSW is approximate. Above it Chroma answers, as the matrix
would cost 1.5 KB of memory a chunk (docs/benchmarks.md, "Session 4").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .embed import Vectors, as_float32

EXACT_LIMIT = 20_000
SORT_ALL = 256  # up to this many vectors every score is sorted; above it, the best are partitioned first


class DenseMatrix:
    """Unit vectors by id; `nearest` ranks them all by cosine (ties by id), as Chroma's query would."""

    def __init__(self, ids: Sequence[str], vectors: Vectors) -> None:
        matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or len(ids) != len(matrix):
            raise ValueError(f"{len(ids)} ids for {len(matrix)} vectors")
        self._ids = np.asarray(ids, dtype=object)
        self._id_list = list(ids)
        self._in_id_order = sorted(range(len(ids)), key=self._id_list.__getitem__)  # rows, by their ids
        self._by_id = np.empty(len(ids), dtype=np.intp)  # each row's place in id order: ties sort on numbers
        self._by_id[self._in_id_order] = np.arange(len(ids))
        self._matrix = matrix

    def __len__(self) -> int:
        return len(self._ids)

    def nearest(self, vector: Vectors, k: int) -> list[tuple[str, float]]:
        """The k ids whose vectors are closest to `vector`, with their cosine, best first."""
        n = len(self._ids)
        if k <= 0 or not n:
            return []
        vector = as_float32(vector)
        scores = self._matrix @ (vector if vector.ndim == 1 else vector.reshape(-1))
        if n <= SORT_ALL:
            # the product, then Python: right after the question's embedding each numpy call costs 10–30 µs
            # (docs/benchmarks.md, "Session 17"). A stable sort of the rows in id order, best first, is the
            # lexsort by (-cosine, id); a NaN (which Python cannot order) goes to the lexsort.
            listed = scores.tolist()
            if not math.isnan(sum(listed)):
                best = sorted(self._in_id_order, key=listed.__getitem__, reverse=True)[:k]
                return [(self._id_list[i], listed[i]) for i in best]
            order = np.lexsort((self._by_id, -scores))[:k]
        else:  # every id scoring at least the k-th best score, so that ties at the edge go by id too
            kth = -np.partition(-scores, k - 1)[k - 1] if k < n else -np.inf
            top = np.flatnonzero(scores >= kth)
            order = top[np.lexsort((self._by_id[top], -scores[top]))][:k]
        return list(zip(self._ids[order].tolist(), scores[order].tolist(), strict=True))
