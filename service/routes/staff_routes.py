"""The routers of the documents, evaluation, users and audit pages and their admin JSON (one list for
create_app), and the upload size limits of their paths."""

from __future__ import annotations

from fastapi import APIRouter

from ..uploads import MAX_BATCH_FILES
from . import admin_documents, admin_eval, console_documents, console_eval, console_events, console_users

ROUTERS: tuple[APIRouter, ...] = (
    admin_documents.router,
    admin_eval.router,
    console_documents.router,
    console_eval.router,
    console_events.router,
    console_users.router,
)


def upload_limits(max_upload_bytes: int) -> dict[str, int]:
    """Body caps by path prefix: one file, a batch of files, a question set."""
    batch = max_upload_bytes * MAX_BATCH_FILES
    return {
        "/admin/documents": max_upload_bytes,
        "/admin/documents/batch": batch,
        "/console/documents/upload": batch,
        "/admin/eval/sets": max_upload_bytes,
        "/console/eval/sets": max_upload_bytes,
    }
