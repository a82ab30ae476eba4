"""Catalog and vector store brought back in line, both ways: missing or stale vectors are put back
from the embedding cache (no model time when it holds them), vectors no catalog chunk names are deleted.

The catalog is the truth. A cheap check (counts and the checksum recorded at the last reconcile)
tells whether a full comparison is needed; the full one reads every vector's id and content key.

An ingest whose vectors matched the catalog before it (the checksum recorded at the catalog's generation,
and no write begun since) needs no full comparison afterwards: it wrote the vectors of its new chunks
itself, so only the chunks it replaced or removed can leave orphans (`reconcile_change`), and the
checksum (a sum of per-chunk digests) moves by exactly those chunks. Listing every vector (1.8 s at 100k
chunks) is left to `ipbot doctor`, start-up and an ingest after an interrupted one.
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


SYNCED_KEY = "vectors_synced"  # catalog meta: "generation:checksum" of the last reconcile
_MOD = 1 << 128
_PREFIX = "s1:"  # the checksum's form (a sum of digests); a checksum of another form never matches


def _digest(chunk_id: str, key: str) -> int:
    return int.from_bytes(hashlib.blake2b(f"{chunk_id}\x1f{key}".encode(), digest_size=16).digest(), "big")


def _sum(expected: dict[str, str]) -> int:
    return sum(_digest(i, k) for i, k in expected.items()) % _MOD


def _checksum(expected: dict[str, str]) -> str:
    """Order-free checksum of (chunk id, content key) pairs: a change moves it by its own chunks only."""
    return f"{_PREFIX}{_sum(expected):032x}"


def _shifted(checksum: str, removed: dict[str, str], added: dict[str, str]) -> str:
    total = int(checksum.removeprefix(_PREFIX), 16) - _sum(removed) + _sum(added)
    return f"{_PREFIX}{total % _MOD:032x}"


def _record(index: Index, checksum: str) -> None:
    """The vectors match the catalog now: recorded in Chroma and in the catalog (with its generation)."""
    index.vectors.record_checksum(checksum)
    index.catalog.set_meta(SYNCED_KEY, f"{index.catalog.generation()}:{checksum}")


def synced_checksum(index: Index) -> str | None:
    """The checksum the vectors match the catalog at, when a reconcile recorded it at the catalog's present
    generation and no vector write began since (staging clears Chroma's copy); else None."""
    recorded = index.vectors.checksum()
    if not recorded.startswith(_PREFIX):
        return None
    return recorded if index.catalog.meta(SYNCED_KEY) == f"{index.catalog.generation()}:{recorded}" else None


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
    _record(index, _checksum(expected))
    return Reconciliation(
        found.chunks, found.vectors, found.missing, found.orphans, len(missing), len(orphans), embedded
    )


def reconcile_change(
    index: Index, synced: str, replaced: dict[str, str], written: dict[str, str]
) -> Reconciliation:
    """After a committed change whose vectors were in step before it (`synced`, their checksum then):
    delete the vectors of the chunks it replaced or removed that the catalog no longer names, and move
    the checksum by the change. `replaced`: the old chunks of the changed and removed documents, by id
    (content keys); `written`: the chunks the change stored vectors for. No other vector is read."""
    gone = [i for i in replaced if i not in written]
    orphans = sorted(set(gone) - index.catalog.present(gone))
    if len(orphans) != len(gone):  # an id moved to another document: compare everything
        return reconcile(index)
    if orphans:
        index.vectors.delete(orphans)
    chunks = index.catalog.chunk_count()
    _record(index, _shifted(synced, replaced, written))
    return Reconciliation(chunks, chunks + len(orphans), 0, len(orphans), 0, len(orphans), 0)
