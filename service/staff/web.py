"""What the console's pages share: templates, who is logged in, CSRF and role checks, the login redirect."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates

import console
from core.text import cited_as

from ..deps import ServicesDep
from ..logbook.hittest import VERDICTS
from ..logbook.records import FeedbackReason
from ..logbook.timezone import local_time
from .session import COOKIE, SESSION_S, Session, Signer
from .throttle import LoginThrottle
from .users import Role, User, UserStore

LOGIN_PATH = "/console/login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
REASONS = {
    "greeting": "问候",
    "outside_shanghai": "非上海地区",
    "not_a_policy_question": "非政策问题",
    "nothing_indexed": "未收录文件",
    "district_not_covered": "该区无文件",
    "too_vague": "问题太笼统",
    "weak_evidence": "依据不足",
    "figure_not_stated": "条款未写明数字",
    "stand_gap": "活动现场未能回答",  # 企业还问了… on the volunteer page
}
CHANNELS = {
    "api": "接口",
    "stream": "流式接口",
    "wechat_mp": "公众号",
    "wechat_mini": "小程序",
    "console": "控制台",
    "volunteer": "志愿者页面",
}


class LoginRequired(Exception):
    """No (valid) console session: browsers go to the login page."""


@dataclass(frozen=True)
class Console:
    """The console's collaborators, built once by create_app (only when ADMIN_TOKEN is set)."""

    users: UserStore
    signer: Signer
    templates: Jinja2Templates
    secure_cookie: bool
    threshold: float = 0.0  # the refusal rule's evidence threshold (the hit test draws it)
    logins: LoginThrottle = field(default_factory=LoginThrottle)

    def set_cookie(self, response: Response, session: Session) -> None:
        response.set_cookie(
            COOKIE,
            self.signer.dump(session),
            max_age=SESSION_S,
            path="/console",
            httponly=True,
            samesite="strict",
            secure=self.secure_cookie,
        )

    def page(self, request: Request, name: str, context: dict[str, Any], *, status: int = 200) -> Response:
        return self.templates.TemplateResponse(
            request, name, context, status_code=status, headers=_PAGE_HEADERS
        )


def build_console(
    users: UserStore, *, admin_token: str, secure_cookie: bool, threshold: float = 0.0
) -> Console:
    templates = Jinja2Templates(directory=str(console.TEMPLATES))
    templates.env.filters["local_time"] = local_time
    templates.env.globals["cited_as"] = cited_as  # 《short title》label, as answers cite a clause
    templates.env.globals.update(
        reasons=REASONS, channels=CHANNELS, feedback_reasons=[r.value for r in FeedbackReason]
    )
    templates.env.globals.update(verdicts=VERDICTS)
    return Console(
        users=users,
        signer=Signer(admin_token),
        templates=templates,
        secure_cookie=secure_cookie,
        threshold=threshold,
    )


def get_console(services: ServicesDep) -> Console:
    if services.console is None:
        raise HTTPException(404)
    return services.console


ConsoleDep = Annotated[Console, Depends(get_console)]


@dataclass(frozen=True)
class Viewer:
    """The logged-in user of a page request, with the session's CSRF token for its forms."""

    user: User
    session: Session
    csrf: str

    def context(self, **values: Any) -> dict[str, Any]:
        return {"user": self.user, "csrf": self.csrf, **values}


def session_of(request: Request, console: Console) -> Session | None:
    return console.signer.load(request.cookies.get(COOKIE))


def current_viewer(request: Request, console: ConsoleDep) -> Viewer:
    session = session_of(request, console)
    user = console.users.get(session.user) if session and session.user else None
    if session is None or user is None:
        raise LoginRequired()
    return Viewer(user, session, console.signer.csrf(session))


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def csrf_checked(request: Request, viewer: ViewerDep, console: ConsoleDep) -> Viewer:
    """The viewer of a POST whose form field or X-CSRF-Token header carries the session's token."""
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        token = field if isinstance(field, str) else None
    if not console.signer.csrf_ok(viewer.session, token):
        raise HTTPException(403, "表单已过期或来源不明（CSRF 校验失败）：请刷新页面后重试")
    return viewer


PostingViewer = Annotated[Viewer, Depends(csrf_checked)]


_ADMIN_ONLY = "需要管理员角色：审核员不能导出日志、发布或撤回精选答案"


def admin_only(viewer: ViewerDep) -> Viewer:
    if viewer.user.role is not Role.ADMIN:
        raise HTTPException(403, _ADMIN_ONLY)
    return viewer


AdminViewer = Annotated[Viewer, Depends(admin_only)]


def admin_posting(viewer: PostingViewer) -> Viewer:
    """An admin's POST with the session's CSRF token."""
    if viewer.user.role is not Role.ADMIN:
        raise HTTPException(403, _ADMIN_ONLY)
    return viewer


AdminPoster = Annotated[Viewer, Depends(admin_posting)]


async def _to_login(request: Request, exc: Exception) -> Response:
    if request.headers.get("HX-Request"):
        return Response(status_code=401, headers={"HX-Redirect": LOGIN_PATH})
    return RedirectResponse(LOGIN_PATH, status_code=303)


def install_login_redirect(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, _to_login)
