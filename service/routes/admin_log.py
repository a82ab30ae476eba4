"""Admin routes over the conversation log (Bearer ADMIN_TOKEN): logs and exports, feedback, hit test."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.serialize import answer_json

from ..deps import AnswererDep, LogbookDep, require_admin
from ..errors import NotFoundError
from ..logbook.export import csv_text, jsonl_lines, logged_json
from ..logbook.filters import MAX_LIMIT, log_query
from ..logbook.gaps import open_gaps
from ..logbook.hittest import ranked_candidates
from ..logbook.records import LogQuery, Rating
from ..logbook.schemas import HitTestOut, HitTestRequest, LogEntryOut, LogPage
from ..schemas import ErrorOut

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (400, 401, 422)}
ExportFormat = Literal["json", "jsonl", "csv"]
HIT_TEST_CHANNEL = "console"


def query_of(
    since: Annotated[date | None, Query(description="起始日期（含），如 2026-01-01，北京时间")] = None,
    until: Annotated[date | None, Query(description="结束日期（含）")] = None,
    channel: Annotated[str | None, Query(description="api、stream、wechat_mp、wechat_mini、console")] = None,
    refused: Annotated[
        str | None,
        Query(
            pattern=r"^(refused|answered|true|false|1|0)?$",
            description="refused（拒答）或 answered（已回答）",
        ),
    ] = None,
    reason: Annotated[str | None, Query(description="拒答原因，如 weak_evidence")] = None,
    rating: Annotated[str | None, Query(pattern=r"^(up|down)?$", description="up 或 down")] = None,
    region: Annotated[str | None, Query(description="地区（所问地区或引用条款的地区）")] = None,
    q: Annotated[str | None, Query(description="问题或回答中的文字")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> LogQuery:
    return log_query(
        since=since.isoformat() if since else None,
        until=until.isoformat() if until else None,
        channel=channel,
        refused=refused,
        reason=reason,
        rating=rating,
        region=region,
        text=q,
        limit=limit,
        offset=offset,
    )


LogQueryDep = Annotated[LogQuery, Depends(query_of)]


def export_response(items: list[Any], fmt: Literal["jsonl", "csv"]) -> Response:
    """The entries as a download: JSON Lines, or CSV in UTF-8 with a BOM (Excel opens it as such)."""
    if fmt == "csv":
        return Response(
            csv_text(items).encode("utf-8"),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="ipbot-log.csv"'},
        )
    return Response(
        "".join(jsonl_lines(items)).encode("utf-8"),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="ipbot-log.jsonl"'},
    )


_EXPORTS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "application/x-ndjson": {}, "text/csv": {}}},
    **_ERRORS,
}


@router.get("/logs", response_model=LogPage, responses=_EXPORTS, summary="对话日志（筛选、导出 CSV/JSONL）")
def logs(query: LogQueryDep, logbook: LogbookDep, format: ExportFormat = "json") -> Any:
    """Newest first. `format=csv` (UTF-8 with BOM) or `jsonl` downloads the same entries."""
    items = logbook.query(query)
    if format != "json":
        return export_response(items, format)
    return {
        "items": [logged_json(i) for i in items],
        "count": len(items),
        "limit": query.limit,
        "offset": query.offset,
    }


@router.get("/feedback", response_model=list[LogEntryOut], responses=_ERRORS, summary="用户反馈（👎 在前）")
def feedback(
    logbook: LogbookDep,
    rating: Rating | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> list[dict[str, Any]]:
    return [logged_json(i) for i in logbook.feedback(rating=rating, limit=limit)]


@router.post(
    "/feedback/{answer_id}/read",
    responses={**_ERRORS, 404: {"model": ErrorOut}},
    summary="标记反馈已读（read=false：改回未读）",
)
def feedback_read(answer_id: str, logbook: LogbookDep, read: bool = True) -> dict[str, Any]:
    if not logbook.mark_read(answer_id, read=read):
        raise NotFoundError(f"answer_id 为 {answer_id[:64]} 的回答没有反馈")
    return {"answer_id": answer_id, "read": read}


@router.get("/gaps", responses=_ERRORS, summary="缺口清单：被拒答或 👎 的问题，按相近措辞分组，最多的在前")
def gaps(logbook: LogbookDep) -> list[dict[str, Any]]:
    return [
        {
            "question": gap.question,
            "count": gap.count,
            "refused": gap.refused,
            "rated_down": gap.rated_down,
            "districts": sorted(gap.districts),
            "questions": list(dict.fromkeys(i.entry.question for i in gap.items)),
            "answer_ids": [i.entry.answer_id for i in gap.items],
        }
        for gap in open_gaps(logbook, leave_out_channel=HIT_TEST_CHANNEL)
    ]


@router.post("/hit-test", responses=_ERRORS, summary="命中测试：用户得到的回答及每个候选条款的得分与名次")
async def hit_test(body: HitTestRequest, answerer: AnswererDep) -> HitTestOut:
    """Runs the path users get (logged under channel `console`)."""
    answer = await answerer.answer(
        body.question,
        channel=HIT_TEST_CHANNEL,
        quick=body.quick,
        region=body.region,
        session_id=body.session_id,
    )
    candidates = ranked_candidates(answer)
    return HitTestOut(answer=answer_json(answer), candidates=candidates)
