"""The log's days and times are China Standard Time (UTC+8, no daylight saving)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

LOCAL = timezone(timedelta(hours=8), "CST")


def local_time(at: float) -> str:
    """Unix seconds as `YYYY-MM-DD HH:MM:SS` in China Standard Time."""
    return datetime.fromtimestamp(at, LOCAL).strftime("%Y-%m-%d %H:%M:%S")
