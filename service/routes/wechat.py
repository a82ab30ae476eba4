"""GET/POST /wechat/mp (official account) and /wechat/mini (mini-program customer service)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from ..deps import WebhookDep
from ..wechat.inbound import PushQuery

router = APIRouter(prefix="/wechat", tags=["wechat"])
_PLAIN = {"X-Content-Type-Options": "nosniff"}


@router.get("/{channel}", response_class=Response, summary="微信服务器地址校验（返回 echostr）")
async def verify(channel: str, request: Request, webhook: WebhookDep) -> Response:
    echostr = webhook.verify(PushQuery.of(request.query_params))
    return Response(echostr, media_type="text/plain", headers=_PLAIN)


@router.post("/{channel}", response_class=Response, summary="微信消息推送（明文或安全模式）")
async def receive(channel: str, request: Request, webhook: WebhookDep) -> Response:
    """Signature and timestamp are checked before the body is read; the reply is `success` or passive XML."""
    query = PushQuery.of(request.query_params)
    webhook.authenticate(query)
    reply = await webhook.receive(query, await request.body())
    return Response(reply.body, media_type=reply.media_type, headers=_PLAIN)
