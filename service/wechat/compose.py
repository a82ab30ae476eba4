"""What to say to one WeChat message: the compacted answer, the welcome or a short note; never raises."""

from __future__ import annotations

import hashlib
import logging
from typing import Literal

from core.errors import InputError
from service.answers import Answerer
from service.metrics import Metrics
from service.ratelimit import RateLimiter
from service.schemas import WECHAT_SESSION_PREFIX
from service.wechat import replies
from service.wechat.api import WeChatApi
from service.wechat.messages import MAX_TEXT_BYTES, InboundMessage

log = logging.getLogger(__name__)

Channel = Literal["mp", "mini"]
Kind = Literal["text", "welcome", "other", "ignore"]
_WELCOME_EVENTS = {"mp": "subscribe", "mini": "user_enter_tempsession"}


def who(value: str) -> str:
    """A short hash of an openid (or a key holding one) for logs: the openid itself is personal data."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:10]


def kind_of(message: InboundMessage, channel: Channel) -> Kind:
    """How the bot treats a message: answer it, welcome the user, explain it reads text only, or ignore it."""
    if message.msg_type == "event":
        return "welcome" if message.event == _WELCOME_EVENTS[channel] else "ignore"
    return "text" if message.msg_type == "text" and message.content.strip() else "other"


class Composer:
    """Turns one message into the text to send back, with rate limit and the optional msgSecCheck."""

    def __init__(
        self,
        *,
        channel: Channel,
        api: WeChatApi,
        answerer: Answerer,
        metrics: Metrics,
        user_limit: RateLimiter,
        sec_check: bool = False,
    ) -> None:
        self.channel = channel
        self._api = api
        self._answerer = answerer
        self._metrics = metrics
        self._user_limit = user_limit
        self._sec_check = sec_check and channel == "mini"  # msgSecCheck takes mini-program openids only
        self._text_limit = MAX_TEXT_BYTES if channel == "mp" else 2 * MAX_TEXT_BYTES

    async def text(self, message: InboundMessage, *, limited: bool = True) -> str:
        """The reply to `message`; `limited=False` skips the per-user rate limit (a message taken over)."""
        kind = kind_of(message, self.channel)
        if kind == "welcome":
            return replies.WELCOME
        if kind != "text":
            return replies.NOT_TEXT
        wait = self._user_limit.check(f"{self.channel}:{message.from_user}") if limited else 0
        if wait:
            self._metrics.rate_limited.inc(f"wechat_{self.channel}")
            return replies.TOO_FAST.format(seconds=wait)
        try:
            if not await self._passes(message.from_user, message.content):
                return replies.BLOCKED
            answer = await self._answerer.answer(
                message.content,
                channel=f"wechat_{self.channel}",
                session_id=WECHAT_SESSION_PREFIX + message.from_user,
                curated_first=True,  # short replies: a published 精选答案 comes first, as for quick questions
            )
            text = replies.wechat_text(answer, self._text_limit)
            return text if await self._passes(message.from_user, text) else replies.BLOCKED
        except InputError as exc:
            return str(exc)
        except Exception:
            log.exception("wechat %s answer for %s failed", self.channel, who(message.from_user))
            self._metrics.wechat_failures.inc(self.channel, "answer_error")
            return replies.FAILED

    async def _passes(self, openid: str, text: str) -> bool:
        """The optional msgSecCheck hook; when WeChat cannot be asked, the text passes (and it is logged)."""
        if not self._sec_check:
            return True
        try:
            return await self._api.msg_sec_check(openid, text)
        except Exception as exc:
            log.warning("wechat %s msgSecCheck unavailable: %s", self.channel, exc)
            self._metrics.wechat_failures.inc(self.channel, "sec_check_error")
            return True
