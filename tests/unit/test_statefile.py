"""The state file's one-time set-up while other connections write, in this process or another."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

from core.statefile import StateFile
from tests.state_support import writer_holding_the_file

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS things (n INTEGER)",
    "CREATE INDEX IF NOT EXISTS things_n ON things (n)",
)


def add(state: StateFile, n: int) -> None:
    with state.connect() as db:
        db.execute("BEGIN IMMEDIATE")
        db.execute("INSERT INTO things VALUES (?)", (n,))
        db.execute("COMMIT")


def count(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        (n,) = db.execute("SELECT COUNT(*) FROM things").fetchone()
    return int(n)


def test_first_use_waits_for_a_writer_instead_of_failing(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    with writer_holding_the_file(path, hold_s=0.3):
        state = StateFile(path, SCHEMA)
        add(state, 1)

    assert count(path) == 1
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("SELECT n FROM elsewhere").fetchall() == [(1,)]


def test_first_use_from_many_threads_and_owners_at_once(tmp_path: Path) -> None:
    # Modules keep their own StateFile over one path; the server may touch them all at once.
    path = tmp_path / "state.sqlite"
    owners = [StateFile(path, SCHEMA) for _ in range(3)]
    start = threading.Barrier(9)
    failures: list[Exception] = []

    def work(owner: StateFile, n: int) -> None:
        start.wait()
        try:
            add(owner, n)
        except Exception as error:  # collected for the assertion below
            failures.append(error)

    threads = [threading.Thread(target=work, args=(owners[n % 3], n)) for n in range(9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert count(path) == 9


def _add_in_child(path: str, start: threading.Barrier, n: int) -> None:
    start.wait()
    add(StateFile(Path(path), SCHEMA), n)


def test_first_use_from_several_processes_at_once(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    context = multiprocessing.get_context("fork")
    for round_ in range(5):
        start = context.Barrier(5)
        children = [
            context.Process(target=_add_in_child, args=(str(path), start, round_ * 5 + n)) for n in range(5)
        ]
        for child in children:
            child.start()
        for child in children:
            child.join(timeout=60)
        assert [child.exitcode for child in children] == [0] * 5
        path.unlink()
        for leftover in tmp_path.glob("state.sqlite-*"):
            leftover.unlink()
