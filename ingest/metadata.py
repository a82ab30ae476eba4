"""Document metadata derived from the text where the text states it (pure)."""

from __future__ import annotations

import re
from dataclasses import replace

from core.figures import DOC_NUMBER, FULL_DATE, PERIOD
from core.places import region_of
from core.records import DocumentMeta

_DATE_CN = re.compile(rf"^(?:{FULL_DATE.pattern})(?:印发)?$")
_DATE_STAMP = re.compile(
    r"(?:发布时间|发布日期|文章发表时间)\s*[:：]\s*(?P<year>\d{4})[/\-.年](?P<month>\d{1,2})[/\-.月](?P<day>\d{1,2})"
)
_SOURCE = re.compile(r"^(?:文章来源|来源)\s*[:：]\s*([^/\s]+)")
_NOTICE_TITLE = re.compile(r"关于印发\s*《([^《》]{6,})》|现将\s*《([^《》]{6,})》|^《([^《》]{6,})》已经")
_ISSUER_LINE = re.compile(r"^(.{2,20}?)关于印发")
_ORG_LINE = re.compile(r"^.{2,20}(人民政府|办公厅|办公室|知识产权局|委员会)$")


def _title(lines: list[str]) -> str:
    head = lines[:12]
    for line in head:
        if match := _NOTICE_TITLE.search(line):
            return re.sub(r"\s+", "", next(g for g in match.groups() if g))
    title = head[0] if head else ""
    if len(head) > 1 and re.fullmatch(r"[（(][^）)]{1,20}[）)]", head[1]):
        title += head[1]
    return title


def _doc_number(lines: list[str]) -> str:
    for line in lines[:12]:
        match = DOC_NUMBER.fullmatch(line.strip())
        if match and match["prefix"]:
            return re.sub(r"\s+", "", match.group(0))
    return ""


def _date(lines: list[str]) -> str:
    """The signing date of a notice; else the page's publication stamp."""
    for pattern in (_DATE_CN, _DATE_STAMP):
        for line in lines[:40]:
            if (match := pattern.search(line)) and match["year"]:
                year, month, day = (int(match[g]) for g in ("year", "month", "day"))
                return f"{year:04d}-{month:02d}-{day:02d}"
    return ""


def _issuer(lines: list[str]) -> str:
    for line in lines[:12]:
        if match := _ISSUER_LINE.match(line):
            return match.group(1)
    for line in lines[:12]:
        if match := _SOURCE.match(line):
            return match.group(1)
    for i, line in enumerate(lines[:15]):
        if _ORG_LINE.match(line) and i + 1 < len(lines) and _DATE_CN.match(lines[i + 1]):
            return line
    return ""


def _kind(title: str, lines: list[str]) -> str:
    if any(_SOURCE.match(line) for line in lines[:8]) or title.endswith(("报道", "报")):
        return "news_article"
    if re.search(r"答复|复函|回复", title):
        return "reply_letter"
    if re.search(r"方案|计划|规划|纲要|措施|意见|办法|细则", title):
        return "work_plan"
    return "other"


def extract(lines: list[str], body: str, *, identity: DocumentMeta) -> DocumentMeta:
    """``identity`` (id, source, hash) completed from the markup-free lines (head) and the cleaned body."""
    title = _title(lines)
    period = PERIOD.search(title)
    return replace(
        identity,
        title=title or identity.title,
        doc_number=_doc_number(lines),
        issuer=_issuer(lines),
        date=_date(lines),
        region=region_of(title) or region_of(body),
        period=f"{period['start']}-{period['end']}年" if period else "",
        kind=_kind(title, lines),
    )
