"""Document metadata derived from the text where the text states it (pure)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from core.figures import DOC_NUMBER, FULL_DATE, PERIOD
from core.places import NATIONAL, region_of
from core.records import DocumentMeta

_DATE_CN = re.compile(rf"^(?:{FULL_DATE.pattern})(?:印发)?$")
_DATE_STAMP = re.compile(
    r"(?:发布时间|发布日期|文章发表时间)\s*[:：]\s*(?P<year>\d{4})[/\-.年](?P<month>\d{1,2})[/\-.月](?P<day>\d{1,2})"
)
_SOURCE = re.compile(r"^(?:文章来源|来源)\s*[:：]\s*([^/\s]+)")
_NOTICE_TITLE = re.compile(r"关于印发\s*《([^《》]{6,})》|现将\s*《([^《》]{6,})》|^《([^《》]{6,})》已经")
_ISSUER_LINE = re.compile(r"^(.{2,20}?)关于印发")
_ORG_LINE = re.compile(r"^.{2,20}(人民政府|办公厅|办公室|知识产权局|委员会)$")
_ORGAN = r"(?:人民政府|办公厅|办公室|人民法院|人民检察院|委员会|局|署|部|院)"
_TITLE_ISSUER = re.compile(rf"^(.{{2,20}}?{_ORGAN})关于")

# A 题注 line: a date, the body that acted, and the act (2020年1月20日 …第三次会议通过).
_ACT = re.compile(r"通过|修正|修订|施行|公布|批准|发布")
_MEETING = re.compile(r"^(?P<organ>.+?)第[一二三四五六七八九十百千零〇\d]+次(?:全体)?会议")
_TERM = re.compile(r"第[一二三四五六七八九十百\d]+届")
_IN_FORCE = re.compile(rf"自\s*(?:{FULL_DATE.pattern})\s*起(?:施行|执行|实施|生效)")
_IN_FORCE_ON_ISSUE = re.compile(r"自(?:印发|发布|公布)之日起(?:施行|执行|实施|生效)")
_VALID_UNTIL = re.compile(rf"有效期至\s*(?:{FULL_DATE.pattern})")
_VALID_YEARS = re.compile(r"有效期(?:为)?\s*(?P<n>\d{1,2}|[一二三四五六七八九十])\s*年")

_NATIONAL_ISSUER = re.compile(
    r"^(?:中华人民共和国|全国人民代表大会|国务院|最高人民法院|最高人民检察院|中共中央"
    r"|国家[\u4e00-\u9fff]{1,10}(?:局|署|总局|委员会))"
)
_DECREE = re.compile(r"令\s*[（(]?\s*第\s*\d+\s*号")


def _iso(match: re.Match[str]) -> str:
    if match["year"] is None:
        return ""
    return f"{int(match['year']):04d}-{int(match['month']):02d}-{int(match['day']):02d}"


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


def _records(lines: list[str]) -> list[tuple[str, str, str]]:
    """(date, act, organ) of each 题注 line: adoption, amendment, promulgation, entry into force."""
    found = []
    for line in lines[:20]:
        match = FULL_DATE.match(line)
        acts = _ACT.findall(line)
        if match and match["year"] and acts and len(line) <= 120:
            rest = line[match.end() :].strip()
            meeting = _MEETING.match(rest)
            organ = _TERM.sub("", meeting["organ"]) if meeting else ""
            found.append((_iso(match), acts[-1], re.sub(r"(审判|检察)委员会$", "", organ)))
    return found


def _signing_date(lines: list[str]) -> str:
    """The signing date of a notice; else the page's publication stamp."""
    for pattern in (_DATE_CN, _DATE_STAMP):
        for line in lines[:40]:
            if (match := pattern.search(line)) and match["year"]:
                return _iso(match)
    return ""


def _dates(lines: list[str], body: str) -> tuple[str, str, str]:
    """(adopted, issued, effective): from the 题注 where there is one, else the signature and the body."""
    records = _records(lines)
    adopted = next((d for d, act, _ in records if act == "通过"), "")
    versions = [d for d, act, _ in records if act in ("通过", "修正", "修订", "公布", "批准", "发布")]
    issued = next((d for d, act, _ in records if act in ("公布", "发布")), "") or (
        versions[-1] if versions else ""
    )
    issued = issued or _signing_date(lines)
    effective = next((d for d, act, _ in records if act == "施行"), "")
    if not effective:
        stated = [_iso(m) for m in _IN_FORCE.finditer(body)]
        effective = stated[-1] if stated else (issued if _IN_FORCE_ON_ISSUE.search(body) else "")
    return adopted, issued, effective


def _valid_until(body: str, start: str) -> str:
    if match := _VALID_UNTIL.search(body):
        return _iso(match)
    match = _VALID_YEARS.search(body)
    if not match or not start:
        return ""
    years = int(match["n"]) if match["n"].isdigit() else "一二三四五六七八九十".index(match["n"]) + 1
    begin = date.fromisoformat(start)
    try:
        end = begin.replace(year=begin.year + years)
    except ValueError:  # 29 February
        end = begin.replace(year=begin.year + years, day=28)
    return (end - timedelta(days=1)).isoformat()


def _issuer(lines: list[str], title: str) -> str:
    for line in lines[:12]:
        if match := _ISSUER_LINE.match(line):
            return match.group(1)
    organs = [organ for _, _, organ in _records(lines) if organ]
    if organs:
        return organs[0]
    for line in lines[:12]:
        if match := _SOURCE.match(line):
            return match.group(1)
    for i, line in enumerate(lines[:15]):
        if _ORG_LINE.match(line) and i + 1 < len(lines) and _DATE_CN.match(lines[i + 1]):
            return line
    match = _TITLE_ISSUER.match(title)
    return match.group(1) if match else ""


def _kind(title: str, lines: list[str], issuer: str) -> str:
    """The kind of document, from its title, issuer and how it is numbered (never from one document)."""
    if any(_SOURCE.match(line) for line in lines[:8]) or title.endswith(("报道", "报")):
        return "新闻"
    if re.search(r"答复|复函|回复", title):
        return "答复"
    if re.match(r"最高人民(?:法院|检察院)", issuer or title):
        return "司法解释"
    if "全国人民代表大会" in issuer or (title.startswith("中华人民共和国") and title.endswith("法")):
        return "法律"
    if title.endswith("条例") and (issuer.startswith("国务院") or title.startswith("中华人民共和国")):
        return "行政法规"
    if "人民代表大会" in issuer or title.endswith("条例"):
        return "地方性法规"
    if any(_DECREE.search(line) for line in lines[:12]):
        return "规章"
    if re.search(r"指南|须知|指引|办事|流程|问答", title):
        return "办事指南"
    if re.search(r"方案|计划|规划|纲要|要点|行动", title):
        return "工作方案"
    if re.search(r"办法|规定|细则|规则|意见|措施|通知|决定|公告|通告", title):
        return "规范性文件"
    return "其他"


def _region(title: str, issuer: str, body: str) -> str:
    if _NATIONAL_ISSUER.match(title) or _NATIONAL_ISSUER.match(issuer):
        return NATIONAL
    return region_of(title) or region_of(body)


def extract(lines: list[str], body: str, *, identity: DocumentMeta) -> DocumentMeta:
    """``identity`` (id, source, hash) completed from the markup-free lines (head) and the cleaned body."""
    title = _title(lines)
    issuer = _issuer(lines, title)
    adopted, issued, effective = _dates(lines, body)
    valid_until = _valid_until(body, effective or issued)
    period = PERIOD.search(title)
    span = f"{(effective or issued)[:4]}-{valid_until[:4]}年" if valid_until and (effective or issued) else ""
    return replace(
        identity,
        title=title or identity.title,
        doc_number=_doc_number(lines),
        issuer=issuer,
        date=issued,
        region=_region(title, issuer, body),
        period=f"{period['start']}-{period['end']}年" if period else span,
        kind=_kind(title, lines, issuer),
        adopted=adopted,
        effective=effective,
        valid_until=valid_until,
    )
