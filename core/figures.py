"""Figures in Chinese policy text: 文号, dates, periods, amounts (patterns kept once), and figure matching."""

from __future__ import annotations

import re
import unicodedata

from .numerals import arabic

# 文号: issuer code, bracketed year, serial (杨府发〔2024〕4号, 沪知局〔2023〕第12号).
DOC_NUMBER = re.compile(
    r"(?P<prefix>[\u4e00-\u9fff]{0,10})\s*[〔\[【(（〖]\s*(?P<year>(?:19|20)\d{2})\s*[〕\]】)）〗]"
    r"\s*第?\s*(?P<serial>\d{1,4})\s*号"
)
# A date written in full (2024年3月5日, 2024-3-5), a year or month (2024年, 2024年3月), a plan's period.
FULL_DATE = re.compile(
    r"(?P<year>\d{4})\s*年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日|\d{4}-\d{1,2}-\d{1,2}"
)
DATE = re.compile(r"\d{4}\s*年(?:\s*\d{1,2}\s*月)?|\d{4}[-/.]\d{1,2}")
PERIOD = re.compile(r"(?P<start>\d{4})\s*年?\s*[-—–~至到]\s*(?P<end>\d{4})\s*年")
# How long or how often (每年, 30日, 3个月), and money or a percentage.
DURATION = re.compile(r"每[年月季周天日]|年度|定期|\d+\s*(?:天|日|个?月|年|周|星期)|周期")
_AMOUNT = r"\d+(?:\.\d+)?\s*(?:万|亿)?\s*元"
AMOUNT = re.compile(_AMOUNT)  # a sum of money in 元
MONEY = re.compile(
    _AMOUNT + r"|\d+(?:\.\d+)?\s*(?:万|亿)(?!件|人|个|家|项)|\d+(?:\.\d+)?\s*[%倍]"
)  # 倍: a fine or damages as a multiple (违法所得五倍以下)

_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_WHITESPACE = re.compile(r"\s+")
_RANGE_DASH = re.compile(r"(?<=\d)[‐‑‒–—―−~-](?=\d)")
_YEAR_RANGE = re.compile(r"(?<=\d{4})年?[至到-](?=\d{4}年)")
_YEAR_END = re.compile(r"(?<=\d年)末")
# Citation markers [1] and list enumerators such as "1." or "(2)" number the text, they state nothing.
_NOT_FIGURES = re.compile(r"[\[【]\d{1,3}(?:[,、]\d{1,3})*[\]】]|\(\d{1,2}\)|^\d{1,2}(?:[.、)](?!\d))")

_NUM = r"\d+(?:\.\d+)?"
_UNITS = r"美元|小时|平方米|[元件家个项起次天日周月年户名人位所条批部篇倍台套款场期座种类强届]"
_FIGURE = re.compile(
    "|".join(
        (
            DOC_NUMBER.pattern,
            r"\d{4}-\d{4}年",
            r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}",
            r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?|[底末初度])?",
            r"\d{1,2}月\d{1,2}日",
            rf"{_NUM}%",
            rf"{_NUM}(?:[十百千万亿]+(?:{_UNITS})?|{_UNITS})",
            _NUM,
        )
    )
)
# Words that end the text before an issuer code: "根据沪府办发〔2024〕7号" names the issuer "沪府办发".
_BEFORE_ISSUER = re.compile(r"^.*[的了和与及或在按据照于为是由见即经将把从对以印下布]")


def doc_number_text(match: re.Match[str]) -> str:
    """A matched 文号 in one spelling: issuer code, 〔year〕, serial 号 (no spaces, no 第)."""
    prefix = _BEFORE_ISSUER.sub("", match["prefix"]).lstrip("发")
    return f"{prefix}〔{match['year']}〕{match['serial']}号"


def normalise(text: str) -> str:
    """Text as figures are compared: NFKC, Arabic numerals, one spelling of ranges and units, no whitespace
    or thousands separators."""
    text = arabic(unicodedata.normalize("NFKC", _THOUSANDS.sub("", text)))
    text = _RANGE_DASH.sub("-", _WHITESPACE.sub(_squeeze, text))
    return _YEAR_END.sub("底", _YEAR_RANGE.sub("-", text))


def extract_figures(text: str) -> list[str]:
    """The distinct figures stated in ``text``, normalised, in order of first appearance."""
    figures: list[str] = []
    for match in _FIGURE.finditer(_stated(text)):
        figure = doc_number_text(match) if match["year"] else match[0]
        if figure not in figures:
            figures.append(figure)
    return figures


def figure_in(figure: str, text: str) -> bool:
    """Whether ``figure`` stands in ``text`` as a whole figure ("5.5%" is not in "15.5%")."""
    wanted = normalise(figure)
    doc = DOC_NUMBER.fullmatch(wanted)
    if doc:
        return any(_same_doc_number(doc, found) for found in DOC_NUMBER.finditer(_stated(text)))
    # "8亿元" is stated by a clause that says "8亿".
    core = wanted.removesuffix("元") if re.search(r"[十百千万亿]元$", wanted) else wanted
    pattern = re.escape(core) + (r"(?!\d)(?!\.\d)" if core[-1:].isdigit() else "")
    if re.fullmatch(r"\d{4}年", core):
        # A year is stated by a period that starts or ends with it, "2024-2026年".
        pattern = rf"(?:{core[:4]}-\d{{4}}年|(?:\d{{4}}-)?{core})"
    return re.search(rf"(?<![\d.]){pattern}", _stated(text)) is not None


def _stated(text: str) -> str:
    """``text`` normalised line by line, without citation markers and list enumerators."""
    return "\n".join(_NOT_FIGURES.sub(" ", normalise(line)) for line in text.splitlines())


def _squeeze(space: re.Match[str]) -> str:
    # Two numbers apart stay apart: "G60 4.26" is not "604.26".
    before, after = (
        space.string[space.start() - 1 : space.start()],
        space.string[space.end() : space.end() + 1],
    )
    return " " if before.isdigit() and after.isdigit() else ""


def _same_doc_number(wanted: re.Match[str], found: re.Match[str]) -> bool:
    if (wanted["year"], int(wanted["serial"])) != (found["year"], int(found["serial"])):
        return False
    # Either side may have caught a few words before the issuer code, so one prefix ends the other.
    mine = _BEFORE_ISSUER.sub("", wanted["prefix"]).lstrip("发")
    theirs = _BEFORE_ISSUER.sub("", found["prefix"]).lstrip("发")
    return mine.endswith(theirs) or theirs.endswith(mine)
