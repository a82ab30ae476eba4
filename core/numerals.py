"""Chinese numerals in figures (五倍, 三万元, 第十一条, 十五日) read as Arabic ones, and back (for 第X条)."""

from __future__ import annotations

import re

import cn2an

_NUMERAL = "零〇一二两三四五六七八九十百千"
# A numeral counts as a figure only before a unit or measure word (一些, 统一, 十分 stay words).
_FIGURE = re.compile(
    rf"百分之([{_NUMERAL}]+)|([{_NUMERAL}]+)(?=[万亿]|[元倍日天周年月条款项目件家个次人名批起所类种篇部届期位])"
)
ARTICLE_REF = re.compile(rf"第?\s*(\d{{1,3}}|[{_NUMERAL}]{{1,6}})\s*条")
# Units that mean the same (十五日 = 15天, 3个月 = 3月, 两周 = 2星期).
_SAME_UNIT = (
    (re.compile(r"(?<=\d)天"), "日"),
    (re.compile(r"(?<=\d)个月"), "月"),
    (re.compile(r"(?<=\d)星期"), "周"),
)


def _number(numeral: str) -> str:
    try:
        value = cn2an.cn2an(numeral, "smart")
    except (ValueError, KeyError):
        return numeral
    return str(int(value)) if float(value).is_integer() else str(value)


def arabic(text: str) -> str:
    """Numerals before a unit as Arabic figures (五倍 → 5倍, 三万元 → 3万元, 百分之五十 → 50%)."""

    def convert(match: re.Match[str]) -> str:
        if match.group(1):
            return f"{_number(match.group(1))}%"
        if match.group(2) == "一":  # 一次, 一家: "a", not a figure
            return match.group(2)
        return _number(match.group(2))

    text = _FIGURE.sub(convert, text)
    for pattern, unit in _SAME_UNIT:
        text = pattern.sub(unit, text)
    return text


def same_unit(unit: str) -> str:
    """A measure word in the one spelling `arabic` gives figures (天 → 日, 个月 → 月, 星期 → 周)."""
    unit = unit.removeprefix("个") if unit != "个" else unit
    return {"天": "日", "月": "月", "星期": "周"}.get(unit, unit)


def article_label(number: int) -> str:
    """11 → 第十一条 (the way Chinese law texts number their articles)."""
    return f"第{cn2an.an2cn(number)}条"


def articles_in(text: str) -> tuple[str, ...]:
    """The articles a text refers to, as the law writes them: 第11条, 11条, 第十一条 → 第十一条."""
    found: list[str] = []
    if "条" not in text:  # every reference ends with it: a scan of a text without it finds nothing
        return ()
    for match in ARTICLE_REF.finditer(text):
        value = _number(match.group(1)) if not match.group(1).isdigit() else match.group(1)
        if value.isdigit() and 0 < int(value) < 1000:
            label = article_label(int(value))
            if label not in found:
                found.append(label)
    return tuple(found)
