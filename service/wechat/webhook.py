"""The two WeChat webhooks: official account (passive reply, else customer-service send) and mini-program."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from service.answers import Answerer
from service.metrics import Metrics
from service.ratelimit import RateLimiter
from service.wechat.api import WeChatApi
from service.wechat.compose import Channel, Composer, kind_of, who
from service.wechat.errors import WeChatAuthError, WeChatFormatError
from service.wechat.inbound import Account, PushQuery, authenticate, decode, echo, passive_reply
from service.wechat.messages import InboundMessage
from service.wechat.outbox import Outbox, to_json
from service.wechat.store import MessageStore

log = logging.getLogger(__name__)

__all__ = ["SUCCESS", "Channel", "Reply", "Webhook"]


@dataclass(frozen=True)
class Reply:
    """The HTTP answer to one push: `success` as plain text, or a passive reply XML."""

    body: str
    media_type: str = "text/plain"


SUCCESS = Reply("success")


class Webhook:
    """Authenticates pushes for one account, dedupes them and hands each message to the outbox once."""

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
        composer = Composer(
            channel=channel,
            api=api,
            answerer=answerer,
            metrics=metrics,
            user_limit=user_limit,
            sec_check=sec_check,
        )
        self.outbox = Outbox(channel=channel, store=store, api=api, composer=composer, metrics=metrics)
        self._account = account
        self._store = store
        self._metrics = metrics
        self._passive_s = passive_reply_s
        self._clock = clock

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
        kind = kind_of(message, self.channel)
        self._metrics.wechat_received.inc(self.channel, kind)
        if kind == "ignore":
            return SUCCESS
        key = f"{self._account.crypto.appid}:{message.dedupe_key}"
        try:
            if self.channel == "mini":
                if self._begin(key, message):
                    self.outbox.start(key, message, waiter=False)
                else:
                    self.outbox.resume(key, waiter=False)  # a retry after a crash: answer it now
                return SUCCESS
            return await self._passive(key, message, query, deadline)
        except Exception:
            # WeChat would only retry into the same failure; acknowledge and alert instead.
            log.exception("wechat %s push %s failed", self.channel, who(key))
            self._metrics.wechat_failures.inc(self.channel, "internal")
            return SUCCESS

    def _begin(self, key: str, message: InboundMessage) -> bool:
        return self._store.begin(key, channel=self.channel, message=to_json(message), owner=self.outbox.owner)

    async def _passive(self, key: str, message: InboundMessage, query: PushQuery, deadline: float) -> Reply:
        if self._begin(key, message):
            self.outbox.start(key, message, waiter=True)
        elif self.outbox.waiter(key) is None:
            self.outbox.resume(key, waiter=True)
        ready = self.outbox.waiter(key)
        if ready is not None:
            timeout = max(0.0, deadline - asyncio.get_running_loop().time())
            try:
                await asyncio.wait_for(ready.wait(), timeout)
            except TimeoutError:
                pass
            except asyncio.CancelledError:
                self.outbox.release(key)
                raise
        text = self._store.take_passive(key) or self._store.close_passive(key)
        if text is None:
            return SUCCESS
        self._metrics.wechat_deliveries.inc(self.channel, "passive")
        now = int(self._clock())
        return Reply(passive_reply(self._account, query, message, text, now=now), "application/xml")

    async def drain(self) -> None:
        """Let answers in flight finish (bounded), then cancel what is left; called at shutdown."""
        await self.outbox.drain()
