"""Document metadata derived from the text where the text states it (pure)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

DISTRICTS = (
    "黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区",
    "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区",
)  # fmt: skip
CITY = "上海市"

DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,10}\s*[〔\[【(（]\s*(?:19|20)\d{2}\s*[〕\]】)）]\s*第?\s*\d{1,4}\s*号"
)
_DATE_CN = re.compile(r"^(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日(?:印发)?$")
_DATE_STAMP = re.compile(
    r"(?:发布时间|发布日期|文章发表时间)\s*[:：]\s*(\d{4})[/\-.年](\d{1,2})[/\-.月](\d{1,2})"
)
_SOURCE = re.compile(r"^(?:文章来源|来源)\s*[:：]\s*([^/\s]+)")
_NOTICE_TITLE = re.compile(r"关于印发\s*《([^《》]{6,})》|现将\s*《([^《》]{6,})》|^《([^《》]{6,})》已经")
_ISSUER_LINE = re.compile(r"^(.{2,20}?)关于印发")
_PERIOD = re.compile(r"(\d{4})\s*[-—–~至]\s*(\d{4})\s*年")
_ORG_LINE = re.compile(r"^.{2,20}(人民政府|办公厅|办公室|知识产权局|委员会)$")


@dataclass(frozen=True)
class Metadata:
    title: str
    doc_number: str = ""
    issuer: str = ""
    date: str = ""
    region: str = ""
    period: str = ""
    kind: str = "other"


def _short(district: str) -> str:
    return district[:-2] if district.endswith("新区") else district[:-1]


def region_of(text: str) -> str:
    """The district a text is about (by name), else 上海市 when it names the city, else ''."""
    counts = Counter({d: text.count(d) + text.count(_short(d)) for d in DISTRICTS})
    district, hits = counts.most_common(1)[0]
    if hits:
        return district
    return CITY if "上海" in text or "本市" in text else ""


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
        if match:
            return re.sub(r"\s+", "", match.group(0))
    return ""


def _date(lines: list[str]) -> str:
    """The signing date of a notice; else the page's publication stamp."""
    for pattern in (_DATE_CN, _DATE_STAMP):
        for line in lines[:40]:
            if match := pattern.search(line):
                year, month, day = (int(g) for g in match.groups())
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


def extract(lines: list[str], body: str) -> Metadata:
    """Metadata from a document's markup-free lines (head) and its cleaned body (region)."""
    title = _title(lines)
    period = _PERIOD.search(title)
    return Metadata(
        title=title,
        doc_number=_doc_number(lines),
        issuer=_issuer(lines),
        date=_date(lines),
        region=region_of(title) or region_of(body),
        period=f"{period.group(1)}-{period.group(2)}年" if period else "",
        kind=_kind(title, lines),
    )
