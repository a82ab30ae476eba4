"""Curated answers (精选答案): short answers staff write, each quote checked against its clause's text.

States: draft → published → stale. A published answer turns stale, with the reason stored, when a cited
clause or its document changed or vanished, or the document passed its validity period (checked when the
answers are read)."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.errors import IpbotError
from core.records import Chunk, DocumentMeta
from core.statefile import StateFile

from .timezone import LOCAL

MAX_ANSWER_CHARS = 120
_SPACE = re.compile(r"\s+")
_SCHEMA = """CREATE TABLE IF NOT EXISTS log_curated (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    state TEXT NOT NULL,
    hits INTEGER NOT NULL DEFAULT 0,
    stale_reason TEXT NOT NULL DEFAULT ''
)"""
# Columns added after the table first shipped (a state store of an older version gets them on open).
_ADDED = {"hits": "INTEGER NOT NULL DEFAULT 0", "stale_reason": "TEXT NOT NULL DEFAULT ''"}

ClauseLookup = Callable[[str], Chunk | None]
DocumentLookup = Callable[[str], DocumentMeta | None]


class CuratedState(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    STALE = "stale"


class QuoteMismatchError(IpbotError, ValueError):
    """A curated answer's quote does not stand in the text of the clause it cites."""


@dataclass(frozen=True)
class CuratedCitation:
    chunk_id: str
    quote: str
    doc_id: str = ""
    title: str = ""
    clause: str = ""
    region: str = ""
    doc_number: str = ""
    content_hash: str = ""  # the document's hash when the quote was checked ("" before it was recorded)


@dataclass(frozen=True)
class Curated:
    id: int
    question: str
    answer: str
    citations: tuple[CuratedCitation, ...]
    state: CuratedState
    updated_at: float
    hits: int = 0
    stale_reason: str = ""


def _squeeze(text: str) -> str:
    return _SPACE.sub("", text)


def checked(
    citations: list[tuple[str, str]], lookup: ClauseLookup, document: DocumentLookup | None = None
) -> tuple[CuratedCitation, ...]:
    """The citations with their clauses' titles, or QuoteMismatchError naming the first bad quote."""
    out = []
    for chunk_id, quote in citations:
        chunk = lookup(chunk_id)
        if chunk is None:
            raise QuoteMismatchError(
                f"引用「{quote}」所指的条款 {chunk_id} 不存在：请用命中测试查到的 chunk_id"
            )
        if not quote.strip() or _squeeze(quote) not in _squeeze(chunk.text):
            raise QuoteMismatchError(
                f"引用「{quote}」不在条款《{chunk.title}》{chunk.clause}的原文中：请逐字摘录原文"
            )
        meta = document(chunk.doc_id) if document else None
        out.append(
            CuratedCitation(
                chunk_id,
                quote.strip(),
                chunk.doc_id,
                chunk.title,
                chunk.clause,
                chunk.region,
                chunk.doc_number,
                meta.content_hash if meta else "",
            )
        )
    return tuple(out)


def expired(meta: DocumentMeta, today: date) -> bool:
    """Whether the document's stated validity (有效期至) ended before `today`."""
    return bool(meta.valid_until) and meta.valid_until < today.isoformat()


def stale_reason(item: Curated, lookup: ClauseLookup, document: DocumentLookup | None, today: date) -> str:
    """Why a curated answer may no longer be served ("" while every citation still stands)."""
    try:
        checked([(c.chunk_id, c.quote) for c in item.citations], lookup)
    except QuoteMismatchError as exc:
        return f"引用的条款已改动或已删除：{exc}"
    if document is None:
        return ""
    for c in item.citations:
        meta = document(c.doc_id)
        if meta is None:
            return f"引用的文件《{c.title}》已删除"
        if c.content_hash and meta.content_hash != c.content_hash:
            return f"引用的文件《{c.title}》已更新（内容与保存时不同）：请核对后重新保存"
        if expired(meta, today):
            return f"引用的文件《{c.title}》已过有效期（{meta.valid_until}）"
    return ""


class CuratedStore:
    """Curated answers in the state store (table log_curated), checked against the index through `lookup`
    (clauses) and `document` (their documents' hash and validity)."""

    def __init__(
        self,
        path: Path,
        *,
        lookup: ClauseLookup,
        document: DocumentLookup | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self._state = StateFile(path, (_SCHEMA,))
        self._lookup = lookup
        self._document = document
        self._clock = clock
        self._migrated = False

    def add(self, question: str, answer: str, citations: list[tuple[str, str]]) -> Curated:
        """A new draft; every quote must stand in its clause."""
        cited = checked(citations, self._lookup, self._document)
        now = self._clock()
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO log_curated (created_at, updated_at, question, answer, citations, state)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (now, now, question.strip(), answer.strip(), _dump(cited), CuratedState.DRAFT.value),
            )
            new_id = cursor.lastrowid
        assert new_id is not None
        return Curated(new_id, question.strip(), answer.strip(), cited, CuratedState.DRAFT, now)

    def edit(
        self, curated_id: int, question: str, answer: str, citations: list[tuple[str, str]]
    ) -> Curated | None:
        """Save new wording and citations (checked again); the answer goes back to draft. None if unknown."""
        if self.get(curated_id) is None:
            return None
        cited = checked(citations, self._lookup, self._document)
        with self._connect() as db:
            db.execute(
                "UPDATE log_curated SET question = ?, answer = ?, citations = ?, state = ?,"
                " stale_reason = '', updated_at = ? WHERE id = ?",
                (
                    question.strip(),
                    answer.strip(),
                    _dump(cited),
                    CuratedState.DRAFT.value,
                    self._clock(),
                    curated_id,
                ),
            )
        return self.get(curated_id)

    def publish(self, curated_id: int) -> Curated | None:
        """Publish after checking the citations again (a failure marks it stale, raises); None if unknown."""
        item = self.get(curated_id)
        if item is None:
            return None
        reason = stale_reason(item, self._lookup, self._document, self._today())
        if reason:
            self._set_state(curated_id, CuratedState.STALE, reason)
            raise QuoteMismatchError(reason)
        return self._set_state(curated_id, CuratedState.PUBLISHED)

    def unpublish(self, curated_id: int) -> Curated | None:
        """Back to draft (no longer served); None if unknown."""
        if self.get(curated_id) is None:
            return None
        return self._set_state(curated_id, CuratedState.DRAFT)

    def clause(self, chunk_id: str) -> Chunk | None:
        """The indexed clause a citation points at (None when it is gone)."""
        return self._lookup(chunk_id)

    def count_hit(self, curated_id: int) -> None:
        """One more time the answer was served."""
        with self._connect() as db:
            db.execute("UPDATE log_curated SET hits = hits + 1 WHERE id = ?", (curated_id,))

    def get(self, curated_id: int) -> Curated | None:
        with self._connect() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM log_curated WHERE id = ?", (curated_id,)).fetchone()
        return self._freshen(_row(row)) if row else None

    def list(self, state: CuratedState | None = None) -> list[Curated]:
        """Newest first; published answers whose citations no longer stand become stale on the way."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM log_curated ORDER BY id DESC").fetchall()
        items = [self._freshen(_row(r)) for r in rows]
        return [i for i in items if state is None or i.state is state]

    def _today(self) -> date:
        return datetime.fromtimestamp(self._clock(), LOCAL).date()

    def _freshen(self, item: Curated) -> Curated:
        if item.state is not CuratedState.PUBLISHED:
            return item
        reason = stale_reason(item, self._lookup, self._document, self._today())
        if not reason:
            return item
        self._set_state(item.id, CuratedState.STALE, reason)
        return replace(item, state=CuratedState.STALE, stale_reason=reason)

    def _set_state(self, curated_id: int, state: CuratedState, reason: str = "") -> Curated | None:
        with self._connect() as db:
            db.execute(
                "UPDATE log_curated SET state = ?, stale_reason = ?, updated_at = ? WHERE id = ?",
                (state.value, reason, self._clock(), curated_id),
            )
            row = db.execute(f"SELECT {_COLUMNS} FROM log_curated WHERE id = ?", (curated_id,)).fetchone()
        return _row(row) if row else None

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        if not self._migrated:
            with self._state.connect() as db:
                have = {r[1] for r in db.execute("PRAGMA table_info(log_curated)")}
                for column, kind in _ADDED.items():
                    if column not in have:
                        db.execute(f"ALTER TABLE log_curated ADD COLUMN {column} {kind}")
            self._migrated = True
        return self._state.connect()


_COLUMNS = "id, question, answer, citations, state, updated_at, hits, stale_reason"


def _dump(citations: tuple[CuratedCitation, ...]) -> str:
    return json.dumps([asdict(c) for c in citations], ensure_ascii=False)


def _row(row: tuple[Any, ...]) -> Curated:
    cited = tuple(CuratedCitation(**c) for c in json.loads(row[3]))
    return Curated(row[0], row[1], row[2], cited, CuratedState(row[4]), row[5], row[6], row[7])
