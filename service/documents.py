"""Indexed documents as the API shows them, and the admin operations: upload, delete, re-ingest."""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path

from core.errors import IngestError, InputError
from core.records import Chunk, DocumentMeta
from core.text import PATH_SEP, clause_tail
from ingest.load import SUPPORTED, doc_id_for
from ingest.pipeline import (
    IngestReport,
    Plan,
    Progress,
    ProgressFactory,
    Staged,
    apply,
    prepare,
    prepare_documents,
    remove,
    settle,
    stage,
    stage_tracked,
)
from ingest.reconcile import Reconciliation, quick_check, reconcile
from ingest.sandbox import load_isolated
from vectorstore.guard import StoreUnavailableError
from vectorstore.index import Index

from .errors import ConflictError, NotFoundError
from .gate import IndexGate
from .jobs import Report
from .schemas import ClauseOut, DocumentOut, DocumentSummary, RemovedOut, UploadOut

log = logging.getLogger(__name__)

MAX_FILENAME_CHARS = 60
MAX_FILENAME_BYTES = 240  # file systems allow 255 bytes (60 characters of 4 bytes), the swap adds ".bak"


def _merge(text: str, window: str) -> str:
    """Join two overlapping windows of one clause (the splitter repeats a sentence between them)."""
    for size in range(min(len(text), len(window)), 0, -1):
        if text.endswith(window[:size]):
            return text + window[size:]
    return text + window


def rebuild(meta: DocumentMeta, chunks: list[Chunk]) -> tuple[str, list[ClauseOut]]:
    """The document's text from its chunks in order, with one anchored section per clause (pure)."""
    sections: list[tuple[str, str, str]] = []  # (anchor, clause, text)
    for chunk in chunks:
        if sections and sections[-1][1] == chunk.clause:
            anchor, clause, text = sections[-1]
            sections[-1] = (anchor, clause, _merge(text, chunk.text))
        else:
            sections.append((chunk.chunk_id, chunk.clause, chunk.text))
    parts: list[str] = []
    out: list[ClauseOut] = []
    offset = 0
    previous: list[str] = []
    for anchor, clause, text in sections:
        path = [s for s in clause_tail(clause, meta.title).split(PATH_SEP) if s]
        common = 0
        while common < min(len(previous), len(path)) and previous[common] == path[common]:
            common += 1
        headings = [h for h in path[common:] if not text.startswith(h)]
        previous = path
        block = "\n".join([*headings, ""]) if headings else ""
        start = offset + len(block)
        parts.append(block + text)
        out.append(
            ClauseOut(anchor=anchor, clause=clause, heading=PATH_SEP.join(path), text=text, start=start)
        )
        offset += len(block) + len(text) + 2
    return "\n\n".join(parts), out


def _summary(meta: DocumentMeta, clauses: int) -> dict[str, object]:
    fields = asdict(meta)
    for private in ("source", "content_hash"):  # a server path and an internal hash
        fields.pop(private)
    return {**fields, "clauses": clauses}


def _any_case(suffix: str) -> str:
    return "".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in suffix)


# The schema of ?filename= (JSON Schema regexes take no flags, so the suffixes are spelled in any case).
FILENAME_PATTERN = (
    r"^[^\s./\\\x00-\x1f\x7f][^/\\\x00-\x1f\x7f]*\.(?:"
    + "|".join(_any_case(suffix[1:]) for suffix in SUPPORTED)
    + ")$"
)


def _safe_name(filename: str) -> str:
    """The upload's file name, or InputError saying what is wrong with it (echoing at most 40 chars)."""
    shown = repr(filename[:40]) + ("…" if len(filename) > 40 else "")
    if re.search(r"[\x00-\x1f\x7f]", filename):
        raise InputError("文件名含有控制字符（如 NUL）：请改用普通文字命名文件")
    if "/" in filename or "\\" in filename:
        raise InputError(f"文件名 {shown} 含有路径分隔符 / 或 \\：只写文件名，如 方案.pdf")
    if not filename or filename[0] == "." or filename[0].isspace():
        raise InputError(f"文件名 {shown} 无效：不能为空，也不能以 . 或空格开头，如 方案.pdf")
    if len(filename) > MAX_FILENAME_CHARS or len(filename.encode("utf-8")) > MAX_FILENAME_BYTES:
        raise InputError(f"文件名太长（{len(filename)} 字）：请缩短到 {MAX_FILENAME_CHARS} 字以内")
    if Path(filename).suffix.lower() not in SUPPORTED:
        suffix = Path(filename).suffix[:12] or "(无扩展名)"
        raise InputError(f"不支持的文件类型 {suffix}：支持 {', '.join(SUPPORTED)}")
    if not re.fullmatch(FILENAME_PATTERN, filename):
        raise InputError(f"文件名 {shown} 无效：请只用文字、数字和常见标点，以 {'/'.join(SUPPORTED)} 结尾")
    return filename


def _without_paths(exc: IngestError, name: str, *paths: Path) -> IngestError:
    """The same error with the server's paths of the upload replaced by its file name."""
    message = str(exc)
    for path in sorted({str(p) for p in paths}, key=len, reverse=True):
        message = message.replace(path, name)
    return IngestError(message)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _bar(report: Report, phase: str) -> ProgressFactory:
    """An ingest progress bar that reports into a job."""

    @contextmanager
    def factory(total: int) -> Iterator[Progress]:
        class Counted:
            done = 0

            def update(self, n: int) -> None:
                self.done += n
                report(phase, self.done, total)

        report(phase, 0, total)
        yield Counted()

    return factory


class Library:
    """Reads see the index as committed; changes run one at a time and are parsed and embedded
    before they take the index gate, which they hold only for the catalog swap (milliseconds)."""

    def __init__(self, *, index: Index, gate: IndexGate, data_dir: Path, corpus_dir: Path) -> None:
        self._index = index
        self._gate = gate
        self.uploads_dir = (data_dir / "uploads").resolve()
        self._staging_dir = (data_dir / "upload-staging").resolve()
        self._corpus_dir = corpus_dir
        self._admin = threading.Lock()
        self.uploads_dir.mkdir(parents=True, exist_ok=True)
        self._recover()

    def _recover(self) -> None:
        """Undo what a crash left behind: staging folders, and `.bak` copies of replaced uploads.

        A backup whose upload never committed (the catalog does not hold the new file) is put back.
        """
        shutil.rmtree(self._staging_dir, ignore_errors=True)
        for backup in self.uploads_dir.glob(".*.bak"):
            target = backup.with_name(backup.name[1 : -len(".bak")])
            meta = self._index.catalog.document(doc_id_for(target))
            committed = meta is not None and target.exists() and meta.content_hash.startswith(_sha256(target))
            if committed:
                backup.unlink()
            else:
                backup.replace(target)
            log.warning(
                "recovered an interrupted upload of %s (%s)", target.name, "kept" if committed else "restored"
            )

    def counts(self) -> tuple[int, int]:
        """(documents, chunks) as last committed; never waits for an index change."""
        return len(self._index.catalog.documents()), self._index.catalog.chunk_count()

    def meta(self, doc_id: str) -> DocumentMeta | None:
        """What ingest recorded about one document (None when it is not indexed)."""
        with self._gate.reading():
            return self._index.catalog.document(doc_id)

    def chunk_quoting(self, doc_id: str, clause: str, quote: str) -> Chunk | None:
        """The clause of a document whose text holds `quote` (a logged citation → its chunk_id)."""
        with self._gate.reading():
            chunks = self._index.catalog.chunks(doc_id)
        squeezed = "".join(quote.split())
        return next((c for c in chunks if c.clause == clause and squeezed in "".join(c.text.split())), None)

    def list(self) -> list[DocumentSummary]:
        with self._gate.reading():
            chunks = self._index.catalog.chunks()
            documents = self._index.catalog.documents()
        clauses = Counter(doc_id for doc_id, _ in {(c.doc_id, c.clause) for c in chunks})
        return [DocumentSummary.model_validate(_summary(d, clauses[d.doc_id])) for d in documents]

    def get(self, doc_id: str) -> DocumentOut:
        with self._gate.reading():
            meta = self._index.catalog.document(doc_id)
            chunks = self._index.catalog.chunks(doc_id)
        if meta is None:
            raise NotFoundError(f"没有 ID 为 {doc_id!r} 的文档：可用 GET /api/documents 查看全部文档")
        text, sections = rebuild(meta, chunks)
        return DocumentOut.model_validate(
            {**_summary(meta, len(sections)), "text": text, "sections": sections}
        )

    def add(self, filename: str, data: bytes) -> UploadOut:
        """Ingest an uploaded file; a file that cannot be read leaves the index and uploads as they were.

        Parsed once, in a child process under memory and time limits (a bomb costs the child only), and
        embedded before the gate; answers meanwhile come from the previous index.
        """
        name = _safe_name(filename)
        if not data:
            raise InputError("上传的文件是空的")
        doc_id = doc_id_for(Path(name))
        target = self.uploads_dir / name
        with self._admin:
            self._check_owner(doc_id, target)
            staged = self._staging_dir / uuid.uuid4().hex / name
            staged.parent.mkdir(parents=True)
            try:
                staged.write_bytes(data)
                raw = replace(load_isolated(staged), source=str(target))  # refuses a bad file here
                plan = prepare_documents([raw], index=self._index)  # embeds: the report counts this upload's
                tracked = stage_tracked(plan, index=self._index)
                with self._gate.writing():
                    report = self._swap_in(staged, target, plan)
            except IngestError as exc:
                raise _without_paths(exc, name, staged, target) from None
            finally:
                shutil.rmtree(staged.parent, ignore_errors=True)
            self._tidy(tracked)
        return UploadOut(doc_id=doc_id, report=report)

    def _check_owner(self, doc_id: str, target: Path) -> None:
        existing = self._index.catalog.document(doc_id)
        if existing is not None and Path(existing.source) != target:
            raise ConflictError(
                f"文档 ID {doc_id} 已被文件 {Path(existing.source).name} 占用：请改名后上传，"
                "或先删除该文档（DELETE /admin/documents/{doc_id}）"
            )

    def _swap_in(self, staged: Path, target: Path, plan: Plan) -> IngestReport:
        backup = target.with_name(f".{target.name}.bak")
        had_old = target.exists()
        if had_old:
            target.replace(backup)
        staged.replace(target)
        try:
            report = apply(plan, index=self._index)
        except BaseException:
            if had_old:
                backup.replace(target)
            else:
                target.unlink(missing_ok=True)
            raise
        backup.unlink(missing_ok=True)
        return report

    def _tidy(self, tracked: Staged | None = None) -> None:
        """Delete vectors the catalog no longer names (and restore any missing); never fails the change.
        After an upload staged while the vectors were in step, only its own chunks are compared."""
        try:
            if tracked is not None:
                settle(tracked, index=self._index)
            else:
                reconcile(self._index)
        except StoreUnavailableError as exc:
            log.warning("vectors not reconciled after an index change (the next ingest will): %s", exc)

    def remove(self, doc_id: str) -> RemovedOut:
        """Drop a document from catalog, vectors and keyword index; delete its file if it was uploaded."""
        with self._admin:
            with self._gate.writing():
                meta = self._index.catalog.document(doc_id)
                if meta is None:
                    raise NotFoundError(f"没有 ID 为 {doc_id!r} 的文档")
                remove([doc_id], index=self._index)
                source = Path(meta.source)
                uploaded = source.is_relative_to(self.uploads_dir)
                if uploaded:
                    source.unlink(missing_ok=True)
            self._tidy()
        return RemovedOut(doc_id=doc_id, file_deleted=uploaded)

    def reingest(self, report: Report) -> IngestReport:
        """Ingest the bundled corpus and the uploads again: changed files re-parsed, vanished ones dropped.

        Parsing and embedding run beside the answers; only the catalog swap takes the gate.
        """
        paths = [p for p in (self._corpus_dir, self.uploads_dir) if p.exists()]
        with self._admin:
            report("parse", 0, 0)
            plan = prepare(paths, index=self._index, progress=_bar(report, "embed"))
            report("store", 0, len(plan.chunks))
            stage(plan, index=self._index)
            report("swap", 0, 0)
            with self._gate.writing():
                ingested = apply(plan, index=self._index)
            repaired = self._repair(report)
            # nothing committed: a graph the index lacks is built now, outside the gate (answers go on)
            built = not plan.changes and self._index.build_missing_graph()
        return replace(
            ingested,
            embedded=ingested.embedded + repaired.embedded,
            restored=repaired.restored,
            orphans_removed=repaired.removed,
            graph_built=built,
        )

    def reconcile(self, report: Report) -> Reconciliation:
        """Compare vectors with the catalog and repair both ways (missing from the cache, orphans deleted)."""
        with self._admin:
            return self._repair(report)

    def reconcile_if_needed(self, report: Report) -> Reconciliation:
        """The cheap check (counts and checksum), and a full repair only when it finds a difference."""
        report("check", 0, 0)
        quick = quick_check(self._index)
        if quick.ok:
            return Reconciliation(quick.chunks, quick.vectors, 0, 0)
        log.warning(
            "vector store differs from the catalog (%d chunks, %d vectors%s): repairing",
            quick.chunks,
            quick.vectors,
            "" if quick.checksum_matches else ", checksum differs",
        )
        return self.reconcile(report)

    def _repair(self, report: Report) -> Reconciliation:
        report("reconcile", 0, 0)
        return reconcile(self._index, on_progress=lambda done, total: report("reconcile", done, total))
