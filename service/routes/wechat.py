"""GET/POST /wechat/mp (official account) and /wechat/mini (mini-program customer service)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response

from ..deps import WebhookDep
from ..schemas import ErrorOut
from ..wechat.inbound import PushQuery

router = APIRouter(prefix="/wechat", tags=["wechat"])
_PLAIN = {"X-Content-Type-Options": "nosniff"}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "推送格式错误"},
    403: {"model": ErrorOut, "description": "签名、时间戳或 AppID 不对"},
    404: {
        "model": ErrorOut,
        "description": "该通道未配置（WECHAT_MP_* 或 WECHAT_MINI_* 未设置），或不是 mp/mini",
    },
    413: {"model": ErrorOut, "description": "请求体超过 64 KB"},
}
ChannelPath = Annotated[
    str, Path(description="mp：公众号；mini：小程序客服消息（其他值为 404）", examples=["mp", "mini"])
]
_TEXT = {"content": {"text/plain": {"schema": {"type": "string"}}}}
_REPLY = {
    "description": "`success`，或公众号被动回复的 XML",
    "content": {
        "text/plain": {"schema": {"type": "string"}},
        "application/xml": {"schema": {"type": "string"}},
    },
}


@router.get(
    "/{channel}",
    response_class=Response,
    responses={200: _TEXT, **_ERRORS},
    summary="微信服务器地址校验（返回 echostr）",
)
async def verify(channel: ChannelPath, request: Request, webhook: WebhookDep) -> Response:
    echostr = webhook.verify(PushQuery.of(request.query_params))
    return Response(echostr, media_type="text/plain", headers=_PLAIN)


@router.post(
    "/{channel}",
    response_class=Response,
    responses={200: _REPLY, **_ERRORS},
    summary="微信消息推送（明文或安全模式）",
)
async def receive(channel: ChannelPath, request: Request, webhook: WebhookDep) -> Response:
    """Signature and timestamp are checked before the body is read; the reply is `success` or passive XML."""
    query = PushQuery.of(request.query_params)
    webhook.authenticate(query)
    reply = await webhook.receive(query, await request.body())
    return Response(reply.body, media_type=reply.media_type, headers=_PLAIN)
