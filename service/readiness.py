"""Readiness: each dependency's state (vector store, state store, model endpoint), probed with deadlines."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import httpx

from core.errors import IpbotError
from vectorstore.guard import StoreState
from vectorstore.index import Index

from .metrics import Metrics
from .schemas import Check, Readiness

log = logging.getLogger(__name__)

STATE_TIMEOUT_S = 1.0
MODEL_TIMEOUT_S = 2.0


def vector_check(index: Index) -> Check:
    """Up when the store answers a count; "mismatch" when its count is not the catalog's."""
    chunks = index.catalog.chunk_count()
    try:
        vectors = index.vectors.count()
    except IpbotError as exc:
        return Check(state="down", detail=str(exc), chunks=chunks)
    if vectors != chunks:
        return Check(
            state="mismatch",
            detail=f"目录有 {chunks} 个条款块，向量库有 {vectors} 个："
            "正在自动修复，也可用 POST /admin/reconcile 或 ipbot doctor 修复",
            chunks=chunks,
            vectors=vectors,
        )
    return Check(state="up", chunks=chunks, vectors=vectors)


def state_check(path: Path) -> Check:
    """The SQLite state store (conversations, WeChat messages) opens and answers a query."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=STATE_TIMEOUT_S)
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            db.close()
    except sqlite3.Error as exc:
        return Check(state="down", detail=f"{path.name}: {exc}")
    return Check(state="up")


def model_check(base_url: str, *, transport: httpx.BaseTransport | None = None) -> Check:
    """The OpenAI-compatible endpoint answers HTTP (any status below 500: a 401 still means reachable)."""
    try:
        with httpx.Client(timeout=MODEL_TIMEOUT_S, transport=transport) as client:
            response = client.get(base_url.rstrip("/") + "/models")
    except httpx.HTTPError as exc:
        return Check(state="down", detail=f"{type(exc).__name__}: {exc}")
    if response.status_code >= 500:
        return Check(state="down", detail=f"HTTP {response.status_code}")
    return Check(state="up")


def readiness(
    *,
    index: Index,
    state_path: Path,
    model_url: str,
    metrics: Metrics,
    model: Callable[[str], Check] = model_check,
) -> Readiness:
    """Every check; "not_ready" when the vector store or the state store is down, "degraded" when the
    model endpoint is down (answers fall back to quoting) or the vectors do not match the catalog."""
    checks = {"vector_store": vector_check(index), "state_store": state_check(state_path)}
    if model_url:
        checks["model"] = model(model_url)
    for name, check in checks.items():
        metrics.dependency_up.set(0.0 if check.state == "down" else 1.0, name)
    status: Literal["ready", "degraded", "not_ready"]
    if any(check.state == "down" for name, check in checks.items() if name != "model"):
        status = "not_ready"
    elif any(check.state != "up" for check in checks.values()):
        status = "degraded"
    else:
        status = "ready"
    return Readiness(status=status, checks=checks)


def watch_store(state: StoreState, metrics: Metrics) -> None:
    """Count a vector-store state change (the store logs it once)."""
    metrics.dependency_up.set(1.0 if state.up else 0.0, "vector_store")
    metrics.dependency_changes.inc("vector_store", "up" if state.up else "down")
