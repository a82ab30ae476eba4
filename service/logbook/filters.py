"""Log filters from query strings (the admin API and the console's filter form share them)."""

from __future__ import annotations

from datetime import date

from core.errors import InputError

from .records import LogQuery, Rating

MAX_LIMIT = 10_000
_BOOLS = {"true": True, "1": True, "refused": True, "false": False, "0": False, "answered": False}


def _day(name: str, raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError as exc:
        raise InputError(f"{name}={raw!r} 不是日期：请写成 2026-01-31 这样的格式") from exc


def log_query(
    *,
    since: str | None = None,
    until: str | None = None,
    channel: str | None = None,
    refused: str | None = None,
    reason: str | None = None,
    rating: str | None = None,
    region: str | None = None,
    text: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> LogQuery:
    """A LogQuery from optional strings (empty means "any"); a bad value is an InputError naming it."""
    if refused and refused not in _BOOLS:
        raise InputError(f"refused={refused!r} 无效：请用 refused（拒答）或 answered（已回答）")
    if rating and rating not in {r.value for r in Rating}:
        raise InputError(f"rating={rating!r} 无效：请用 up 或 down")
    if not 1 <= limit <= MAX_LIMIT or offset < 0:
        raise InputError(f"limit 须在 1 到 {MAX_LIMIT} 之间，offset 不能为负")
    return LogQuery(
        since=_day("since", since),
        until=_day("until", until),
        channel=channel or None,
        refused=_BOOLS[refused] if refused else None,
        reason=reason or None,
        rating=Rating(rating) if rating else None,
        region=(region or "").strip() or None,
        text=(text or "").strip() or None,
        limit=limit,
        offset=offset,
    )
