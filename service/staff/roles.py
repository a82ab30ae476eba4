"""Role checks of the documents, evaluation and users pages (admins only for changes), and safe returns."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException

from .users import Role
from .web import PostingViewer, Viewer, ViewerDep

ADMINS_ONLY = "需要管理员角色：审核员不能上传、删除、停用或重新导入文件，不能运行评测，也不能管理用户"


def _admin(viewer: Viewer) -> Viewer:
    if viewer.user.role is not Role.ADMIN:
        raise HTTPException(403, ADMINS_ONLY)
    return viewer


def admin_page(viewer: ViewerDep) -> Viewer:
    return _admin(viewer)


def admin_posting(viewer: PostingViewer) -> Viewer:
    """An admin's POST carrying the session's CSRF token."""
    return _admin(viewer)


AdminPage = Annotated[Viewer, Depends(admin_page)]
AdminPosting = Annotated[Viewer, Depends(admin_posting)]


def back_to(next_url: str, default: str) -> str:
    """Where a form returns: a console path it names (never another site), else `default`."""
    safe = next_url.startswith("/console/") and "//" not in next_url and "\\" not in next_url
    return next_url if safe else default
