"""Curated answers (精选答案): short answers staff write, each quote checked against its clause's text.

States: draft → published → stale (a cited clause changed or vanished, found when the answer is read)."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from core.errors import IpbotError
from core.records import Chunk
from core.statefile import StateFile

MAX_ANSWER_CHARS = 120
_SPACE = re.compile(r"\s+")
_SCHEMA = """CREATE TABLE IF NOT EXISTS log_curated (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    state TEXT NOT NULL
)"""

ClauseLookup = Callable[[str], Chunk | None]


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


@dataclass(frozen=True)
class Curated:
    id: int
    question: str
    answer: str
    citations: tuple[CuratedCitation, ...]
    state: CuratedState
    updated_at: float


def _squeeze(text: str) -> str:
    return _SPACE.sub("", text)


def checked(citations: list[tuple[str, str]], lookup: ClauseLookup) -> tuple[CuratedCitation, ...]:
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
        out.append(CuratedCitation(chunk_id, quote.strip(), chunk.doc_id, chunk.title, chunk.clause))
    return tuple(out)


class CuratedStore:
    """Curated answers in the state store (table log_curated), checked against the index through `lookup`."""

    def __init__(self, path: Path, *, lookup: ClauseLookup, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self._state = StateFile(path, (_SCHEMA,))
        self._lookup = lookup
        self._clock = clock

    def add(self, question: str, answer: str, citations: list[tuple[str, str]]) -> Curated:
        """A new draft; every quote must stand in its clause."""
        cited = checked(citations, self._lookup)
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

    def publish(self, curated_id: int) -> Curated | None:
        """Publish after checking the quotes again (a failure marks it stale and raises); None if unknown."""
        item = self.get(curated_id)
        if item is None:
            return None
        try:
            checked([(c.chunk_id, c.quote) for c in item.citations], self._lookup)
        except QuoteMismatchError:
            self._set_state(curated_id, CuratedState.STALE)
            raise
        return self._set_state(curated_id, CuratedState.PUBLISHED)

    def get(self, curated_id: int) -> Curated | None:
        with self._connect() as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM log_curated WHERE id = ?", (curated_id,)).fetchone()
        return _row(row) if row else None

    def list(self, state: CuratedState | None = None) -> list[Curated]:
        """Newest first; published answers whose quotes no longer stand become stale on the way."""
        with self._connect() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM log_curated ORDER BY id DESC").fetchall()
        items = [self._freshen(_row(r)) for r in rows]
        return [i for i in items if state is None or i.state is state]

    def _freshen(self, item: Curated) -> Curated:
        if item.state is not CuratedState.PUBLISHED:
            return item
        try:
            checked([(c.chunk_id, c.quote) for c in item.citations], self._lookup)
        except QuoteMismatchError:
            self._set_state(item.id, CuratedState.STALE)
            return replace(item, state=CuratedState.STALE)
        return item

    def _set_state(self, curated_id: int, state: CuratedState) -> Curated | None:
        with self._connect() as db:
            db.execute(
                "UPDATE log_curated SET state = ?, updated_at = ? WHERE id = ?",
                (state.value, self._clock(), curated_id),
            )
        return self.get(curated_id)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._state.connect()


_COLUMNS = "id, question, answer, citations, state, updated_at"


def _dump(citations: tuple[CuratedCitation, ...]) -> str:
    return json.dumps([asdict(c) for c in citations], ensure_ascii=False)


def _row(row: tuple[Any, ...]) -> Curated:
    cited = tuple(CuratedCitation(**c) for c in json.loads(row[3]))
    return Curated(row[0], row[1], row[2], cited, CuratedState(row[4]), row[5])
