"""`ipbot ingest --reembed`: switch the index to the configured embedder without losing it on the way.

Every chunk is embedded with the new model first (the slow part; the old vectors keep serving and an
interruption keeps what was paid for in the embedding cache). Only then is the switch marked in the
catalog, the vectors replaced and the new embedder id recorded; the generation is bumped so a running
server checks its embedder again. An interrupted replacement leaves the mark, and every search and
ingest refuses until `--reembed` is run again.
"""

from __future__ import annotations

from dataclasses import dataclass

from vectorstore.embed import embed_cached
from vectorstore.index import EMBEDDER_KEY, SWITCHING, Index

from .pipeline import Progress, ProgressFactory, _no_progress, commit
from .reconcile import chunk_keys, reconcile


@dataclass(frozen=True)
class Reembedding:
    previous: str | None  # the embedder id the vectors came from (None: nothing was stored)
    current: str
    chunks: int
    embedded: int  # computed by the model (the rest came from the embedding cache)


def reembed(index: Index, *, progress: ProgressFactory = _no_progress) -> Reembedding:
    """Every catalog chunk's vector recomputed with `index.embedder`, then the embedder id recorded."""
    previous = index.recorded_embedder()
    current = index.embedder.model_id
    chunks = index.catalog.chunks()
    bar: Progress
    with progress(len(chunks)) as bar:
        vectors, embedded = embed_cached(
            index.embedder, index.cache, [c.search_text() for c in chunks], on_progress=bar.update
        )
    index.catalog.set_meta(EMBEDDER_KEY, SWITCHING + current)
    index.vectors.record_checksum("")
    if chunks:
        index.vectors.upsert(
            [c.chunk_id for c in chunks], vectors, [c.doc_id for c in chunks], chunk_keys(index, chunks)
        )
    index.catalog.set_meta(EMBEDDER_KEY, current)
    commit(index, [], [])  # a new generation: running processes check their embedder again
    reconcile(index)
    return Reembedding(previous, current, len(chunks), embedded)
