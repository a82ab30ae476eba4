"""/docs (Swagger UI) and /redoc from files vendored in console/static: they render with no network."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
STATIC = "/static"
TITLE = "ipbot 知识产权政策问答"


@router.get("/docs")
def swagger(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{TITLE} · 接口文档",
        swagger_js_url=f"{STATIC}/swagger-ui-bundle-5.35.0.js",
        swagger_css_url=f"{STATIC}/swagger-ui-5.35.0.css",
        swagger_favicon_url=f"{STATIC}/favicon.png",
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{TITLE} · ReDoc",
        redoc_js_url=f"{STATIC}/redoc-2.5.4.standalone.js",
        redoc_favicon_url=f"{STATIC}/favicon.png",
        with_google_fonts=False,
    )
