"""The volunteer page (/v): event-link access, quick answer cards, the offline pack, printable cards."""

from __future__ import annotations

import time
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

import console

from ..deps import AnswererDep, LogbookDep, require_admin
from ..errors import NotFoundError
from ..logbook.records import Rating
from ..logbook.timezone import local_time
from ..schemas import ErrorOut
from ..volunteer.access import COOKIE, SCOPE, DeskDep, EventDep, asker, set_event_cookie
from ..volunteer.desk import CARDS_PER_SHEET
from ..volunteer.events import REFUSALS, Event, EventState
from ..volunteer.qr import qr_svg
from ..volunteer.schemas import (
    AskIn,
    CardOut,
    EventIn,
    EventOut,
    GapIn,
    PackOut,
    RatedOut,
    VolunteerFeedbackIn,
)
from ..volunteer.stand import CHANNEL, rate, record_gap

router = APIRouter(prefix="/v", tags=["volunteer"])
admin_router = APIRouter(prefix="/admin/events", tags=["admin"], dependencies=[Depends(require_admin)])
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut} for code in (400, 401, 403, 404, 422, 429)
}
SERVICE_WORKER = console.STATIC / "volunteer-sw.js"


@router.get("", include_in_schema=False)
def page(request: Request, desk: DeskDep, e: Annotated[str | None, Query(max_length=100)] = None) -> Response:
    """With ?e=TOKEN: keep the link in a cookie scoped to /v and drop it from the address (a page shared
    onward carries no token); without a valid link only the page saying how to get one (403)."""
    token = e if e is not None else request.cookies.get(COOKIE)
    state, event = desk.events.check(token)
    if state is not EventState.VALID or event is None:
        response = desk.page(request, "denied.html", {"reason": REFUSALS[state]}, status=403)
        if e is None and token:  # the remembered link is no longer valid
            response.delete_cookie(COOKIE, path=SCOPE)
        return response
    if e is not None:
        redirect = RedirectResponse(SCOPE, status_code=303)
        set_event_cookie(redirect, event, desk)
        return redirect
    return desk.page(request, "page.html", {"event": event.name, "until": local_time(event.expires_at)[:10]})


@router.get("/sw.js", include_in_schema=False)
def service_worker() -> FileResponse:
    headers = {"Service-Worker-Allowed": SCOPE, "Cache-Control": "no-cache"}
    return FileResponse(SERVICE_WORKER, media_type="text/javascript", headers=headers)


@router.get("/pack.json", summary="离线包：全部已发布的精选答案（答案卡）及其版本号")
async def pack(desk: DeskDep) -> PackOut:
    return await run_in_threadpool(desk.pack)


@router.get("/c/{curated_id}", include_in_schema=False)
async def card_page(request: Request, curated_id: int, desk: DeskDep) -> Response:
    """One published curated answer's card: public (enterprises scan its QR code)."""
    card = await run_in_threadpool(desk.curated_card, curated_id)
    if card is None:
        return desk.page(request, "missing.html", {"curated_id": curated_id}, status=404)
    return desk.page(request, "card.html", {"card": card})


@router.get("/cards", include_in_schema=False)
async def card_sheet(
    request: Request, desk: DeskDep, page: Annotated[int, Query(ge=1, le=1000)] = 1
) -> Response:
    """An A4 sheet of 8 published cards, each with a QR code to its /v/c/{id} page."""
    cards = await run_in_threadpool(desk.published)
    chosen = cards[(page - 1) * CARDS_PER_SHEET : page * CARDS_PER_SHEET]
    base = str(request.base_url).rstrip("/")
    sheet = [(card, qr_svg(f"{base}/v/c/{card.curated_id}")) for card in chosen]
    more = len(cards) > page * CARDS_PER_SHEET
    return desk.page(request, "cards.html", {"sheet": sheet, "page_no": page, "more": more})


@router.post("/api/ask", responses=_ERRORS, summary="志愿者提问：精选答案优先，否则一两句话的快速回答")
async def ask(body: AskIn, event: EventDep, desk: DeskDep, answerer: AnswererDep) -> CardOut:
    answer = await answerer.answer(body.question, channel=CHANNEL, quick=True, region=body.region or None)
    return await run_in_threadpool(desk.card, answer)


@router.post("/api/feedback", responses=_ERRORS, summary="答案卡的 👍/👎（离线答案凭 curated_id 补记）")
async def feedback(
    body: VolunteerFeedbackIn, event: EventDep, desk: DeskDep, logbook: LogbookDep
) -> RatedOut:
    answer_id = await run_in_threadpool(
        partial(
            rate,
            logbook,
            desk.curated,
            rating=body.rating,
            answer_id=body.answer_id,
            curated_id=body.curated_id,
            question=body.question,
            user=asker(event),
            at=time.time(),
        )
    )
    return RatedOut(answer_id=answer_id, rating=body.rating)


@router.post("/api/gap", status_code=201, responses=_ERRORS, summary="企业还问了…：记下页面未能回答的问题")
async def gap(body: GapIn, event: EventDep, answerer: AnswererDep, logbook: LogbookDep) -> RatedOut:
    question = answerer.check(body.question)
    record = partial(record_gap, logbook, question, body.region, user=asker(event), at=time.time())
    return RatedOut(answer_id=await run_in_threadpool(record), rating=Rating.DOWN)


def _event_out(event: Event, now: float) -> EventOut:
    return EventOut(
        token=event.token,
        name=event.name,
        url=f"{SCOPE}?e={event.token}",
        expires_at=local_time(event.expires_at),
        state=event.state(now).value,
    )


@admin_router.post("", status_code=201, responses=_ERRORS, summary="新建活动链接（志愿者页面 /v?e=TOKEN）")
async def create_event(body: EventIn, desk: DeskDep) -> EventOut:
    event = await run_in_threadpool(desk.events.create, body.name, body.days)
    return _event_out(event, desk.clock())


@admin_router.get("", responses=_ERRORS, summary="全部活动链接（有效、过期、已收回）")
async def list_events(desk: DeskDep) -> list[EventOut]:
    now = desk.clock()
    return [_event_out(e, now) for e in await run_in_threadpool(desk.events.list)]


@admin_router.delete("/{token}", responses=_ERRORS, summary="收回活动链接（立即失效）")
async def revoke_event(token: str, desk: DeskDep) -> EventOut:
    event = await run_in_threadpool(desk.events.revoke, token)
    if event is None:
        raise NotFoundError("没有这个活动链接：请用 GET /admin/events 查看已发出的链接")
    return _event_out(event, desk.clock())
