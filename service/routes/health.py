"""GET /healthz (liveness), /readyz (readiness, per dependency) and /metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from ..deps import MetricsDep, ServicesDep
from ..metrics import CONTENT_TYPE
from ..schemas import Health, Readiness

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="存活与索引状态（不等待索引更新，不访问向量库）")
def healthz(services: ServicesDep) -> Health:
    documents, chunks = services.library.counts()
    return Health(
        status="ok" if chunks else "empty_index",
        documents=documents,
        chunks=chunks,
        admin=services.settings.admin_enabled,
        wechat_mp="mp" in services.webhooks,
        wechat_mini="mini" in services.webhooks,
    )


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness}},
    summary="就绪状态：向量库、状态库、模型接口（如已配置）各自的状态；有必需依赖不可用时返回 503",
)
def readyz(services: ServicesDep) -> JSONResponse:
    result = services.ready()
    return JSONResponse(result.model_dump(), status_code=503 if result.status == "not_ready" else 200)


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus 指标")
def metrics(metrics: MetricsDep) -> PlainTextResponse:
    return PlainTextResponse(metrics.render(), media_type=CONTENT_TYPE)
