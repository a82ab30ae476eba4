"""GET /healthz and /metrics."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from ..deps import MetricsDep, ServicesDep
from ..metrics import CONTENT_TYPE
from ..schemas import Health

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="存活与索引状态")
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


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus 指标")
def metrics(metrics: MetricsDep) -> PlainTextResponse:
    return PlainTextResponse(metrics.render(), media_type=CONTENT_TYPE)
