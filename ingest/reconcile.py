"""Catalog and vector store brought back in line, both ways: missing or stale vectors are put back
from the embedding cache (no model time when it holds them), vectors no catalog chunk names are deleted.

The catalog is the truth. A cheap check (counts and the checksum recorded at the last reconcile)
tells whether a full comparison is needed; the full one reads every vector's id and content key.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.records import Chunk
from vectorstore.embed import content_key, embed_cached
from vectorstore.index import Index

log = logging.getLogger(__name__)


def chunk_keys(index: Index, chunks: Sequence[Chunk]) -> list[str]:
    """The content key each chunk's vector is embedded from (the embedding cache's key)."""
    return [content_key(index.embedder.model_id, c.search_text()) for c in chunks]


def _checksum(expected: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for chunk_id in sorted(expected):
        digest.update(f"{chunk_id}\x1f{expected[chunk_id]}\n".encode())
    return digest.hexdigest()


def _expected(index: Index) -> tuple[list[Chunk], dict[str, str]]:
    chunks = index.catalog.chunks()
    return chunks, dict(zip((c.chunk_id for c in chunks), chunk_keys(index, chunks), strict=True))


@dataclass(frozen=True)
class QuickCheck:
    """The cheap comparison: counts, and whether the recorded checksum is the catalog's."""

    chunks: int
    vectors: int
    checksum_matches: bool

    @property
    def ok(self) -> bool:
        return self.chunks == self.vectors and self.checksum_matches


def quick_check(index: Index) -> QuickCheck:
    """Counts and checksums only (no vector is read): enough at start-up and for /readyz."""
    _, expected = _expected(index)
    recorded = index.vectors.checksum()
    return QuickCheck(len(expected), index.vectors.count(), recorded == _checksum(expected))


@dataclass(frozen=True)
class Reconciliation:
    """What a full comparison found, and what it repaired (restored, removed)."""

    chunks: int
    vectors: int
    missing: int  # catalog chunks with no vector, or one embedded from other text
    orphans: int  # vectors no catalog chunk names
    restored: int = 0
    removed: int = 0
    embedded: int = 0  # of the restored vectors, those the model had to compute (cache misses)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.orphans


def reconcile(
    index: Index, *, repair: bool = True, on_progress: Callable[[int, int], object] | None = None
) -> Reconciliation:
    """Compare every vector with the catalog; with `repair`, restore the missing and delete the orphans."""
    chunks, expected = _expected(index)
    stored = index.vectors.keys()
    missing = [c for c in chunks if stored.get(c.chunk_id) != expected[c.chunk_id]]
    orphans = sorted(set(stored) - set(expected))
    found = Reconciliation(len(expected), len(stored), len(missing), len(orphans))
    if not repair:
        return found
    embedded = 0
    if missing:
        index.claim_embedder()  # restoring with another model's vectors would mix two embedders
        total = len(missing)
        vectors, embedded = embed_cached(
            index.embedder,
            index.cache,
            [c.search_text() for c in missing],
            on_progress=(lambda n: on_progress(n, total)) if on_progress else None,
        )
        index.vectors.upsert(
            [c.chunk_id for c in missing], vectors, [c.doc_id for c in missing], chunk_keys(index, missing)
        )
    if orphans:
        index.vectors.delete(orphans)
    if missing or orphans:
        log.warning(
            "reconciled vectors with the catalog: %d restored (%d embedded anew), %d orphans deleted",
            len(missing),
            embedded,
            len(orphans),
        )
    index.vectors.record_checksum(_checksum(expected))
    return Reconciliation(
        found.chunks, found.vectors, found.missing, found.orphans, len(missing), len(orphans), embedded
    )
