"""Curated answers (精选答案): drafted and published by admins (Bearer ADMIN_TOKEN), read by anyone."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ..deps import AuditDep, ServicesDep, require_admin
from ..errors import NotFoundError
from ..logbook.curated import MAX_ANSWER_CHARS, Curated, CuratedState, CuratedStore, QuoteMismatchError
from ..logbook.timezone import local_time
from ..schemas import ErrorOut
from ..staff.audit import API_ACTOR

admin_router = APIRouter(prefix="/admin/curated", tags=["admin"], dependencies=[Depends(require_admin)])
public_router = APIRouter(prefix="/api", tags=["chat"])
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 404, 422)}


class CitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    chunk_id: str = Field(max_length=200)
    quote: str = Field(min_length=1, max_length=300)


class CuratedIn(BaseModel):
    """A short answer (≤120 字) with quotes copied word for word from the clauses they cite."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=200)
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)
    citations: list[CitationIn] = Field(min_length=1, max_length=5)


class CuratedCitationOut(BaseModel):
    chunk_id: str
    quote: str
    doc_id: str
    title: str
    clause: str


class CuratedOut(BaseModel):
    id: int
    question: str
    answer: str
    citations: list[CuratedCitationOut]
    state: CuratedState
    updated: str
    hits: int = Field(description="已作为速答送出的次数")
    stale_reason: str = Field(description="过期原因（仅 stale）")


def get_curated(services: ServicesDep) -> CuratedStore:
    return services.curated


CuratedDep = Annotated[CuratedStore, Depends(get_curated)]


def _out(item: Curated) -> CuratedOut:
    return CuratedOut(
        id=item.id,
        question=item.question,
        answer=item.answer,
        citations=[CuratedCitationOut(**asdict(c)) for c in item.citations],
        state=item.state,
        updated=local_time(item.updated_at),
        hits=item.hits,
        stale_reason=item.stale_reason,
    )


@admin_router.post("", status_code=201, responses=_ERRORS, summary="新建精选答案（草稿；引用须逐字出自条款）")
async def create(body: CuratedIn, store: CuratedDep) -> CuratedOut:
    citations = [(c.chunk_id, c.quote) for c in body.citations]
    try:
        item = await run_in_threadpool(store.add, body.question, body.answer, citations)
    except QuoteMismatchError as exc:
        raise HTTPException(422, str(exc)) from exc
    return _out(item)


@admin_router.post("/{curated_id}/publish", responses=_ERRORS, summary="发布精选答案（再次核对引用）")
async def publish(curated_id: int, store: CuratedDep, audit: AuditDep) -> CuratedOut:
    try:
        item = await run_in_threadpool(store.publish, curated_id)
    except QuoteMismatchError as exc:
        raise HTTPException(422, f"{exc}（已标为过期）") from exc
    if item is None:
        raise NotFoundError(f"没有编号为 {curated_id} 的精选答案")
    audit.record(API_ACTOR, "curated.publish", str(curated_id))
    return _out(item)


@admin_router.put("/{curated_id}", responses=_ERRORS, summary="修改精选答案（重新核对引用，回到草稿）")
async def edit(curated_id: int, body: CuratedIn, store: CuratedDep) -> CuratedOut:
    citations = [(c.chunk_id, c.quote) for c in body.citations]
    try:
        item = await run_in_threadpool(store.edit, curated_id, body.question, body.answer, citations)
    except QuoteMismatchError as exc:
        raise HTTPException(422, str(exc)) from exc
    if item is None:
        raise NotFoundError(f"没有编号为 {curated_id} 的精选答案")
    return _out(item)


@admin_router.post("/{curated_id}/unpublish", responses=_ERRORS, summary="撤回精选答案（回到草稿，不再送出）")
async def unpublish(curated_id: int, store: CuratedDep, audit: AuditDep) -> CuratedOut:
    item = await run_in_threadpool(store.unpublish, curated_id)
    if item is None:
        raise NotFoundError(f"没有编号为 {curated_id} 的精选答案")
    audit.record(API_ACTOR, "curated.unpublish", str(curated_id))
    return _out(item)


@admin_router.get("", responses=_ERRORS, summary="全部精选答案（草稿、已发布、过期）")
async def list_all(store: CuratedDep) -> list[CuratedOut]:
    return [_out(i) for i in await run_in_threadpool(store.list)]


@public_router.get("/curated", summary="已发布的精选答案")
async def published(store: CuratedDep) -> list[CuratedOut]:
    return [_out(i) for i in await run_in_threadpool(store.list, CuratedState.PUBLISHED)]
