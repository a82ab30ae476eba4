"""Log entries → JSON objects, JSON Lines and CSV (UTF-8 with a BOM, so Excel reads the Chinese)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from typing import Any

from .records import Feedback, LoggedAnswer
from .timezone import local_time

BOM = "\ufeff"
CSV_COLUMNS = (
    "answer_id",
    "time",
    "channel",
    "user",
    "question",
    "rewritten_question",
    "region",
    "mode",
    "refused",
    "reason",
    "answer",
    "citations",
    "candidates",
    "latency_ms",
    "fallback_reason",
    "rating",
    "feedback_reason",
    "comment",
)


def feedback_json(feedback: Feedback) -> dict[str, Any]:
    return {
        "rating": feedback.rating.value,
        "reason": feedback.reason.value if feedback.reason else None,
        "comment": feedback.comment,
        "time": local_time(feedback.at),
        "read": feedback.read,
    }


def logged_json(item: LoggedAnswer) -> dict[str, Any]:
    """One entry as the admin API and the JSONL export give it."""
    entry = asdict(item.entry)
    at = entry.pop("at")
    return {
        "answer_id": entry.pop("answer_id"),
        "time": local_time(at),
        "timestamp": at,
        **entry,
        "feedback": feedback_json(item.feedback) if item.feedback else None,
    }


def _csv_row(item: LoggedAnswer) -> list[Any]:
    e, f = item.entry, item.feedback
    citations = "\n".join(f"[{c.n}] 《{c.title}》{c.clause}：{c.quote}" for c in e.citations)
    candidates = "\n".join(
        f"{i}. {c.chunk_id} fused={c.fused:.4f} dense={c.dense:.4f} bm25={c.bm25:.4f}"
        for i, c in enumerate(e.candidates, 1)
    )
    return [
        e.answer_id,
        local_time(e.at),
        e.channel,
        e.user,
        e.question,
        e.rewritten_question,
        e.region,
        e.mode,
        "是" if e.refused else "否",
        e.reason,
        e.answer,
        citations,
        candidates,
        e.latency_ms,
        e.fallback_reason,
        f.rating.value if f else "",
        f.reason.value if f and f.reason else "",
        f.comment if f else "",
    ]


def csv_text(items: Iterable[LoggedAnswer]) -> str:
    """The whole CSV, header first, with a BOM."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        writer.writerow(_csv_row(item))
    return out.getvalue()


def jsonl_lines(items: Iterable[LoggedAnswer]) -> Iterator[str]:
    for item in items:
        yield json.dumps(logged_json(item), ensure_ascii=False) + "\n"
