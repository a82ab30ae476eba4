"""Ingestion end to end: parse everything first, embed only new text, then commit in one step."""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from core.errors import IngestError
from core.records import Chunk, DocumentMeta
from vectorstore.embed import DIM, Vectors, embed_cached
from vectorstore.index import Index

from .clean import clean_lines, markup_free_lines
from .load import RawDocument, discover, load_file
from .metadata import extract
from .reconcile import Reconciliation, chunk_keys, reconcile, reconcile_change, synced_checksum
from .split import chunks_of

# Bump when cleaning, splitting or metadata change: every document is then parsed again
# (its unchanged chunk texts still come from the embedding cache).
PARSER_VERSION = "2"


def version_hash(raw: RawDocument) -> str:
    """What decides whether a stored document is current: its bytes and the parser that read them."""
    return f"{raw.content_hash}:p{PARSER_VERSION}"


class Progress(Protocol):
    """What ingestion reports to a progress bar."""

    def update(self, n: int) -> object: ...


ProgressFactory = Callable[[int], AbstractContextManager[Progress]]


@dataclass(frozen=True)
class IngestReport:
    documents: int
    chunks: int
    added: int
    updated: int
    removed: int
    unchanged: int
    embedded: int
    seconds: float
    skipped: tuple[str, ...] = ()  # one line per bad file left out (ingest with skip_bad)
    restored: int = 0  # vectors the catalog names that were missing or stale, put back by reconcile
    orphans_removed: int = 0  # vectors no catalog chunk names, deleted by reconcile
    graph_built: bool = False  # the index lacked the vector graph of its generation; it was built


@dataclass(frozen=True)
class Parsed:
    meta: DocumentMeta
    chunks: list[Chunk]


def parse(raw: RawDocument) -> Parsed:
    """One raw document → its metadata and clause chunks (pure)."""
    paragraphs = clean_lines(raw.text)
    identity = DocumentMeta(raw.doc_id, title=raw.doc_id, source=raw.source, content_hash=version_hash(raw))
    meta = extract(markup_free_lines(raw.text), "\n".join(paragraphs), identity=identity)
    chunks = chunks_of(raw.doc_id, meta.title, meta.region, meta.doc_number, paragraphs)
    if not chunks:
        raise IngestError(f"{raw.source}: 没有可导入的正文（只有空白、标记或注释）")
    return Parsed(meta, chunks)


def _read(files: Sequence[Path]) -> tuple[list[RawDocument], dict[Path, str]]:
    """Every file loaded and checked for text; the bad ones by path, with their one-line reasons."""
    raws: list[RawDocument] = []
    bad: dict[Path, str] = {}
    for file in files:
        try:
            raws.append(load_file(file))
        except IngestError as exc:
            bad[file.resolve()] = str(exc)
    return raws, bad


def _failure(bad: dict[Path, str]) -> IngestError:
    """One error naming every bad file, one line each."""
    if len(bad) == 1:
        return IngestError(next(iter(bad.values())))
    return IngestError("\n".join([f"{len(bad)} 个文件无法导入，索引未改动：", *bad.values()]))


def _unique_ids(docs: list[RawDocument]) -> list[RawDocument]:
    """Two files with the same stem in different folders get distinct ids (stable: from the path)."""
    seen: dict[str, int] = {}
    for d in docs:
        seen[d.doc_id] = seen.get(d.doc_id, 0) + 1
    out = []
    for d in docs:
        if seen[d.doc_id] > 1:
            suffix = hashlib.sha1(d.source.encode()).hexdigest()[:6]
            d = RawDocument(f"{d.doc_id}-{suffix}", d.source, d.text, d.content_hash, d.fmt)
        out.append(d)
    return out


def _under(source: str, folders: Sequence[Path]) -> bool:
    path = Path(source)
    return any(path.is_relative_to(folder) for folder in folders)


def _no_progress(total: int) -> AbstractContextManager[Progress]:
    class _Null:
        def update(self, n: int) -> None:
            return None

    return nullcontext(_Null())


def commit(
    index: Index, upserts: Sequence[tuple[DocumentMeta, Sequence[Chunk]]], removals: Sequence[str]
) -> int:
    """Apply documents and removals to the catalog in one transaction, then rebuild BM25 and the joined text.

    This is the only step that must run alone (milliseconds). The catalog is the truth: vectors it
    no longer names are ignored and later deleted by reconcile, and a stale keyword index is rebuilt
    on load, so a crash between the steps loses nothing.
    """
    generation = index.catalog.apply(upserts, removals)
    index.rebuild_search(generation)
    return generation


def remove(doc_ids: Sequence[str], *, index: Index) -> int:
    """Drop documents (catalog, keyword index) in one step; returns the new generation (reconcile after)."""
    return commit(index, [], doc_ids)


@dataclass(frozen=True)
class Plan:
    """An ingest worked out and embedded, with nothing in the index changed yet."""

    changed: tuple[Parsed, ...]
    removals: tuple[str, ...]
    added: int
    updated: int
    unchanged: int
    embedded: int
    skipped: tuple[str, ...]
    started: float
    vectors: Vectors = field(default_factory=lambda: np.zeros((0, DIM), dtype=np.float32), repr=False)

    @property
    def chunks(self) -> list[Chunk]:
        return [c for p in self.changed for c in p.chunks]

    @property
    def changes(self) -> bool:
        return bool(self.changed or self.removals)


def prepare(
    paths: Sequence[Path],
    *,
    index: Index,
    progress: ProgressFactory = _no_progress,
    skip_bad: bool = False,
) -> Plan:
    """Read, parse and embed the given files and folders (the slow part) without changing the index."""
    started = time.monotonic()
    files, folders = discover(paths)
    loaded, bad = _read(files)
    return prepare_documents(
        _unique_ids(loaded),
        index=index,
        bad=bad,
        folders=folders,
        progress=progress,
        skip_bad=skip_bad,
        started=started,
    )


def prepare_documents(
    raws: Sequence[RawDocument],
    *,
    index: Index,
    bad: dict[Path, str] | None = None,
    folders: Sequence[Path] = (),
    progress: ProgressFactory = _no_progress,
    skip_bad: bool = False,
    started: float | None = None,
) -> Plan:
    """The plan for documents already read: parse the changed ones and embed their new text.

    A folder's indexed documents that are not among `raws` are to be removed.
    """
    started = time.monotonic() if started is None else started
    bad = dict(bad or {})
    existing = {d.doc_id: d for d in index.catalog.documents()}
    changed: list[Parsed] = []
    kept: list[RawDocument] = []
    added = updated = unchanged = 0
    for raw in raws:
        old = existing.get(raw.doc_id)
        if old and old.content_hash == version_hash(raw) and old.source == raw.source:
            unchanged += 1
            kept.append(raw)
            continue
        try:
            changed.append(parse(raw))
        except IngestError as exc:
            bad[Path(raw.source)] = str(exc)
            continue
        kept.append(raw)
        added, updated = (added, updated + 1) if old else (added + 1, updated)
    if bad and not skip_bad:
        raise _failure(bad)
    incoming = {r.doc_id for r in kept}
    removals = [
        d
        for d, m in existing.items()
        if d not in incoming and _under(m.source, folders) and Path(m.source) not in bad
    ]
    plan = Plan(tuple(changed), tuple(removals), added, updated, unchanged, 0, tuple(bad.values()), started)
    new_chunks = plan.chunks
    if not new_chunks:
        return plan
    index.check_embedder()  # before any model time: an index never mixes two embedders' vectors
    with progress(len(new_chunks)) as bar:
        vectors, embedded = embed_cached(
            index.embedder, index.cache, [c.search_text() for c in new_chunks], on_progress=bar.update
        )
    return replace(plan, vectors=vectors, embedded=embedded)


def stage(plan: Plan, *, index: Index, marker: str = "") -> None:
    """Store the plan's vectors (readers ignore ids the catalog does not name yet); may run beside answers.

    Chroma's checksum becomes `marker` first (no checksum): vectors and catalog may differ until the next
    reconcile, so a crash from here on leaves the next ingest or start-up a full comparison."""
    chunks = plan.chunks
    if not chunks:
        return
    index.claim_embedder()
    index.vectors.record_checksum(marker)
    index.vectors.upsert(
        [c.chunk_id for c in chunks], plan.vectors, [c.doc_id for c in chunks], chunk_keys(index, chunks)
    )


def apply(plan: Plan, *, index: Index) -> IngestReport:
    """Commit a staged plan to the catalog (the one step that must run alone) and report it."""
    if plan.changes:
        commit(index, [(p.meta, p.chunks) for p in plan.changed], plan.removals)
    return IngestReport(
        documents=len(index.catalog.documents()),
        chunks=index.catalog.chunk_count(),
        added=plan.added,
        updated=plan.updated,
        removed=len(plan.removals),
        unchanged=plan.unchanged,
        embedded=plan.embedded,
        seconds=round(time.monotonic() - plan.started, 2),
        skipped=plan.skipped,
    )


def _replaced(plan: Plan, index: Index) -> dict[str, str]:
    """The catalog's chunks of the documents the plan changes or removes, by id (content keys)."""
    doc_ids = [*(p.meta.doc_id for p in plan.changed), *plan.removals]
    old = [c for d in doc_ids for c in index.catalog.chunks(d)]
    return dict(zip((c.chunk_id for c in old), chunk_keys(index, old), strict=True))


@dataclass(frozen=True)
class Staged:
    """A plan whose vectors are stored, with what settling the vectors after its commit needs."""

    plan: Plan
    synced: str | None  # the vectors' checksum before, when they matched the catalog (else None)
    generation: int = -1  # the catalog's generation then
    mark: str = ""  # Chroma's checksum as this change left it (its own write marker, or `synced`)
    replaced: dict[str, str] = field(default_factory=dict, repr=False)


def stage_tracked(plan: Plan, *, index: Index) -> Staged:
    """stage(), first noting whether the vectors match the catalog, under a write marker of its own."""
    synced = synced_checksum(index)
    if synced is None:
        stage(plan, index=index)
        return Staged(plan, None)
    generation = index.catalog.generation()
    replaced = _replaced(plan, index)
    mark = f"writing:{uuid.uuid4().hex}" if plan.chunks else synced
    stage(plan, index=index, marker=mark)
    return Staged(plan, synced, generation, mark, replaced)


def settle(staged: Staged, *, index: Index) -> Reconciliation:
    """After the commit: only the change's own chunks compared when the vectors were in step before it
    and no other writer came between (the generation moved by this commit alone, Chroma's checksum is
    still this change's marker); else the full two-way reconcile (which lists every vector)."""
    plan = staged.plan
    if staged.synced is None:
        return reconcile(index)
    commits = 1 if plan.changes else 0
    if index.catalog.generation() != staged.generation + commits or index.vectors.checksum() != staged.mark:
        return reconcile(index)
    if not plan.changes:
        chunks = index.catalog.chunk_count()
        return Reconciliation(chunks, chunks, 0, 0)
    written = dict(zip((c.chunk_id for c in plan.chunks), chunk_keys(index, plan.chunks), strict=True))
    return reconcile_change(index, staged.synced, staged.replaced, written)


def ingest(
    paths: Sequence[Path],
    *,
    index: Index,
    progress: ProgressFactory = _no_progress,
    skip_bad: bool = False,
) -> IngestReport:
    """Add or update the given files and folders; a folder's vanished files leave the index.

    Bad files (unreadable, or with no text to chunk) are all named in one IngestError before the
    index is touched; with ``skip_bad`` the good ones are ingested, the bad ones reported in
    ``skipped`` (a bad file already indexed keeps its previous version). An interruption before
    the catalog commit leaves the previous index as it was (vectors already computed stay cached).
    Every ingest ends by reconciling catalog and vectors both ways (ingest/reconcile.py), so vectors
    lost with a Chroma folder or server come back from the embedding cache; when they matched the
    catalog before the change, only the change's own chunks are compared (reconcile_change).
    """
    plan = prepare(paths, index=index, progress=progress, skip_bad=skip_bad)
    staged = stage_tracked(plan, index=index)
    report = apply(plan, index=index)
    repaired = settle(staged, index=index)
    return replace(
        report,
        embedded=report.embedded + repaired.embedded,
        restored=repaired.restored,
        orphans_removed=repaired.removed,
        graph_built=not plan.changes and index.build_missing_graph(),  # a commit saved the graph
    )
