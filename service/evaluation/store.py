"""Question sets and evaluation runs in the state store (tables eval_sets, eval_runs)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from core.statefile import StateFile

from .records import EvalResult, EvalRun

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS eval_sets (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    updated_at REAL NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS eval_runs (
    id TEXT PRIMARY KEY,
    set_name TEXT NOT NULL,
    state TEXT NOT NULL,
    started_at REAL NOT NULL,
    finished_at REAL,
    job_id TEXT NOT NULL,
    actor TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT ''
)""",
    "CREATE INDEX IF NOT EXISTS eval_runs_by_set ON eval_runs (set_name, started_at)",
)
_RUN_FIELDS = "id, set_name, state, started_at, finished_at, job_id, actor, error, result"
INTERRUPTED = "服务重启，评测中断：请重新运行"


def _run(row: tuple[object, ...]) -> EvalRun:
    result = EvalResult.model_validate_json(str(row[8])) if row[8] else None
    return EvalRun(
        id=str(row[0]),
        set_name=str(row[1]),
        state=row[2],  # type: ignore[arg-type]
        started_at=float(row[3]),  # type: ignore[arg-type]
        finished_at=float(row[4]) if row[4] is not None else None,  # type: ignore[arg-type]
        job_id=str(row[5]),
        actor=str(row[6]),
        error=str(row[7]),
        metrics=result.metrics if result else {},
        questions=result.questions if result else [],
    )


class EvalStore:
    """Stored sets are JSON-lines text, appended to one question at a time or replaced by an upload."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self._state = StateFile(path, _SCHEMA)
        self._clock = clock

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return self._state.connect()

    def sets(self) -> dict[str, str]:
        with self._connect() as db:
            return {str(n): str(b) for n, b in db.execute("SELECT name, body FROM eval_sets ORDER BY name")}

    def get_set(self, name: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT body FROM eval_sets WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def put_set(self, name: str, body: str) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO eval_sets (name, body, updated_at) VALUES (?, ?, ?)",
                (name, body, self._clock()),
            )

    def append(self, name: str, line: Callable[[int], dict[str, object]]) -> dict[str, object]:
        """Append `line(n)` (n: the question's number in the set, from 1) to the set, creating it."""
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute("SELECT body FROM eval_sets WHERE name = ?", (name,)).fetchone()
                body = str(row[0]) if row else ""
                n = sum(1 for x in body.splitlines() if x.strip()) + 1
                added = line(n)
                text = body + ("" if not body or body.endswith("\n") else "\n")
                text += json.dumps(added, ensure_ascii=False) + "\n"
                db.execute(
                    "INSERT OR REPLACE INTO eval_sets (name, body, updated_at) VALUES (?, ?, ?)",
                    (name, text, self._clock()),
                )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        return added

    def start_run(self, run: EvalRun) -> None:
        with self._connect() as db:
            db.execute(
                f"INSERT INTO eval_runs ({_RUN_FIELDS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run.id, run.set_name, run.state, run.started_at, None, run.job_id, run.actor, "", ""),
            )

    def forget_run(self, run_id: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM eval_runs WHERE id = ?", (run_id,))

    def set_job(self, run_id: str, job_id: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE eval_runs SET job_id = ? WHERE id = ?", (job_id, run_id))

    def finish_run(self, run_id: str, result: EvalResult | None, error: str = "") -> None:
        state = "succeeded" if result is not None else "failed"
        with self._connect() as db:
            db.execute(
                "UPDATE eval_runs SET state = ?, finished_at = ?, error = ?, result = ? WHERE id = ?",
                (state, self._clock(), error, result.model_dump_json() if result else "", run_id),
            )

    def abandon_running(self) -> int:
        """Runs a stopped process left unfinished are marked failed (called once at start-up)."""
        with self._connect() as db:
            cursor = db.execute(
                "UPDATE eval_runs SET state = 'failed', finished_at = ?, error = ? WHERE state = 'running'",
                (self._clock(), INTERRUPTED),
            )
            return cursor.rowcount

    def runs(self, *, set_name: str = "", limit: int = 50) -> list[EvalRun]:
        """Newest first (optionally of one set)."""
        sql = f"SELECT {_RUN_FIELDS} FROM eval_runs"
        args: tuple[object, ...] = ()
        if set_name:
            sql += " WHERE set_name = ?"
            args = (set_name,)
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY started_at DESC, rowid DESC LIMIT ?", (*args, limit))
            return [_run(r) for r in rows]

    def run(self, run_id: str) -> EvalRun | None:
        with self._connect() as db:
            row = db.execute(f"SELECT {_RUN_FIELDS} FROM eval_runs WHERE id = ?", (run_id,)).fetchone()
        return _run(row) if row else None

    def previous(self, run: EvalRun) -> EvalRun | None:
        """The last finished run of the same set before this one."""
        with self._connect() as db:
            row = db.execute(
                f"SELECT {_RUN_FIELDS} FROM eval_runs WHERE set_name = ? AND state = 'succeeded'"
                " AND started_at < ? AND id != ? ORDER BY started_at DESC LIMIT 1",
                (run.set_name, run.started_at, run.id),
            ).fetchone()
        return _run(row) if row else None
