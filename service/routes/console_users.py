"""The console's 用户 page (admins only: add, change role, reset password, disable) and 审计日志."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from core.errors import InputError

from ..deps import AuditDep
from ..staff.roles import AdminPage, AdminPosting
from ..staff.users import MIN_PASSWORD_CHARS, Role
from ..staff.web import ConsoleDep, Viewer

router = APIRouter(prefix="/console", include_in_schema=False)
ROLE_NAMES = {Role.ADMIN.value: "管理员", Role.REVIEWER.value: "审核员"}


def _page(request: Request, console: ConsoleDep, viewer: Viewer, **extra: Any) -> Response:
    status = extra.pop("status", 200)
    context = viewer.context(
        page="users",
        users=console.users.all(),
        role_names=ROLE_NAMES,
        min_password=MIN_PASSWORD_CHARS,
        **{"error": "", "notice": "", **extra},
    )
    return console.page(request, "users.html", context, status=status)


@router.get("/users")
def users_page(request: Request, viewer: AdminPage, console: ConsoleDep) -> Response:
    return _page(request, console, viewer)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise InputError(f"角色 {value[:20]!r} 无效：只能是 admin（管理员）或 reviewer（审核员）") from None


@router.post("/users")
async def add_user(
    request: Request,
    viewer: AdminPosting,
    console: ConsoleDep,
    audit: AuditDep,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    try:
        user = await run_in_threadpool(console.users.create, name.strip(), password, _role(role))
    except InputError as exc:
        return _page(request, console, viewer, error=str(exc), status=400)
    audit.record(viewer.user.name, "user.add", user.name, user.role.value)
    return _page(request, console, viewer, notice=f"已添加用户 {user.name}（{ROLE_NAMES[user.role.value]}）")


@router.post("/users/{name}/{action}")
async def change_user(
    request: Request,
    name: str,
    action: str,
    viewer: AdminPosting,
    console: ConsoleDep,
    audit: AuditDep,
    role: Annotated[str, Form(max_length=20)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """role (form field `role`), password (reset, field `password`), disable or enable."""
    users = console.users
    if users.find(name) is None:
        raise HTTPException(404, f"没有用户 {name[:64]}")
    if action in ("disable", "role") and name == viewer.user.name:
        return _page(
            request, console, viewer, error="不能停用自己或修改自己的角色：请让另一位管理员操作", status=400
        )
    try:
        if action == "role":
            changed = users.set_role(name, _role(role))
            detail = changed.role.value
        elif action == "password":
            await run_in_threadpool(users.set_password, name, password)
            detail = ""
        elif action in ("disable", "enable"):
            users.set_disabled(name, action == "disable")
            detail = ""
        else:
            raise HTTPException(404)
    except InputError as exc:
        return _page(request, console, viewer, error=str(exc), status=400)
    audit.record(viewer.user.name, f"user.{action}", name, detail)
    return RedirectResponse("/console/users", status_code=303)


@router.get("/audit")
def audit_page(
    request: Request, viewer: AdminPage, console: ConsoleDep, audit: AuditDep, action: str = ""
) -> Response:
    entries = audit.recent(limit=300, action=action[:64])
    context = viewer.context(page="audit", entries=entries, action=action[:64])
    return console.page(request, "audit.html", context)
