"""The conversation log in <data_dir>/state.sqlite (WAL; this module owns the tables named log_*)."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import AbstractContextManager
from dataclasses import asdict
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from core.statefile import StateFile

from .records import (
    Candidate,
    Feedback,
    FeedbackReason,
    LogEntry,
    LoggedAnswer,
    LoggedCitation,
    LogQuery,
    Rating,
)
from .timezone import LOCAL

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS log_answers (
        answer_id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        channel TEXT NOT NULL,
        user_hash TEXT NOT NULL,
        question TEXT NOT NULL,
        rewritten TEXT NOT NULL,
        region TEXT NOT NULL,
        mode TEXT NOT NULL,
        refused INTEGER NOT NULL,
        reason TEXT NOT NULL,
        answer TEXT NOT NULL,
        citations TEXT NOT NULL,
        candidates TEXT NOT NULL,
        latency_ms INTEGER NOT NULL,
        fallback_reason TEXT NOT NULL,
        curated_id INTEGER
    )""",
    "CREATE INDEX IF NOT EXISTS log_answers_by_time ON log_answers (created_at)",
    """CREATE TABLE IF NOT EXISTS log_feedback (
        answer_id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        rating TEXT NOT NULL,
        reason TEXT NOT NULL,
        comment TEXT NOT NULL,
        read_at REAL
    )""",
)
# Columns added after the tables first shipped (an older state store gets them when first opened).
_ADDED = (("log_answers", "curated_id", "INTEGER"), ("log_feedback", "read_at", "REAL"))
_COLUMNS = (
    "a.answer_id, a.created_at, a.channel, a.user_hash, a.question, a.rewritten, a.region, a.mode, a.refused,"
    " a.reason, a.answer, a.citations, a.candidates, a.latency_ms, a.fallback_reason,"
    " f.created_at, f.rating, f.reason, f.comment, a.curated_id, f.read_at"
)
_FROM = "FROM log_answers a LEFT JOIN log_feedback f ON f.answer_id = a.answer_id"


def _day_start(day: date) -> float:
    return datetime.combine(day, dtime.min, tzinfo=LOCAL).timestamp()


def _where(query: LogQuery) -> tuple[str, list[Any]]:
    """The WHERE clause of a log query and its parameters."""
    terms: list[str] = []
    params: list[Any] = []
    if query.since is not None:
        terms.append("a.created_at >= ?")
        params.append(_day_start(query.since))
    if query.until is not None:
        terms.append("a.created_at < ?")
        params.append(_day_start(query.until + timedelta(days=1)))
    for column, value in (("a.channel", query.channel), ("a.reason", query.reason)):
        if value:
            terms.append(f"{column} = ?")
            params.append(value)
    if query.region:
        terms.append("(a.region = ? OR instr(a.citations, ?) > 0)")
        params += [query.region, json.dumps(query.region, ensure_ascii=False)]
    if query.refused is not None:
        terms.append("a.refused = ?")
        params.append(int(query.refused))
    if query.rating is not None:
        terms.append("f.rating = ?")
        params.append(query.rating.value)
    if query.text:
        terms.append("(instr(a.question, ?) > 0 OR instr(a.rewritten, ?) > 0 OR instr(a.answer, ?) > 0)")
        params += [query.text] * 3
    return (" WHERE " + " AND ".join(terms)) if terms else "", params


def _row(row: tuple[Any, ...]) -> LoggedAnswer:
    """One joined row → the entry and its feedback (the one place that reads the columns)."""
    entry = LogEntry(
        answer_id=row[0],
        at=row[1],
        channel=row[2],
        user=row[3],
        question=row[4],
        rewritten_question=row[5],
        region=row[6],
        mode=row[7],
        refused=bool(row[8]),
        reason=row[9],
        answer=row[10],
        citations=tuple(LoggedCitation(**c) for c in json.loads(row[11])),
        candidates=tuple(Candidate(**c) for c in json.loads(row[12])),
        latency_ms=row[13],
        fallback_reason=row[14],
        curated_id=row[19],
    )
    feedback = None
    if row[16] is not None:
        reason = FeedbackReason(row[17]) if row[17] else None
        feedback = Feedback(
            entry.answer_id, row[15], Rating(row[16]), reason, row[18], read=row[20] is not None
        )
    return LoggedAnswer(entry, feedback)


class SqliteLogbook:
    """Answers and feedback in the state store; the file is created on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._state = StateFile(path, _SCHEMA)
        self._migrated = False

    def record(self, entry: LogEntry) -> None:
        dumps = json.dumps
        with self._connect() as db:
            db.execute(
                "INSERT INTO log_answers (answer_id, created_at, channel, user_hash, question, rewritten,"
                " region, mode, refused, reason, answer, citations, candidates, latency_ms, fallback_reason,"
                " curated_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.answer_id,
                    entry.at,
                    entry.channel,
                    entry.user,
                    entry.question,
                    entry.rewritten_question,
                    entry.region,
                    entry.mode,
                    int(entry.refused),
                    entry.reason,
                    entry.answer,
                    dumps([asdict(c) for c in entry.citations], ensure_ascii=False),
                    dumps([asdict(c) for c in entry.candidates], ensure_ascii=False),
                    entry.latency_ms,
                    entry.fallback_reason,
                    entry.curated_id,
                ),
            )

    def get(self, answer_id: str) -> LoggedAnswer | None:
        with self._connect() as db:
            row = db.execute(f"SELECT {_COLUMNS} {_FROM} WHERE a.answer_id = ?", (answer_id,)).fetchone()
        return _row(row) if row else None

    def query(self, query: LogQuery) -> list[LoggedAnswer]:
        """Matching entries, newest first."""
        where, params = _where(query)
        sql = f"SELECT {_COLUMNS} {_FROM}{where} ORDER BY a.created_at DESC, a.rowid DESC LIMIT ? OFFSET ?"
        with self._connect() as db:
            rows = db.execute(sql, [*params, query.limit, query.offset]).fetchall()
        return [_row(r) for r in rows]

    def add_feedback(self, feedback: Feedback) -> bool:
        """Keep the feedback (a later one on the same answer replaces it); False for an unknown answer."""
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO log_feedback (answer_id, created_at, rating, reason, comment)"
                " SELECT answer_id, ?, ?, ?, ? FROM log_answers WHERE answer_id = ?"
                " ON CONFLICT (answer_id) DO UPDATE SET created_at = excluded.created_at,"
                " rating = excluded.rating, reason = excluded.reason, comment = excluded.comment,"
                " read_at = NULL",
                (
                    feedback.at,
                    feedback.rating.value,
                    feedback.reason.value if feedback.reason else "",
                    feedback.comment,
                    feedback.answer_id,
                ),
            )
            return cursor.rowcount > 0

    def feedback(self, *, rating: Rating | None = None, limit: int = 100) -> list[LoggedAnswer]:
        """Rated answers: unread first, 👎 first among them, then newest first."""
        where, params = (
            ("WHERE f.rating = ?", [rating.value]) if rating else ("WHERE f.rating IS NOT NULL", [])
        )
        order = "f.read_at IS NOT NULL, f.rating = 'down' DESC, f.created_at DESC"
        sql = f"SELECT {_COLUMNS} {_FROM} {where} ORDER BY {order} LIMIT ?"
        with self._connect() as db:
            rows = db.execute(sql, [*params, limit]).fetchall()
        return [_row(r) for r in rows]

    def mark_read(self, answer_id: str, *, read: bool = True, at: float | None = None) -> bool:
        """Mark an answer's feedback read (or unread again); False when it has no feedback."""
        when = (time.time() if at is None else at) if read else None
        with self._connect() as db:
            cursor = db.execute("UPDATE log_feedback SET read_at = ? WHERE answer_id = ?", (when, answer_id))
            return cursor.rowcount > 0

    def prune(self, retention_s: float, *, now: float | None = None) -> int:
        """Delete entries (and their feedback) older than `retention_s`; the number of entries deleted."""
        cutoff = (time.time() if now is None else now) - retention_s
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "DELETE FROM log_feedback WHERE answer_id IN"
                " (SELECT answer_id FROM log_answers WHERE created_at < ?)",
                (cutoff,),
            )
            deleted = db.execute("DELETE FROM log_answers WHERE created_at < ?", (cutoff,)).rowcount
            db.execute("COMMIT")
            return deleted

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        if not self._migrated:
            with self._state.connect() as db:
                for table, column, kind in _ADDED:
                    if column not in {r[1] for r in db.execute(f"PRAGMA table_info({table})")}:
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            self._migrated = True
        return self._state.connect()
