"""Answering stored messages and sending their replies, under leases that survive this process.

Each message is answered by the process holding its lease; the reply is stored before it is sent,
and a sender claims it (queued → sending) for exactly one custom/send. A periodic sweep renews this
process's leases, takes over work whose holder died (answering it again from the stored message),
records sends cut off mid-flight as uncertain, and prunes old rows.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Coroutine
from dataclasses import asdict
from typing import Any

from service.metrics import Metrics
from service.wechat.api import WeChatApi
from service.wechat.compose import Channel, Composer, who
from service.wechat.errors import SendOutcomeUnknown
from service.wechat.messages import InboundMessage
from service.wechat.store import MessageStore

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_S = 10.0
PRUNE_EVERY_S = 600.0


def to_json(message: InboundMessage) -> str:
    """The message as stored with its row (ASCII JSON, so even a lone surrogate round-trips)."""
    return json.dumps(asdict(message))


def from_json(raw: str) -> InboundMessage:
    """The message stored by `to_json`."""
    return InboundMessage(**json.loads(raw))


class Outbox:
    """One channel's answer and send work: in-process tasks plus the durable rows that back them."""

    def __init__(
        self,
        *,
        channel: Channel,
        store: MessageStore,
        api: WeChatApi,
        composer: Composer,
        metrics: Metrics,
        owner: str | None = None,
    ) -> None:
        self.channel = channel
        self.owner = owner or uuid.uuid4().hex  # this process's name on the leases it holds
        self._store = store
        self._api = api
        self._composer = composer
        self._metrics = metrics
        self._ready: dict[str, asyncio.Event] = {}
        self._held: dict[str, int] = {}  # keys with work in flight here: their leases are renewed
        self._tasks: set[asyncio.Task[None]] = set()
        self._pruned_at = 0.0

    def waiter(self, key: str) -> asyncio.Event | None:
        """Set when the answer to `key`, computed here, is stored; None when none is being computed here."""
        return self._ready.get(key)

    def start(self, key: str, message: InboundMessage, *, waiter: bool, limited: bool = True) -> None:
        """Answer a message whose lease this process holds; `waiter`: a passive reply may pick it up."""
        if waiter:
            self._ready[key] = asyncio.Event()
        self._spawn(key, self._answer(key, message, waiter=waiter, limited=limited))

    def resume(self, key: str, *, waiter: bool) -> bool:
        """A retried message: take it over when its holder died; True when it is answered here."""
        stored = self._store.take_over(key, owner=self.owner)
        if stored is None:
            return False
        log.warning("wechat %s message %s taken over from a dead worker", self.channel, who(key))
        self._metrics.wechat_recovered.inc(self.channel, "answer")
        self.start(key, from_json(stored), waiter=waiter, limited=False)
        return True

    def release(self, key: str) -> None:
        """The passive waiter went away: the reply goes out through custom/send instead."""
        self._store.release_passive(key)
        self._spawn(key, self._send(key))

    async def _answer(self, key: str, message: InboundMessage, *, waiter: bool, limited: bool) -> None:
        try:
            text = await self._composer.text(message, limited=limited)
            outcome = self._store.answer_ready(key, text, owner=self.owner, waiter=waiter)
        finally:
            event = self._ready.pop(key, None)
            if event is not None:
                event.set()
        if outcome is None:
            log.warning("wechat %s message %s: lease lost, answer dropped", self.channel, who(key))
        elif outcome == "queued":
            await self._send(key)

    async def _send(self, key: str) -> None:
        claimed = self._store.claim_send(key, owner=self.owner)
        if claimed is None:
            return
        reply, stored = claimed
        openid = from_json(stored).from_user
        outcome = "failed"
        try:
            await self._api.send_text(openid, reply)
            outcome = "delivered"
            self._metrics.wechat_deliveries.inc(self.channel, "custom_send")
        except SendOutcomeUnknown as exc:
            outcome = "uncertain"
            log.warning("wechat %s custom/send to %s uncertain: %s", self.channel, who(openid), exc)
            self._metrics.wechat_send_uncertain.inc(self.channel)
        except Exception as exc:
            log.warning("wechat %s custom/send to %s failed: %s", self.channel, who(openid), exc)
            self._metrics.wechat_failures.inc(self.channel, "send_failed")
        finally:
            self._store.sent(key, outcome, owner=self.owner)

    def _spawn(self, key: str, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        self._held[key] = self._held.get(key, 0) + 1

        def done(finished: asyncio.Task[None]) -> None:
            self._tasks.discard(finished)
            left = self._held.pop(key, 1) - 1
            if left:
                self._held[key] = left
            if not finished.cancelled() and finished.exception() is not None:
                error = finished.exception()
                log.error("wechat %s work on %s failed", self.channel, who(key), exc_info=error)
                self._metrics.wechat_failures.inc(self.channel, "internal")

        task.add_done_callback(done)

    def sweep(self) -> None:
        """Renew held leases, settle and take over lapsed rows, prune old ones (cheap; every few seconds)."""
        self._store.renew(list(self._held), owner=self.owner)
        settled = self._store.settle_lapsed(self.channel)
        if settled["uncertain"]:
            log.warning("wechat %s: %d sends cut off, now uncertain", self.channel, settled["uncertain"])
            self._metrics.wechat_send_uncertain.inc(self.channel, amount=settled["uncertain"])
        if settled["failed"]:
            log.warning("wechat %s: %d messages given up", self.channel, settled["failed"])
            self._metrics.wechat_failures.inc(self.channel, "given_up", amount=settled["failed"])
        for key, state in self._store.lapsed(self.channel):
            if key in self._held:
                continue
            if state == "queued":
                self._metrics.wechat_recovered.inc(self.channel, "send")
                self._spawn(key, self._send(key))
            else:
                self.resume(key, waiter=False)
        now = time.time()
        if now - self._pruned_at > PRUNE_EVERY_S:
            self._pruned_at = now
            self._store.prune()

    async def run(self) -> None:
        """Sweep every third of a lease until cancelled (a start-up hook); the first sweep runs at once."""
        interval = self._store.lease_s / 3
        while True:
            try:
                self.sweep()
            except Exception:
                log.exception("wechat %s outbox sweep failed", self.channel)
            await asyncio.sleep(interval)

    async def drain(self, timeout: float = SHUTDOWN_GRACE_S) -> None:
        """Let work in flight finish (bounded), then cancel the rest: its leases lapse for the next start."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
