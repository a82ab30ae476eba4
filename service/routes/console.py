"""The staff console's pages (server-rendered, Chinese): login, 命中测试, 对话日志, 反馈."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from core.errors import InputError

from ..deps import AnswererDep, IpLimited, LibraryDep, LogbookDep
from ..errors import NotFoundError
from ..logbook.filters import log_query
from ..logbook.hittest import ranked_candidates
from ..logbook.records import Logbook, LoggedAnswer, LogQuery, Rating
from ..logbook.timezone import LOCAL
from ..staff.session import COOKIE
from ..staff.web import (
    CSRF_FIELD,
    LOGIN_PATH,
    AdminViewer,
    ConsoleDep,
    PostingViewer,
    ViewerDep,
    session_of,
)
from .admin_log import HIT_TEST_CHANNEL, export_response
from .console_curated import gaps

router = APIRouter(prefix="/console", include_in_schema=False)
PAGE_SIZE = 50
HISTORY = 50  # hit tests kept for comparison (the log's console entries)
_TOO_MANY = "登录失败次数过多：请 {minutes} 分钟后再试"
_FILTERS = ("since", "until", "channel", "refused", "reason", "rating", "region", "q")


@router.get("")
def home() -> RedirectResponse:
    return RedirectResponse("/console/hit-test", status_code=303)


@router.get("/login")
def login_page(request: Request, console: ConsoleDep) -> Response:
    session = session_of(request, console) or console.signer.new()
    response = console.page(request, "login.html", {"csrf": console.signer.csrf(session), "user": None})
    console.set_cookie(response, session)
    return response


@router.post("/login", dependencies=[IpLimited])
async def login(
    request: Request,
    console: ConsoleDep,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=100)] = "",
) -> Response:
    session = session_of(request, console)
    if session is None or not console.signer.csrf_ok(session, csrf_token):
        raise HTTPException(403, "登录表单已过期（CSRF 校验失败）：请刷新登录页后重试")
    keys = (f"ip:{request.client.host if request.client else 'unknown'}", f"name:{name.strip().lower()}")
    wait = console.logins.wait(*keys)
    if wait:
        minutes = (wait + 59) // 60
        context = {
            "csrf": console.signer.csrf(session),
            "user": None,
            "error": _TOO_MANY.format(minutes=minutes),
        }
        response = console.page(request, "login.html", context, status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    user = await run_in_threadpool(console.users.authenticate, name.strip(), password)
    if user is None:
        console.logins.failed(*keys)
        context = {"csrf": console.signer.csrf(session), "user": None, "error": "用户名或密码不对"}
        return console.page(request, "login.html", context, status=401)
    console.logins.succeeded(keys[1])
    response = RedirectResponse("/console/hit-test", status_code=303)
    console.set_cookie(response, console.signer.new(user.name))  # a fresh nonce: no session fixation
    return response


@router.post("/logout")
def logout(viewer: PostingViewer) -> Response:
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(COOKIE, path="/console")
    return response


async def _history(logbook: Logbook) -> list[LoggedAnswer]:
    return await run_in_threadpool(logbook.query, LogQuery(channel=HIT_TEST_CHANNEL, limit=HISTORY))


@router.get("/hit-test")
async def hit_test_page(
    request: Request, viewer: ViewerDep, console: ConsoleDep, logbook: LogbookDep, question: str = ""
) -> Response:
    """The form (prefilled from the feedback queue's 命中测试 link) and the last 50 hit tests."""
    context = viewer.context(page="hit", form={"question": question[:2000]}, history=await _history(logbook))
    return console.page(request, "hit_test.html", context)


@router.get("/clause")
async def clause_page(
    request: Request,
    viewer: ViewerDep,
    console: ConsoleDep,
    library: LibraryDep,
    doc_id: str,
    clause: str = "",
) -> Response:
    """A document's full text with one clause marked (a hit test's 查看原文)."""
    try:
        document = await run_in_threadpool(library.get, doc_id)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    return console.page(request, "clause.html", viewer.context(page="hit", document=document, clause=clause))


@router.post("/hit-test")
async def hit_test(
    request: Request,
    viewer: PostingViewer,
    console: ConsoleDep,
    answerer: AnswererDep,
    library: LibraryDep,
    logbook: LogbookDep,
    question: Annotated[str, Form(max_length=2000)],
    region: Annotated[str, Form(max_length=20)] = "",
    quick: Annotated[bool, Form()] = False,
) -> Response:
    """The answer users get and its candidates; htmx requests get only the result fragment."""
    form = {"question": question, "region": region, "quick": quick}
    try:
        answer = await answerer.answer(
            question, channel=HIT_TEST_CHANNEL, quick=quick, region=region.strip() or None
        )
    except InputError as exc:
        context = viewer.context(page="hit", form=form, error=str(exc))
    else:
        today = datetime.now(LOCAL).date()
        candidates = await run_in_threadpool(ranked_candidates, answer, library.meta, today)
        context = viewer.context(
            page="hit", form=form, answer=answer, candidates=candidates, threshold=console.threshold
        )
    context["history"] = await _history(logbook)
    partial = bool(request.headers.get("HX-Request"))
    return console.page(request, "hit_result.html" if partial else "hit_test.html", context)


def _filters(request: Request) -> dict[str, str]:
    return {k: request.query_params.get(k, "").strip() for k in _FILTERS}


def _query(filters: dict[str, str], *, limit: int, offset: int = 0) -> LogQuery:
    given = {k: v for k, v in filters.items() if k != "q"}
    return log_query(**given, text=filters["q"], limit=limit, offset=offset)


@router.get("/logs")
async def logs_page(
    request: Request,
    viewer: ViewerDep,
    console: ConsoleDep,
    logbook: LogbookDep,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    filters = _filters(request)
    context = viewer.context(page="logs", filters=filters, items=[], page_no=page, error="")
    try:
        query = _query(filters, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    except InputError as exc:
        context["error"] = str(exc)
        return console.page(request, "logs.html", context, status=400)
    items = await run_in_threadpool(logbook.query, query)
    context.update(items=items[:PAGE_SIZE], more=len(items) > PAGE_SIZE, export_query=request.url.query)
    return console.page(request, "logs.html", context)


@router.get("/logs/export")
async def export_logs(
    request: Request, viewer: AdminViewer, logbook: LogbookDep, format: Literal["csv", "jsonl"] = "csv"
) -> Response:
    """The filtered log as a download (admins only)."""
    query = _query(_filters(request), limit=10_000)
    return export_response(await run_in_threadpool(logbook.query, query), format)


@router.get("/feedback")
async def feedback_page(
    request: Request,
    viewer: ViewerDep,
    console: ConsoleDep,
    logbook: LogbookDep,
    rating: Rating | None = None,
) -> Response:
    """Rated answers, unread and 👎 first, with their actions; the gap list of refused and 👎 questions."""
    items = await run_in_threadpool(lambda: logbook.feedback(rating=rating, limit=200))
    found = await run_in_threadpool(gaps, logbook)
    context = viewer.context(page="feedback", items=items, rating=rating.value if rating else "", gaps=found)
    return console.page(request, "feedback.html", context)
