"""The bot as the service uses it: synchronous answers run in a bounded thread pool, off the event loop."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import replace
from functools import partial
from typing import Protocol

import anyio
import anyio.to_thread

from bot.assistant import check_question
from core.errors import InputError
from core.records import Answer, CitationsEvent, DeltaEvent, FinalEvent, StreamEvent

from .curated_first import CuratedFirst
from .gate import IndexGate
from .logbook.records import Logbook, entry_of
from .metrics import Metrics

log = logging.getLogger(__name__)

# JSON may carry "\ud800": a lone UTF-16 surrogate, which no UTF-8 writer (SQLite, the response) accepts.
_SURROGATE = re.compile("[\ud800-\udfff]")


class AnswerSource(Protocol):
    """What the service needs from the bot; `bot.assistant.Assistant` is one."""

    def answer(
        self, question: str, *, quick: bool = False, region: str | None = None, session_id: str | None = None
    ) -> Answer: ...

    def stream(
        self, question: str, *, quick: bool = False, region: str | None = None, session_id: str | None = None
    ) -> Iterator[StreamEvent]: ...


class Answerer:
    """Checks questions against the service limits and computes answers in worker threads."""

    def __init__(
        self,
        *,
        source: AnswerSource,
        gate: IndexGate,
        workers: int,
        max_question_chars: int,
        metrics: Metrics,
        logbook: Logbook | None = None,
        curated: CuratedFirst | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = source
        self._gate = gate
        self._limiter = anyio.CapacityLimiter(workers)
        self._max_chars = max_question_chars
        self._metrics = metrics
        self._logbook = logbook
        self._curated = curated
        self._clock = clock

    def check(self, question: str) -> str:
        """The question stripped, or InputError when it is empty, too long or not valid Unicode text."""
        text = check_question(question, self._max_chars)
        if _SURROGATE.search(text):
            raise InputError("问题含有无效字符（孤立的 UTF-16 代理项，如 \\ud800）：请删除乱码后重新提问")
        return text

    def _answer_now(self, question: str, quick: bool, region: str | None, session_id: str | None) -> Answer:
        with self._gate.reading():
            return self._source.answer(question, quick=quick, region=region, session_id=session_id)

    async def _curated_answer(self, question: str, region: str | None) -> Answer | None:
        """A published curated answer for the question, if one matches (served first on quick paths)."""
        if self._curated is None:
            return None
        # no gate here: the store's clause lookups take it themselves (the gate is not reentrant)
        serve = partial(self._curated.serve, question, region=region)
        return await anyio.to_thread.run_sync(serve, limiter=self._limiter)

    async def answer(
        self,
        question: str,
        *,
        channel: str,
        quick: bool = False,
        region: str | None = None,
        session_id: str | None = None,
        curated_first: bool = False,
    ) -> Answer:
        """Answer in a worker thread, count the outcome under `channel` and record it in the log.

        Quick questions (and any with `curated_first`, as WeChat asks) get a matching published curated
        answer when there is one."""
        text = self.check(question)
        served = await self._curated_answer(text, region) if quick or curated_first else None
        if served is None:
            compose = partial(self._answer_now, text, quick, region, session_id)
            served = await anyio.to_thread.run_sync(compose, limiter=self._limiter)
        result = served
        self._metrics.count_answer(channel, result)
        return await self._record(result, channel, region, session_id)

    async def _record(self, result: Answer, channel: str, region: str | None, user_key: str | None) -> Answer:
        """The answer with its `answer_id`, once its log entry is written (a failed write is only logged)."""
        answer = replace(result, answer_id=uuid.uuid4().hex)
        if self._logbook is None:
            return answer
        entry = entry_of(
            answer,
            answer_id=answer.answer_id,
            at=self._clock(),
            channel=channel,
            user_key=user_key,
            region=region,
        )
        try:
            await anyio.to_thread.run_sync(self._logbook.record, entry)
        except Exception:
            log.exception("recording answer %s in the conversation log failed", answer.answer_id)
        return answer

    def _next(self, events: Iterator[StreamEvent]) -> StreamEvent | None:
        with self._gate.reading():
            return next(events, None)

    async def stream(
        self,
        question: str,
        *,
        channel: str,
        quick: bool = False,
        region: str | None = None,
        session_id: str | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """The assistant's events, each produced in a worker thread; the final one is counted and logged.

        A quick question that a published curated answer matches gets that answer's events."""
        text = self.check(question)
        served = await self._curated_answer(text, region) if quick else None
        if served is not None:
            self._metrics.count_answer(channel, served)
            yield CitationsEvent(served.citations)
            yield DeltaEvent(served.answer)
            yield FinalEvent(await self._record(served, channel, region, session_id))
            return
        events = self._source.stream(text, quick=quick, region=region, session_id=session_id)
        try:
            while True:
                event = await anyio.to_thread.run_sync(partial(self._next, events), limiter=self._limiter)
                if event is None:
                    return
                if isinstance(event, FinalEvent):
                    self._metrics.count_answer(channel, event.answer)
                    event = FinalEvent(await self._record(event.answer, channel, region, session_id))
                yield event
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()
