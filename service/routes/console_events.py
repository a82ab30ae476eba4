"""The console's 活动链接 page (admins): make, list and revoke the volunteer page's event links."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from ..deps import AuditDep
from ..staff.roles import AdminPage, AdminPosting
from ..staff.web import ConsoleDep, Viewer
from ..volunteer.access import SCOPE, DeskDep
from ..volunteer.events import EventState
from ..volunteer.schemas import EventIn

router = APIRouter(prefix="/console", include_in_schema=False)
STATE_NAMES = {EventState.VALID: "有效", EventState.EXPIRED: "已过期", EventState.REVOKED: "已收回"}


def _page(request: Request, console: ConsoleDep, desk: DeskDep, viewer: Viewer, **extra: Any) -> Response:
    status = extra.pop("status", 200)
    now = desk.clock()
    events = [(e, STATE_NAMES.get(e.state(now), "")) for e in desk.events.list()]
    base = str(request.base_url).rstrip("/")
    values = {"error": "", "made": "", **extra}
    context = viewer.context(page="events", events=events, link=f"{base}{SCOPE}?e=", **values)
    return console.page(request, "events.html", context, status=status)


@router.get("/events")
def events_page(request: Request, viewer: AdminPage, console: ConsoleDep, desk: DeskDep) -> Response:
    return _page(request, console, desk, viewer)


@router.post("/events")
async def create_event(
    request: Request,
    viewer: AdminPosting,
    console: ConsoleDep,
    desk: DeskDep,
    audit: AuditDep,
    name: Annotated[str, Form(max_length=200)],
    days: Annotated[str, Form(max_length=4)],
) -> Response:
    try:
        asked = EventIn(name=name, days=int(days) if days.strip().isdigit() else 0)
    except ValidationError:
        error = "请填写活动名称，有效天数为 1–90 天"
        return _page(request, console, desk, viewer, error=error, status=400)
    event = await run_in_threadpool(desk.events.create, asked.name, asked.days)
    audit.record(viewer.user.name, "event.create", event.name, f"{asked.days} 天")
    return _page(request, console, desk, viewer, made=event.token)


@router.post("/events/{token}/revoke")
async def revoke_event(
    request: Request, token: str, viewer: AdminPosting, console: ConsoleDep, desk: DeskDep, audit: AuditDep
) -> Response:
    event = await run_in_threadpool(desk.events.revoke, token)
    if event is None:
        return _page(request, console, desk, viewer, error="没有这个活动链接", status=404)
    audit.record(viewer.user.name, "event.revoke", event.name)
    return _page(request, console, desk, viewer)
