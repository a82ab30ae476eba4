"""The console's 精选答案 pages and the feedback queue's actions (mark read, the gap list)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..deps import AuditDep, LibraryDep, LogbookDep
from ..logbook.curated import MAX_ANSWER_CHARS, QuoteMismatchError
from ..logbook.gaps import open_gaps
from ..staff.web import AdminPoster, ConsoleDep, PostingViewer, ViewerDep
from .admin_log import HIT_TEST_CHANNEL
from .curated import CuratedDep

router = APIRouter(prefix="/console", include_in_schema=False)


def _draft(
    question: str = "", answer: str = "", citations: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    rows = list(citations or [])
    rows += [{"chunk_id": "", "quote": ""}] * max(0, 3 - len(rows))
    return {"question": question, "answer": answer[:MAX_ANSWER_CHARS], "citations": rows}


@router.get("/curated")
async def curated_page(
    request: Request, viewer: ViewerDep, console: ConsoleDep, store: CuratedDep
) -> Response:
    items = await run_in_threadpool(store.list)
    return console.page(request, "curated.html", viewer.context(page="curated", items=items))


@router.get("/curated/new")
async def new_curated(
    request: Request,
    viewer: ViewerDep,
    console: ConsoleDep,
    logbook: LogbookDep,
    library: LibraryDep,
    answer_id: str = "",
    chunk_id: str = "",
    question: str = "",
) -> Response:
    """A draft form, prefilled from a logged answer (its citations and quotes) or a hit test's candidate."""
    draft = _draft(question)
    if answer_id:
        logged = await run_in_threadpool(logbook.get, answer_id)
        if logged is None:
            raise HTTPException(404, f"日志里没有 answer_id 为 {answer_id} 的回答")
        entry = logged.entry
        found = [
            await run_in_threadpool(library.chunk_quoting, c.doc_id, c.clause, c.quote)
            for c in entry.citations
        ]
        cited = [
            {"chunk_id": ch.chunk_id if ch else "", "quote": c.quote}
            for c, ch in zip(entry.citations, found, strict=True)
        ]
        draft = _draft(entry.question, entry.answer if not entry.refused else "", cited)
    elif chunk_id:
        draft = _draft(question, "", [{"chunk_id": chunk_id, "quote": ""}])
    context = viewer.context(page="curated", draft=draft, item=None, error="", max_chars=MAX_ANSWER_CHARS)
    return console.page(request, "curated_form.html", context)


def _citations(form: Any) -> list[tuple[str, str]]:
    ids, quotes = form.getlist("chunk_id"), form.getlist("quote")
    return [
        (str(c).strip(), str(q))
        for c, q in zip(ids, quotes, strict=False)
        if str(c).strip() or str(q).strip()
    ]


def _checked_form(question: str, answer: str, cited: list[tuple[str, str]]) -> str:
    if not question.strip() or len(question) > 200:
        return "问题不能为空，且不超过 200 字"
    if not answer.strip() or len(answer.strip()) > MAX_ANSWER_CHARS:
        return f"回答不能为空，且不超过 {MAX_ANSWER_CHARS} 字"
    if not cited or len(cited) > 5:
        return "请填写 1 到 5 条引用（条款编号 chunk_id 和逐字摘录的原文）"
    return ""


async def _save(
    request: Request, viewer: PostingViewer, console: ConsoleDep, store: CuratedDep, curated_id: int | None
) -> Response:
    form = await request.form()
    question, answer = str(form.get("question", "")), str(form.get("answer", ""))
    cited = _citations(form)
    error = _checked_form(question, answer, cited)
    if not error:
        try:
            if curated_id is None:
                item = await run_in_threadpool(store.add, question, answer, cited)
            else:
                found = await run_in_threadpool(store.edit, curated_id, question, answer, cited)
                if found is None:
                    raise HTTPException(404, f"没有编号为 {curated_id} 的精选答案")
                item = found
            return RedirectResponse(f"/console/curated#c{item.id}", status_code=303)
        except QuoteMismatchError as exc:
            error = str(exc)
    rows = [{"chunk_id": c, "quote": q} for c, q in cited]
    context = viewer.context(
        page="curated",
        draft=_draft(question, answer, rows),
        item=curated_id,
        error=error,
        max_chars=MAX_ANSWER_CHARS,
    )
    return console.page(request, "curated_form.html", context, status=422)


@router.post("/curated")
async def create_curated(
    request: Request, viewer: PostingViewer, console: ConsoleDep, store: CuratedDep
) -> Response:
    """A new draft (reviewers and admins); every quote is checked against its clause."""
    return await _save(request, viewer, console, store, None)


@router.get("/curated/{curated_id}")
async def edit_curated_page(
    request: Request, curated_id: int, viewer: ViewerDep, console: ConsoleDep, store: CuratedDep
) -> Response:
    item = await run_in_threadpool(store.get, curated_id)
    if item is None:
        raise HTTPException(404, f"没有编号为 {curated_id} 的精选答案")
    rows = [{"chunk_id": c.chunk_id, "quote": c.quote} for c in item.citations]
    draft = _draft(item.question, item.answer, rows)
    context = viewer.context(page="curated", draft=draft, item=item.id, error="", max_chars=MAX_ANSWER_CHARS)
    return console.page(request, "curated_form.html", context)


@router.post("/curated/{curated_id}")
async def edit_curated(
    request: Request, curated_id: int, viewer: PostingViewer, console: ConsoleDep, store: CuratedDep
) -> Response:
    """Save an edit: checked again, and back to draft until an admin publishes it."""
    return await _save(request, viewer, console, store, curated_id)


@router.post("/curated/{curated_id}/publish")
async def publish_curated(
    request: Request,
    curated_id: int,
    viewer: AdminPoster,
    console: ConsoleDep,
    store: CuratedDep,
    audit: AuditDep,
) -> Response:
    try:
        item = await run_in_threadpool(store.publish, curated_id)
    except QuoteMismatchError as exc:
        items = await run_in_threadpool(store.list)
        context = viewer.context(page="curated", items=items, error=f"无法发布：{exc}（已标为过期）")
        return console.page(request, "curated.html", context, status=422)
    if item is None:
        raise HTTPException(404, f"没有编号为 {curated_id} 的精选答案")
    audit.record(viewer.user.name, "curated.publish", str(curated_id))
    return RedirectResponse(f"/console/curated#c{curated_id}", status_code=303)


@router.post("/curated/{curated_id}/unpublish")
async def unpublish_curated(
    curated_id: int, viewer: AdminPoster, store: CuratedDep, audit: AuditDep
) -> Response:
    if await run_in_threadpool(store.unpublish, curated_id) is None:
        raise HTTPException(404, f"没有编号为 {curated_id} 的精选答案")
    audit.record(viewer.user.name, "curated.unpublish", str(curated_id))
    return RedirectResponse(f"/console/curated#c{curated_id}", status_code=303)


@router.post("/feedback/{answer_id}/read")
async def mark_read(
    answer_id: str,
    viewer: PostingViewer,
    logbook: LogbookDep,
    read: Annotated[bool, Form()] = True,
) -> Response:
    """Mark a rated answer read (read=false: unread again)."""
    if not await run_in_threadpool(lambda: logbook.mark_read(answer_id, read=read)):
        raise HTTPException(404, f"answer_id 为 {answer_id} 的回答没有反馈")
    return RedirectResponse("/console/feedback", status_code=303)


def gaps(logbook: Any) -> list[Any]:
    """Refused or 👎 answers of users (not hit tests), grouped by similar wording, most frequent first."""
    return open_gaps(logbook, leave_out_channel=HIT_TEST_CHANNEL)
