"""POST /api/feedback: 👍 or 👎 on an answer, by the `answer_id` every answer carries."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter

from ..deps import IpLimited, LogbookDep
from ..errors import NotFoundError
from ..logbook.records import Feedback
from ..logbook.schemas import FeedbackOut, FeedbackRequest
from ..logbook.timezone import local_time
from ..schemas import ErrorOut

router = APIRouter(prefix="/api", tags=["chat"], dependencies=[IpLimited])
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 404, 422, 429)}


@router.post("/feedback", responses=_ERRORS, summary="评价一个回答（👍/👎 与原因）")
def feedback(body: FeedbackRequest, logbook: LogbookDep) -> FeedbackOut:
    """404 when no answer has this `answer_id` (or it was deleted after the log's retention period)."""
    given = Feedback(body.answer_id, time.time(), body.rating, body.reason, body.comment.strip())
    if not logbook.add_feedback(given):
        raise NotFoundError(f"没有 answer_id 为 {body.answer_id} 的回答：请使用回答中返回的 answer_id")
    return FeedbackOut(
        rating=given.rating, reason=given.reason, comment=given.comment, time=local_time(given.at)
    )
