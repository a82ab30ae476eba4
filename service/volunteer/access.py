"""Who may use the volunteer page: a valid event link, carried by a cookie scoped to /v (or a header)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response

from ..errors import RateLimitedError
from ..logbook.records import hash_user
from .desk import Desk
from .events import REFUSALS, Event, EventState

COOKIE = "ipbot_event"
HEADER = "X-Event-Token"
SCOPE = "/v"


def get_desk(request: Request) -> Desk:
    desk: Desk = request.app.state.volunteer
    return desk


DeskDep = Annotated[Desk, Depends(get_desk)]


def token_of(request: Request) -> str | None:
    return request.headers.get(HEADER) or request.cookies.get(COOKIE)


def set_event_cookie(response: Response, event: Event, desk: Desk) -> None:
    """HttpOnly, only sent to /v…; Lax so a link opened from a chat (WeChat) still carries it."""
    response.set_cookie(
        COOKIE,
        event.token,
        max_age=max(1, int(event.expires_at - desk.clock())),
        path=SCOPE,
        httponly=True,
        samesite="lax",
        secure=desk.secure_cookie,
    )


def current_event(request: Request, desk: DeskDep) -> Event:
    """The request's valid event link, rate-limited per link; 403 (saying why) or 429 otherwise."""
    state, event = desk.events.check(token_of(request))
    if state is not EventState.VALID or event is None:
        raise HTTPException(403, REFUSALS[state] + "请向活动组织方（区知识产权局）索取新的活动链接。")
    wait = desk.limiter.check(f"event:{event.token}")
    if wait:
        raise RateLimitedError(f"这个活动链接的请求太频繁：请 {wait} 秒后再试", retry_after=wait)
    return event


EventDep = Annotated[Event, Depends(current_event)]


def asker(event: Event) -> str:
    """The log's user field for answers given under this link (a hash, never the token)."""
    return hash_user("event:" + event.token)
