"""What the stand sends back to the console: questions the page could not answer, and offline answers rated.

Both become entries of the conversation log (channel `volunteer`) so the console's feedback queue and gap
list read them like any other answer: a gap is a refused entry (reason `stand_gap`) rated 👎."""

from __future__ import annotations

import uuid

from ..errors import NotFoundError
from ..logbook.curated import Curated, CuratedStore
from ..logbook.records import Feedback, FeedbackReason, Logbook, LogEntry, LoggedCitation, Rating

CHANNEL = "volunteer"
GAP_REASON = "stand_gap"  # refused: asked at a stand, the page had no answer
GAP_MODE = "stand_gap"
OFFLINE_MODE = "offline_pack"  # a curated answer found in the offline pack, logged when back online
GAP_COMMENT = "企业还问了（志愿者在活动现场记录，页面未能回答）"


def gap_entry(question: str, region: str | None, *, at: float, event: str) -> LogEntry:
    """A log entry for a question asked at the stand that the page did not answer."""
    return LogEntry(
        answer_id=uuid.uuid4().hex,
        at=at,
        channel=CHANNEL,
        user=event,
        question=question,
        rewritten_question="",
        region=region or "",
        mode=GAP_MODE,
        refused=True,
        reason=GAP_REASON,
        answer="",
        citations=(),
        candidates=(),
        latency_ms=0,
        fallback_reason="",
    )


def gap_feedback(entry: LogEntry) -> Feedback:
    """The 👎 that puts a gap in the console's feedback queue."""
    return Feedback(entry.answer_id, entry.at, Rating.DOWN, FeedbackReason.OTHER, GAP_COMMENT)


def offline_entry(item: Curated, question: str, *, at: float, event: str) -> LogEntry:
    """A log entry for a curated answer the page gave offline (logged when its feedback arrives)."""
    return LogEntry(
        answer_id=uuid.uuid4().hex,
        at=at,
        channel=CHANNEL,
        user=event,
        question=question or item.question,
        rewritten_question=item.question,
        region="",
        mode=OFFLINE_MODE,
        refused=False,
        reason="",
        answer=item.answer,
        citations=tuple(
            LoggedCitation(n, c.doc_id, c.title, c.clause, "", c.quote)
            for n, c in enumerate(item.citations, start=1)
        ),
        candidates=(),
        latency_ms=0,
        fallback_reason="",
    )


def rate(
    logbook: Logbook,
    curated: CuratedStore,
    *,
    rating: Rating,
    answer_id: str | None,
    curated_id: int | None,
    question: str,
    user: str,
    at: float,
) -> str:
    """Keep a card's rating; an offline pack answer (no answer_id) is logged first. The rated answer's id,
    or NotFoundError naming what was missing."""
    if answer_id is None:
        item = curated.get(curated_id) if curated_id is not None else None
        if item is None:
            raise NotFoundError("请给出回答的 answer_id，或离线答案的 curated_id（须为存在的精选答案）")
        entry = offline_entry(item, question.strip(), at=at, event=user)
        logbook.record(entry)
        answer_id = entry.answer_id
    if not logbook.add_feedback(Feedback(answer_id, at, rating)):
        raise NotFoundError(f"没有 answer_id 为 {answer_id} 的回答：请使用答案卡返回的 answer_id")
    return answer_id


def record_gap(logbook: Logbook, question: str, region: str | None, *, user: str, at: float) -> str:
    """Log a question the page could not answer, rated 👎 so the feedback queue shows it; its id."""
    entry = gap_entry(question, region, at=at, event=user)
    logbook.record(entry)
    logbook.add_feedback(gap_feedback(entry))
    return entry.answer_id
