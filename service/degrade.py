"""Answers computed while part of retrieval was down carry `degraded` (["dense"]: keyword search only)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from bot.retrieve import noting_degraded
from core.records import Answer, FinalEvent, RefusalReason, StreamEvent

from .answers import AnswerSource

# A weak-evidence refusal says the documents do not answer; without dense search that is not known.
DEGRADED_REFUSAL = (
    "语义检索服务暂时不可用，本次只按关键词检索，没有找到足够依据回答这个问题。请稍后再问，"
    "或换用政策文件中的原词提问。"
)


def marked(answer: Answer, degraded: list[str]) -> Answer:
    """The answer with `degraded` set; a weak-evidence refusal then says why it may be wrong."""
    if not degraded:
        return answer
    answer = replace(answer, degraded=tuple(degraded))
    if answer.refused and answer.reason is RefusalReason.WEAK_EVIDENCE:
        answer = replace(answer, answer=DEGRADED_REFUSAL)
    return answer


class DegradationAware:
    """An AnswerSource that notes which retrieval parts failed while each answer was computed."""

    def __init__(self, source: AnswerSource) -> None:
        self._source = source

    def answer(
        self, question: str, *, quick: bool = False, region: str | None = None, session_id: str | None = None
    ) -> Answer:
        with noting_degraded() as noted:
            result = self._source.answer(question, quick=quick, region=region, session_id=session_id)
        return marked(result, noted)

    def stream(
        self, question: str, *, quick: bool = False, region: str | None = None, session_id: str | None = None
    ) -> Iterator[StreamEvent]:
        # Each event may be produced in another worker thread: note per step, keep the union.
        events = self._source.stream(question, quick=quick, region=region, session_id=session_id)
        degraded: list[str] = []
        try:
            while True:
                with noting_degraded() as noted:
                    event = next(events, None)
                degraded += [part for part in noted if part not in degraded]
                if event is None:
                    return
                if isinstance(event, FinalEvent):
                    event = replace(event, answer=marked(event.answer, degraded))
                yield event
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()
