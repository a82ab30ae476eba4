"""What a question asks: its region, a place outside Shanghai, the kind of answer it wants (pure)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ingest.metadata import CITY, DISTRICTS

from .errors import InputError

# Short district names that are also something else when followed by these characters.
_NOT_DISTRICT = {"黄浦": "江", "普陀": "山", "金山": "寺"}
_SHORT = {(d[:-2] if d.endswith("新区") else d[:-1]): d for d in DISTRICTS}

_OUTSIDE = (
    "北京 天津 重庆 河北 山西 内蒙古 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 广西 "
    "海南 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 台湾 香港 澳门 深圳 广州 杭州 南京 苏州 无锡 宁波 "
    "合肥 武汉 成都 西安 长沙 郑州 济南 青岛 厦门 福州 大连 沈阳 哈尔滨 长春 昆明 贵阳 南宁 海口 南昌 太原 "
    "石家庄 呼和浩特 兰州 银川 西宁 乌鲁木齐 拉萨 东莞 佛山 珠海 温州 嘉兴 常州 南通 绍兴 烟台 徐州 "
    "美国 日本 韩国 欧盟 英国 德国 法国 新加坡"
).split()
# A Shanghai street named after a province or city is not that place (南京东路, 西藏中路, 四川北路 …).
_ROAD = re.compile(r"^[东西南北中]?路")

FIGURE_INTENTS = ("quantity", "date", "period", "duration", "docnum")

_PERIOD = re.compile(r"有效期|期限|执行期|实施期|哪几年|几年到几年|起止")
_DATE = re.compile(r"哪天|哪一天|什么时候|何时|哪年|哪一年|几月|几号|日期|什么时间|印发时间|发布时间|截止")
_DURATION = re.compile(r"多久|多长时间|多长|频率|周期|几年一次|多少年")
_DOCNUM = re.compile(r"文号|发文字号|字号")
_WHO = re.compile(
    r"哪些部门|哪个部门|什么部门|哪些单位|哪个单位|哪家单位|责任单位|牵头|负责部门|由谁|谁负责|哪些机构"
)
_QUANTITY = re.compile(
    r"多少|几[个家件项起次人名所批类种条站天年月万亿]|几成|比例|比重|占比|百分之|额度|金额|上限|最高|规模"
)
_MEASURE = re.compile(r"(?:多少|几)\s*([个家件项起次人名所批类种条站天]|万件|亿元?|万元?|元)")
_RATIO = re.compile(r"比例|比重|占比|百分之|百分比|几成|增幅|增长率")
_MONEY = re.compile(r"资助|补贴|补助|奖励|奖补|贴息|贴费|费用|多少钱|金额|额度|元|融资额|贷款额|资金")
_INJECTION = re.compile(
    r"(忽略|无视|忘记|忘掉|不要遵守|不用管).{0,12}(指令|指示|规则|设定|提示|要求|以上|之前|前面)"
    r"|系统\s*(提示|指令|消息|设定)|提示词|prompt|system\s*message|越狱|jailbreak|开发者模式|developer\s*mode"
    r"|(复述|重复|输出|打印|泄露|透露|告诉我|显示).{0,10}(指令|提示词|设定|规则)"
    r"|扮演|你现在是",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|万|亿|元|件|家|个|项)?")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[【(（]\s*\d{4}\s*[〕\]】)）]\s*\d{1,4}\s*号")


@dataclass(frozen=True)
class QueryInfo:
    """The parts of a question that steer retrieval, refusal and composition."""

    text: str
    districts: tuple[str, ...] = ()
    city: bool = False
    outside: str = ""
    intent: str = "general"  # general | who | one of FIGURE_INTENTS
    measure: str = ""
    money: bool = False
    injection: bool = False
    exact: tuple[str, ...] = ()

    @property
    def wants_figure(self) -> bool:
        """Does the question ask for a figure (an amount, count, date, period, frequency or 文号)?"""
        return self.intent in FIGURE_INTENTS

    @property
    def about_a_document(self) -> bool:
        """A question about a document itself (when issued, how long it runs, its 文号)."""
        return self.intent in ("date", "period", "docnum")


def _districts(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for short, full in _SHORT.items():
        for match in re.finditer(short, text):
            after = text[match.end() : match.end() + 1]
            if _NOT_DISTRICT.get(short) == after:
                continue
            if full not in found:
                found.append(full)
    return tuple(found)


def _outside(text: str) -> str:
    for place in _OUTSIDE:
        for match in re.finditer(place, text):
            if not _ROAD.match(text[match.end() :]):
                return place
    return ""


def _measure(text: str, found: re.Match[str] | None) -> str:
    """The unit the answer's figure must carry: % for a ratio, else a measure word asked with 多少/几."""
    if _RATIO.search(text):
        return "%"
    return found.group(1) if found else ""


_INTENTS = (("docnum", _DOCNUM), ("who", _WHO), ("period", _PERIOD), ("date", _DATE), ("duration", _DURATION))


def _intent(text: str) -> str:
    for name, pattern in _INTENTS:
        if pattern.search(text):
            return name
    return "quantity" if _QUANTITY.search(text) else "general"


def analyse(question: str) -> QueryInfo:
    """Read the question once; every later stage takes this record instead of re-parsing."""
    text = unicodedata.normalize("NFKC", question).strip()
    intent = _intent(text)
    measure = _MEASURE.search(text)
    exact = [m.group(0) for m in _DOC_NUMBER.finditer(text)]
    exact += [re.sub(r"\s+", "", m.group(0)) for m in _FIGURE.finditer(_DOC_NUMBER.sub("", text))]
    return QueryInfo(
        text=question.strip(),
        districts=_districts(text),
        city=bool(re.search(r"上海|全市|本市|市级", text)) and not _districts(text),
        outside=_outside(text),
        intent=intent,
        measure=_measure(text, measure) if intent == "quantity" else "",
        money=bool(_MONEY.search(text)) and intent == "quantity",
        injection=bool(_INJECTION.search(text)),
        exact=tuple(dict.fromkeys(exact)),
    )


def region_allowed(chunk_region: str, info: QueryInfo) -> bool:
    """A district question never gets another district's policy; city-level text always applies."""
    if not info.districts or chunk_region in ("", CITY):
        return True
    return chunk_region in info.districts


def strip_places(text: str) -> str:
    """The question without place names, so 宝山区 does not count as a topic word (nor 山区 inside it)."""
    text = unicodedata.normalize("NFKC", text)
    names = sorted([*DISTRICTS, *_SHORT, *_OUTSIDE, CITY, "上海"], key=len, reverse=True)
    text = re.sub("|".join(map(re.escape, names)), " ", text)
    return re.sub(r"(?<= )[市区县省](?=\W|$)", " ", text)


def with_region(question: str, region: str | None) -> str:
    """The question with the asker's district put in front when the question itself names no place."""
    if not region:
        return question
    known = {*DISTRICTS, CITY}
    full = _SHORT.get(region, region)
    if full not in known:
        raise InputError(f"region 须为 上海市 或上海的某个区（如 杨浦区），收到 {region!r}")
    text = unicodedata.normalize("NFKC", question)
    if _districts(text) or _outside(text) or re.search(r"上海|全市|本市", text):
        return question
    return f"{full}{question}"
