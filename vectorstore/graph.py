"""Nearest vectors of an index too big for the exact product (dense.py): an HNSW graph held in process.

Chroma keeps the vectors and answers when there is no graph; the graph only saves the query's trip
through Chroma. At 100k chunks Chroma's query costs 1.4 ms back to back and 2.1–2.9 ms right after a
question's embedding, mostly outside the graph search itself (its executor, ids read back from
SQLite); usearch's search of a graph with Chroma's shape (16 links a node, 100 candidates while
building and searching) costs 0.75–0.94 ms there (docs/benchmarks.md, "Session 15").

Vectors are stored as float16: a cosine comes back within 4e-5 of float32's, at half the memory. Each
vector has a label, its place in `ids` (a removed one's id is ""); `keys` are the content keys the
vectors were embedded from, so a commit re-adds only the chunks whose text changed. The graph is
written beside the catalog at every commit and opened as a memory map, so a reader pays for the
pages its questions touch, and another process's commit never changes the file it has open.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .embed import Vectors
from .folders import fresh_beside, swap_in

log = logging.getLogger(__name__)

LINKS = 16  # Chroma's max_neighbors
CANDIDATES = 100  # Chroma's ef_construction and ef_search
MOST_REMOVED = 0.25  # a graph with more of its nodes removed than this is built anew at the next commit
GRAPH_FILE = "graph.usearch"
LABELS_FILE = "labels.json"


def _new_graph(dim: int) -> Any:
    from usearch.index import Index as UsearchIndex  # imported when a big index is first searched

    return UsearchIndex(
        ndim=dim,
        metric="cos",
        dtype="f16",
        connectivity=LINKS,
        expansion_add=CANDIDATES,
        expansion_search=CANDIDATES,
    )


class Graph:
    """The chunks' vectors by id in an HNSW graph; `nearest` gives Chroma's answer shape."""

    def __init__(self, graph: Any, ids: list[str], keys: list[str], generation: int, embedder: str) -> None:
        if len(ids) != len(keys):
            raise ValueError(f"{len(ids)} ids for {len(keys)} keys")
        self._graph = graph
        self.ids = ids  # by label; "" where the vector was removed
        self.keys = keys
        self.generation = generation
        self.embedder = embedder

    def __len__(self) -> int:
        return len(self._graph)

    def alive(self) -> set[str]:
        return {cid for cid in self.ids if cid}

    @classmethod
    def empty(cls, dim: int, generation: int, embedder: str) -> Graph:
        return cls(_new_graph(dim), [], [], generation, embedder)

    def add(self, ids: Sequence[str], keys: Sequence[str], vectors: Vectors) -> None:
        """Add vectors (labels after the last one); a graph opened as a map cannot change."""
        matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        if matrix.ndim != 2 or not len(ids) == len(keys) == len(matrix):
            raise ValueError(f"{len(ids)} ids and {len(keys)} keys for {len(matrix)} vectors")
        if len(ids):
            start = len(self.ids)
            self._graph.add(np.arange(start, start + len(ids), dtype=np.uint64), matrix)
            self.ids.extend(ids)
            self.keys.extend(keys)

    def nearest(self, vector: Vectors, k: int) -> list[tuple[str, float]]:
        """The k ids nearest `vector` by cosine, best first (approximate, as Chroma's HNSW is)."""
        count = min(k, len(self))
        if count <= 0:
            return []
        found = self._graph.search(np.asarray(vector, dtype=np.float32).reshape(-1), count)
        return [
            (self.ids[label], 1.0 - distance)
            for label, distance in zip(found.keys.tolist(), found.distances.tolist(), strict=True)
        ]

    def updated(
        self,
        now: Mapping[str, str],
        vectors_of: Callable[[list[str]], Vectors | None],
        generation: int,
    ) -> Graph | None:
        """This graph (opened writable) changed to hold `now` (chunk id → content key): the vectors of
        chunks gone or re-embedded removed, those of new ones added (`vectors_of`: the vectors of content
        keys, in order, None when one is missing). None when a vector is missing or too many nodes would
        be removed ones: build it anew."""
        label_of = {cid: label for label, cid in enumerate(self.ids) if cid}
        gone = [label for cid, label in label_of.items() if now.get(cid) != self.keys[label]]
        new = [cid for cid, key in now.items() if cid not in label_of or self.keys[label_of[cid]] != key]
        removed = sum(1 for cid in self.ids if not cid) + len(gone)
        if removed > MOST_REMOVED * (len(self.ids) + len(new)):
            return None
        keys = [now[cid] for cid in new]
        vectors = vectors_of(keys) if new else None
        if new and vectors is None:
            return None
        if gone:
            self._graph.remove(np.asarray(gone, dtype=np.uint64))
        dropped = set(gone)
        ids = ["" if label in dropped else cid for label, cid in enumerate(self.ids)]
        graph = Graph(self._graph, ids, list(self.keys), generation, self.embedder)
        if vectors is not None:
            graph.add(new, keys, vectors)
        return graph

    def save(self, directory: Path) -> None:
        """Write to a temporary folder, then swap it in: a reader's open map keeps the old file."""
        tmp = fresh_beside(directory)
        self._graph.save(str(tmp / GRAPH_FILE))
        labels = {"generation": self.generation, "embedder": self.embedder}
        labels |= {"ids": self.ids, "keys": self.keys}
        (tmp / LABELS_FILE).write_text(json.dumps(labels, ensure_ascii=False), encoding="utf-8")
        swap_in(tmp, directory)

    @classmethod
    def load(
        cls, directory: Path, *, embedder: str, generation: int | None = None, writable: bool = False
    ) -> Graph | None:
        """The saved graph when it holds `embedder`'s vectors (and is of `generation` when given), else
        None. Opened as a memory map unless `writable` (a commit changes a copy in memory)."""
        labels = _labels(directory)
        if (
            labels is None
            or labels.get("embedder") != embedder
            or (generation is not None and labels.get("generation") != generation)
        ):
            return None
        from usearch.index import Index as UsearchIndex

        try:
            graph = UsearchIndex.restore(str(directory / GRAPH_FILE), view=not writable)
        except (OSError, RuntimeError, ValueError) as exc:  # a damaged file: Chroma answers meanwhile
            log.warning("graph %s unreadable (%s): Chroma answers until the next ingest", directory, exc)
            return None
        if graph is None:
            return None
        return cls(graph, labels["ids"], labels["keys"], labels["generation"], embedder)


def _labels(directory: Path) -> dict[str, Any] | None:
    """The saved labels when they are whole (generation, embedder, an id and a key a label); else None."""
    try:
        labels = json.loads((directory / LABELS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    whole = (
        isinstance(labels, dict)
        and isinstance(labels.get("generation"), int)
        and isinstance(labels.get("embedder"), str)
        and isinstance(labels.get("ids"), list)
        and isinstance(labels.get("keys"), list)
        and len(labels["ids"]) == len(labels["keys"])
    )
    return labels if whole else None
