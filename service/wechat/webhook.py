"""The two WeChat webhooks: official account (passive reply, else customer-service send) and mini-program."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Literal

from core.errors import InputError
from service.answers import Answerer
from service.metrics import Metrics
from service.ratelimit import RateLimiter
from service.schemas import WECHAT_SESSION_PREFIX
from service.wechat import replies
from service.wechat.api import WeChatApi
from service.wechat.errors import WeChatAuthError, WeChatFormatError
from service.wechat.inbound import Account, PushQuery, authenticate, decode, echo, passive_reply
from service.wechat.messages import MAX_TEXT_BYTES, InboundMessage
from service.wechat.store import MessageStore

log = logging.getLogger(__name__)

Channel = Literal["mp", "mini"]
Kind = Literal["text", "welcome", "other", "ignore"]
_WELCOME_EVENTS = {"mp": "subscribe", "mini": "user_enter_tempsession"}
SHUTDOWN_GRACE_S = 10.0


@dataclass(frozen=True)
class Reply:
    """The HTTP answer to one push: `success` as plain text, or a passive reply XML."""

    body: str
    media_type: str = "text/plain"


SUCCESS = Reply("success")


def _who(value: str) -> str:
    """A short hash of an openid (or a key holding one) for logs: the openid itself is personal data."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:10]


class Webhook:
    """Authenticates pushes for one account, dedupes them and delivers one reply per message."""

    def __init__(
        self,
        *,
        channel: Channel,
        account: Account,
        api: WeChatApi,
        store: MessageStore,
        answerer: Answerer,
        metrics: Metrics,
        user_limit: RateLimiter,
        passive_reply_s: float = 4.0,
        sec_check: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.channel = channel
        self._account = account
        self._api = api
        self._store = store
        self._answerer = answerer
        self._metrics = metrics
        self._user_limit = user_limit
        self._passive_s = passive_reply_s
        self._sec_check = sec_check and channel == "mini"  # msgSecCheck takes mini-program openids only
        self._clock = clock
        self._text_limit = MAX_TEXT_BYTES if channel == "mp" else 2 * MAX_TEXT_BYTES
        self._ready: dict[str, asyncio.Event] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def verify(self, query: PushQuery) -> str:
        """GET URL verification: the echostr, or WeChatAuthError."""
        return self._counted(lambda: echo(self._account, query, now=self._clock()))

    def authenticate(self, query: PushQuery) -> None:
        """Signature and timestamp window, checked before the body is read."""
        self._counted(lambda: authenticate(self._account, query, now=self._clock()))

    def _counted(self, check: Callable[[], Any]) -> Any:
        try:
            return check()
        except WeChatAuthError as exc:
            self._metrics.wechat_rejected.inc(self.channel)
            log.warning("wechat %s push refused: %s", self.channel, exc)
            raise

    async def receive(self, query: PushQuery, body: bytes) -> Reply:
        """Handle an authenticated push; invalid bodies raise WeChatAuthError, unusable ones get `success`."""
        deadline = asyncio.get_running_loop().time() + self._passive_s
        try:
            message = self._counted(lambda: decode(self._account, query, body))
        except WeChatFormatError as exc:
            log.warning("wechat %s push unusable: %s", self.channel, exc)
            self._metrics.wechat_failures.inc(self.channel, "unusable_push")
            return SUCCESS
        kind = self._kind(message)
        self._metrics.wechat_received.inc(self.channel, kind)
        if kind == "ignore":
            return SUCCESS
        key = f"{self._account.crypto.appid}:{message.dedupe_key}"
        try:
            if self.channel == "mini":
                if self._store.begin(key, channel=self.channel):
                    self._spawn(self._answer_and_send(key, message))
                return SUCCESS
            return await self._passive(key, message, query, deadline)
        except Exception:
            # WeChat would only retry into the same failure; acknowledge and alert instead.
            log.exception("wechat %s push %s failed", self.channel, _who(key))
            self._metrics.wechat_failures.inc(self.channel, "internal")
            return SUCCESS

    def _kind(self, message: InboundMessage) -> Kind:
        if message.msg_type == "event":
            return "welcome" if message.event == _WELCOME_EVENTS[self.channel] else "ignore"
        return "text" if message.msg_type == "text" and message.content.strip() else "other"

    async def _passive(self, key: str, message: InboundMessage, query: PushQuery, deadline: float) -> Reply:
        if self._store.begin(key, channel=self.channel):
            self._ready[key] = asyncio.Event()
            self._spawn(self._answer_for_passive(key, message))
        ready = self._ready.get(key)
        if ready is not None:
            timeout = max(0.0, deadline - asyncio.get_running_loop().time())
            try:
                await asyncio.wait_for(ready.wait(), timeout)
            except TimeoutError:
                pass
            except asyncio.CancelledError:
                self._hand_off(key, message.from_user)
                raise
        text = self._store.take_passive(key) or self._store.close_passive(key)
        if text is None:
            return SUCCESS
        self._metrics.wechat_deliveries.inc(self.channel, "passive")
        now = int(self._clock())
        return Reply(passive_reply(self._account, query, message, text, now=now), "application/xml")

    def _hand_off(self, key: str, openid: str) -> None:
        text = self._store.hand_off(key)
        if text is not None:
            self._spawn(self._send(key, openid, text))

    async def _answer_for_passive(self, key: str, message: InboundMessage) -> None:
        try:
            text = await self._reply_text(message)
            awaits_passive = self._store.answer_ready(key, text)
        finally:
            self._ready.pop(key).set()
        if not awaits_passive:
            await self._send(key, message.from_user, text)

    async def _answer_and_send(self, key: str, message: InboundMessage) -> None:
        text = await self._reply_text(message)
        if self._store.start_send(key, text):
            await self._send(key, message.from_user, text)

    async def _reply_text(self, message: InboundMessage) -> str:
        """What to say to one message: the compacted answer, the welcome or a note; never raises."""
        kind = self._kind(message)
        if kind == "welcome":
            return replies.WELCOME
        if kind != "text":
            return replies.NOT_TEXT
        wait = self._user_limit.check(f"{self.channel}:{message.from_user}")
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
            )
            text = replies.wechat_text(answer, self._text_limit)
            return text if await self._passes(message.from_user, text) else replies.BLOCKED
        except InputError as exc:
            return str(exc)
        except Exception:
            log.exception("wechat %s answer for %s failed", self.channel, _who(message.from_user))
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

    async def _send(self, key: str, openid: str, text: str) -> None:
        ok = False
        try:
            await self._api.send_text(openid, text)
            ok = True
            self._metrics.wechat_deliveries.inc(self.channel, "custom_send")
        except Exception as exc:
            log.warning("wechat %s custom/send to %s failed: %s", self.channel, _who(openid), exc)
            self._metrics.wechat_failures.inc(self.channel, "send_failed")
        finally:
            self._store.sent(key, ok=ok)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout: float = SHUTDOWN_GRACE_S) -> None:
        """Let answers in flight finish (bounded), then cancel what is left; called at shutdown."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
