"""The catalog: documents and their chunks in SQLite, the source of truth for what is indexed."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import astuple, fields
from operator import attrgetter
from pathlib import Path

from core.records import Chunk, DocumentMeta

_DOC_FIELDS = [f.name for f in fields(DocumentMeta)]
_CHUNK_FIELDS = [f.name for f in fields(Chunk)]
_fields_of = attrgetter(*_CHUNK_FIELDS)  # a chunk's fields as a tuple, in column order

_INSERT_CHUNK = (
    f"INSERT INTO chunks ({', '.join(_CHUNK_FIELDS)}) VALUES ({', '.join('?' * len(_CHUNK_FIELDS))})"
)
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS documents ({", ".join(f"{n} TEXT NOT NULL" for n in _DOC_FIELDS)},
    PRIMARY KEY (doc_id));
CREATE TABLE IF NOT EXISTS chunks (chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL, title TEXT NOT NULL,
    clause TEXT NOT NULL, text TEXT NOT NULL, region TEXT NOT NULL, doc_number TEXT NOT NULL,
    ordinal INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks (doc_id, ordinal);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS disabled (doc_id TEXT NOT NULL, chunk_id TEXT NOT NULL,
    PRIMARY KEY (doc_id, chunk_id));
"""
WHOLE = ""  # the chunk_id of a row in `disabled` that switches off the whole document


class Catalog:
    """Documents and chunks; every change is one transaction and bumps the generation."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.executescript(_SCHEMA)
        self._add_missing_columns()
        self._db.commit()
        # The file's change counter (header offset 24) moves at every commit, by any connection, in
        # rollback-journal mode (not in WAL mode); reading it is a pread, a query ~50 µs (locks).
        wal = str(self._db.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal"
        self._file = None if wal or not hasattr(os, "pread") else os.open(path, os.O_RDONLY)
        self._state: tuple[bytes, tuple[int, int]] | None = None

    def _add_missing_columns(self) -> None:
        """A catalog written before DocumentMeta gained fields gets them, empty, so old indexes still load."""
        present = {row[1] for row in self._db.execute("PRAGMA table_info(documents)")}
        for name in _DOC_FIELDS:
            if name not in present:
                self._db.execute(f"ALTER TABLE documents ADD COLUMN {name} TEXT NOT NULL DEFAULT ''")

    def generation(self) -> int:
        return int(self.meta("generation") or 0)

    def state(self) -> tuple[int, int]:
        """(generation, switches): what a reader checks to know whether anything changed. Read again only
        when the file's change counter moved (another connection's commit as well as this one's)."""
        counter = os.pread(self._file, 4, 24) if self._file is not None else b""
        known = self._state
        if counter and known is not None and known[0] == counter:
            return known[1]
        rows = dict(self._db.execute("SELECT key, value FROM meta WHERE key IN ('generation', 'switches')"))
        state = int(rows.get("generation") or 0), int(rows.get("switches") or 0)
        self._state = (counter, state)  # read before the state: a commit in between is seen next time
        return state

    def meta(self, key: str) -> str | None:
        """A value recorded beside the documents (generation, collection name, catalog id)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._db:
            self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def catalog_id(self) -> str:
        """This catalog's id, made on first use; the vector collection records it as its owner."""
        with self._db:
            self._db.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('catalog_id', ?)", (uuid.uuid4().hex,)
            )
        found = self.meta("catalog_id")
        assert found is not None
        return found

    def chunk_count(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])

    def documents(self) -> list[DocumentMeta]:
        rows = self._db.execute(f"SELECT {', '.join(_DOC_FIELDS)} FROM documents ORDER BY doc_id")
        return [DocumentMeta(*row) for row in rows]

    def document(self, doc_id: str) -> DocumentMeta | None:
        row = self._db.execute(
            f"SELECT {', '.join(_DOC_FIELDS)} FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        return DocumentMeta(*row) if row else None

    def chunks(self, doc_id: str | None = None, *, known: Mapping[str, Chunk] | None = None) -> list[Chunk]:
        """The chunks in order; a chunk equal to one in `known` (by id) is that object, not a copy, so a
        reload after a one-file change holds one set of chunks, not two (~100 MB at 100k chunks)."""
        sql = f"SELECT {', '.join(_CHUNK_FIELDS)} FROM chunks"
        args: tuple[str, ...] = ()
        if doc_id is not None:
            sql += " WHERE doc_id = ?"
            args = (doc_id,)
        rows = self._db.execute(sql + " ORDER BY doc_id, ordinal", args)
        if not known:
            return [Chunk(*row) for row in rows]
        out = []
        for row in rows:
            old = known.get(row[0])
            out.append(old if old is not None and _fields_of(old) == row else Chunk(*row))
        return out

    def chunk_ids(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT chunk_id FROM chunks")}

    def present(self, chunk_ids: Sequence[str]) -> set[str]:
        """Those of the given chunk ids the catalog holds."""
        found: set[str] = set()
        for start in range(0, len(chunk_ids), 500):
            batch = list(chunk_ids[start : start + 500])
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"SELECT chunk_id FROM chunks WHERE chunk_id IN ({marks})", batch)
            found.update(str(row[0]) for row in rows)
        return found

    def switches(self) -> int:
        """How many times a document or clause was switched on or off (keys the retrieval filter)."""
        return int(self.meta("switches") or 0)

    def disabled(self) -> list[tuple[str, str]]:
        """(doc_id, chunk_id) switched off; chunk_id is WHOLE for a whole document."""
        rows = self._db.execute("SELECT doc_id, chunk_id FROM disabled ORDER BY doc_id, chunk_id")
        return [(str(d), str(c)) for d, c in rows]

    def set_disabled(self, doc_id: str, chunk_id: str, disabled: bool) -> None:
        """Switch a document (chunk_id WHOLE) or one chunk off or on; kept across re-ingests."""
        with self._db:
            if disabled:
                self._db.execute("INSERT OR IGNORE INTO disabled VALUES (?, ?)", (doc_id, chunk_id))
            else:
                self._db.execute("DELETE FROM disabled WHERE doc_id = ? AND chunk_id = ?", (doc_id, chunk_id))
            self._bump_switches()

    def _bump_switches(self) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('switches', ?)", (str(self.switches() + 1),)
        )

    def apply(self, upserts: Sequence[tuple[DocumentMeta, Sequence[Chunk]]], removals: Iterable[str]) -> int:
        """Replace the given documents' chunks and drop removed documents, atomically."""
        with self._db:
            for doc_id in removals:
                self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
                self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
                self._db.execute("DELETE FROM disabled WHERE doc_id = ?", (doc_id,))
            for meta, chunks in upserts:
                self._db.execute("DELETE FROM chunks WHERE doc_id = ?", (meta.doc_id,))
                marks = ", ".join("?" * len(_DOC_FIELDS))
                self._db.execute(
                    f"INSERT OR REPLACE INTO documents ({', '.join(_DOC_FIELDS)}) VALUES ({marks})",
                    astuple(meta),
                )
                self._db.executemany(_INSERT_CHUNK, [astuple(c) for c in chunks])
            generation = self.generation() + 1
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)", (str(generation),)
            )
        return generation

    def close(self) -> None:
        self._db.close()
        if self._file is not None:
            os.close(self._file)
            self._file = None
