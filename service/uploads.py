"""Several uploaded files ingested one after another, each through the sandbox and the ingest pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from core.errors import IpbotError

from .documents import Library
from .errors import classify, public_detail
from .jobs import Report

MAX_BATCH_FILES = 10
JOB_KIND = "upload"


class FileOutcome(BaseModel):
    """One file of a batch: its document id and clause count, or its status and why it was refused."""

    filename: str
    ok: bool
    doc_id: str = ""
    clauses: int = 0
    status: int = 201
    error: str = ""


def ingest_batch(library: Library, files: Sequence[tuple[str, bytes]], report: Report) -> list[FileOutcome]:
    """Each file on its own: a bad one is refused with its reason and the others still go in."""
    outcomes: list[FileOutcome] = []
    report("upload", 0, len(files))
    for done, (name, data) in enumerate(files, start=1):
        try:
            added = library.add(name, data)
        except IpbotError as exc:
            status, _ = classify(exc)
            outcomes.append(
                FileOutcome(filename=name, ok=False, status=status, error=public_detail(str(exc)))
            )
        else:
            clauses = len(library.get(added.doc_id).sections)
            outcomes.append(FileOutcome(filename=name, ok=True, doc_id=added.doc_id, clauses=clauses))
        report("upload", done, len(files))
    return outcomes


def batch_result(outcomes: list[FileOutcome]) -> dict[str, Any]:
    return {"files": [o.model_dump() for o in outcomes]}
