"""What a question asks: its region, a place outside Shanghai, the kind of answer it wants (pure)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.errors import InputError
from core.figures import DOC_NUMBER
from core.numerals import ARTICLE_REF, articles_in
from core.places import (
    CITY,
    DISTRICTS,
    NATIONAL,
    SHORT_NAMES,
    as_meant,
    districts_in,
    names_city,
    outside_place,
    places_in,
    regions_in_order,
)
from core.records import FIGURE_INTENTS, Intent
from core.text import to_simplified
from core.vocabulary import official_terms

_PERIOD = re.compile(r"有效期|期限|执行期|实施期|哪几年|几年到几年|哪年到哪年|起止")
_DATE = re.compile(r"哪天|哪一天|什么时候|何时|哪年|哪一年|几月|几号|日期|什么时间|印发时间|发布时间|截止")
_DURATION = re.compile(r"多久|多长时间|多长|频率|周期|几年一次|多少年")
_DOCNUM = re.compile(r"文号|发文字号|字号")
_WHO = re.compile(
    r"哪(?:些|个|几个|几家|家)(?:部门|单位|机构)|什么部门|责任单位|牵头|负责部门|由谁|谁负责|谁来|谁决定|主送"
)
_ADDRESSEES = re.compile(
    r"(?:主送|抄送)(?:单位|机关|部门|对象)?|(?:发|印发|下发|送)(?:给|到)了?(?:哪些|哪几个|哪|谁|什么|各)(?:单位|部门|机关)?"
)


# Asking which documents say something (哪些文件提到…, 徐汇区有哪些政策): the documents are the answer.
_WHICH_DOCUMENT = re.compile(
    r"哪(?:些|个|份|几份|几个)[^，,。？?！!]{0,8}?(?:文件|政策|方案|规定|法规|文本)|什么(?:文件|政策文件)"
)


# Asking for a document's own figures (实施期限, 有效期, 文号, 印发日期): words of the asking, not the topic.
_DOCUMENT_FIGURE = re.compile(
    r"(?:实施|执行|有效)期限?|有效期|起止(?:时间|日期)?|哪几年|几年到几年|哪年到哪年|发文字号|文号"
    r"|(?:印发|发布|出台|施行)(?:时间|日期)"
)


def topic_words(text: str) -> str:
    """The text without the words that ask about documents themselves (主送单位, 发给哪些单位, 哪些文件,
    有哪些政策, 实施期限, 文号): what the question is about is the rest."""
    return _DOCUMENT_FIGURE.sub(" ", _WHICH_DOCUMENT.sub(" ", _ADDRESSEES.sub(" ", text)))


_QUANTITY = re.compile(
    r"多少|几[个家件项起次人名所批类种条站天年月万亿倍]|几成|比例|比重|占比|百分之|额度|金额|上限|最高|规模"
    r"|(?:哪些|什么|多少)(?:罚款|罚金|费用)|多少(?:补贴|补助|资助|奖励)"  # 有什么奖励 asks what kind
)
_MEASURE = re.compile(
    r"(?:多少|几)\s*(个?工作日|个?小时|个月|个?星期|[个家件项起次人名所批类种条站天年周倍]|万件|亿元?|万元?|元)"
)
_RATIO = re.compile(r"比例|比重|占比|百分之|百分比|几成|增幅|增长率")
_MONEY = re.compile(
    r"资助|补贴|补助|奖励|奖补|贴息|贴费|费用|多少钱|金额|额度|元|融资额|贷款额|资金|罚款|罚金|赔偿数额|年费|官费"
)
_INJECTION = re.compile(
    r"(忽略|无视|忘记|忘掉|不要遵守|不用管).{0,12}(指令|指示|规则|设定|提示|要求|以上|之前|前面)"
    r"|系统\s*(提示|指令|消息|设定)|提示词|prompt|system\s*message|越狱|jailbreak|开发者模式|developer\s*mode"
    r"|(复述|重复|输出|打印|泄露|透露|告诉我|显示).{0,10}(指令|提示词|设定|规则)"
    r"|扮演|你现在是",
    re.IGNORECASE,
)
_FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|万|亿|元|件|家|个|项)?")
# The part of a question that asks: a clause with a question word (the rest tells the asker's situation).
_CLAUSE = re.compile(r"[^，,。；;！!？?\n]+[？?]?")
_ASKS = re.compile(
    r"[？?]|多少|几|哪|什么|谁|怎么|怎样|如何|吗|呢|是否|能否|可否|有没有|能不能|可不可以|是不是"
)
# Asking the assistant to produce something (a contract, a joke): not a question about policy.
_TASK = re.compile(r"(?:帮我|给我|替我|请)\s*(?:写|起草|拟|草拟|翻译|生成|编写|做)|讲个笑话|写(?:一|个)?首诗")
# Greetings and questions about the assistant itself.
_GREETING = re.compile(
    r"^(?:hi|hello|hey|你好|您好|哈喽|嗨|在吗|在不在|有人吗|早上好|下午好|晚上好|谢谢|你是谁|你是什么)"
    r"|你是(?:真人|人工|机器人|ai|AI|谁)|(?:真人|人工)客服|机器人吗",
    re.IGNORECASE,
)
_GREETING_MAX_CHARS = 20


@dataclass(frozen=True)
class QueryInfo:
    """The parts of a question that steer retrieval, refusal and composition."""

    text: str  # as asked
    read: str  # as retrieval reads it (see reading())
    districts: tuple[str, ...] = ()
    city: bool = False
    with_city: bool = False  # the city named beside a district: 市里和区里都…, 上海市和杨浦区
    order: tuple[str, ...] = ()  # the regions named, in the question's order (core.places.regions_in_order)
    outside: str = ""
    intent: Intent = Intent.GENERAL
    measure: str = ""
    money: bool = False
    injection: bool = False
    task: bool = False  # asks the assistant to write or do something, not a question about policy
    greeting: bool = False  # a greeting or a question about the assistant
    exact: tuple[str, ...] = ()
    places: tuple[tuple[str, str], ...] = ()  # (place, district) read off a town, street or landmark
    respelt: tuple[tuple[str, str], ...] = ()  # (as written, as meant): 帖息 → 贴息 (bot.spelling)
    addressees: bool = False  # asks to whom a notice is addressed (主送单位): its 主送 line answers
    asking: str = ""  # the clauses that ask, as written (asking_part()); '' when not worked out
    questions: tuple[str, ...] = ()  # each question of the message, as written (asks())
    told: str = ""  # clauses where the asker says where they are (我在松江大学城读书): situation, not topic
    counted: str = ""  # the noun a count question counts (多少个专利转化服务平台 → 专利转化服务平台)

    @property
    def wants_figure(self) -> bool:
        """Does the question ask for a figure (an amount, count, date, period, frequency or 文号), or for a
        notice's 主送 line, which answers the same way: stated in a clause, or not at all?"""
        return self.intent in FIGURE_INTENTS or self.addressees

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions the question asks about, in its order: its districts (and the city beside them)."""
        asked = (
            (*self.districts, CITY) if self.with_city else self.districts or ((CITY,) if self.city else ())
        )
        return tuple(sorted(asked, key=lambda r: self.order.index(r) if r in self.order else len(self.order)))

    @property
    def compares(self) -> bool:
        """Does the question ask about several regions (two districts, or a district and the city)?"""
        return len(self.regions) > 1

    @property
    def which_documents(self) -> bool:
        """Does the question ask which documents say something (哪些文件提到…, 徐汇区有哪些政策)?"""
        return bool(_WHICH_DOCUMENT.search(self.read))

    @property
    def about_a_document(self) -> bool:
        """A question about documents themselves (when issued, how long one runs, its 文号, its 主送, which
        documents there are)."""
        return (
            self.intent in (Intent.DATE, Intent.PERIOD, Intent.DOCNUM)
            or self.addressees
            or self.which_documents
        )


def _measure(text: str, found: re.Match[str] | None) -> str:
    """The unit the answer's figure must carry: % for a ratio, else a measure word asked with 多少/几."""
    if _RATIO.search(text):
        return "%"
    return found.group(1) if found else ""


_INTENTS = (
    (Intent.DOCNUM, _DOCNUM),
    (Intent.WHO, _WHO),
    (Intent.DURATION, _DURATION),  # 期限是多久 asks how long (十五年), not which years a plan runs
    (Intent.PERIOD, _PERIOD),
    (Intent.DATE, _DATE),
)


# 从什么时候起算 asks from which event a term runs (自申请日起计算), not for a calendar date
_COUNTED_FROM = re.compile(r"从?(?:什么时候|何时|哪天|哪一天)(?:开始)?(?:起算|算起|开始算|开始计算|计算)")


def _intent(text: str) -> Intent:
    if _COUNTED_FROM.search(text):
        return Intent.GENERAL
    for name, pattern in _INTENTS:
        if pattern.search(text):
            return name
    return Intent.QUANTITY if _QUANTITY.search(text) else Intent.GENERAL


def _first_intent(questions: Sequence[str], asked: str) -> Intent:
    """What a message asks for: its first question that asks for something specific (诉讼时效是几年？
    从什么时候开始算？ asks for a number of years first), else what its asking part asks."""
    found = (_intent(q) for q in questions)
    return next((i for i in found if i != Intent.GENERAL), None) or _intent(asked)


@lru_cache(maxsize=512)  # a question is read twice: for its embedding (read_of), then whole (analyse)
def _as_written(question: str) -> str:
    """The question as typed, in matching form: NFKC and simplified characters."""
    return to_simplified(unicodedata.normalize("NFKC", question)).strip()


def reading(question: str) -> str:
    """The question as retrieval reads it: NFKC, simplified characters, articles also as the law writes
    them (“11条” → 第十一条), everyday wordings also as policy texts write them (垃圾专利 → 非正常专利申请).
    """
    return _read(_as_written(question))


def read_of(question: str) -> str:
    """analyse(question).read alone, place names written with a sound-alike character read as meant
    (淞江 → 松江): the text the question is embedded and searched by, before any respelling against an
    index (bot.spelling)."""
    return as_meant(reading(question))


@lru_cache(maxsize=512)
def _read(written: str) -> str:
    """reading() of a question already NFKC and simplified."""
    missing = [a for a in articles_in(written) if a not in written] + list(official_terms(written))
    return f"{written} {' '.join(missing)}" if missing else written


def asking_part(text: str) -> str:
    """The clauses of a question that ask (有没有…的地方？), without those that tell the situation
    (手上有几个专利): its questions (see asks()), else the clauses with a question word, else all."""
    worded = [c for c in _clauses(text) if _ASKS.search(c)]
    return "，".join(asks(text) or worded) or text


def analyse(question: str) -> QueryInfo:
    """Read the question once; every later stage takes this record instead of re-parsing."""
    written = _as_written(question)
    text = _read(written)
    asked = asking_part(written)  # what it asks, without the terms reading() adds
    questions = asks(written)
    intent = _first_intent(questions, asked)
    measure = _MEASURE.search(asked)
    # a 文号 ends with 号 and an article with 条: a text without them is not scanned for them (20 µs)
    numbers = [m for m in DOC_NUMBER.finditer(text) if m["prefix"]] if "号" in text else []
    exact = [m.group(0) for m in numbers] + list(articles_in(text))
    plain = DOC_NUMBER.sub("", text) if "号" in text else text
    plain = ARTICLE_REF.sub("", plain) if "条" in plain else plain
    exact += [re.sub(r"\s+", "", m.group(0)) for m in _FIGURE.finditer(plain)]
    districts = districts_in(text)
    return QueryInfo(
        text=question.strip(),
        read=as_meant(text),
        districts=districts,
        city=names_city(text) and not districts,
        with_city=names_city(text) and bool(districts),
        addressees=bool(_ADDRESSEES.search(asked)),
        order=regions_in_order(text),
        outside=outside_place(text),
        intent=intent,
        measure=_measure(asked, measure) if intent == Intent.QUANTITY else "",
        money=bool(_MONEY.search(asked)) and intent == Intent.QUANTITY,
        injection=bool(_INJECTION.search(text)),
        task=bool(_TASK.search(text)),
        greeting=len(text) <= _GREETING_MAX_CHARS and bool(_GREETING.search(text.strip())),
        exact=tuple(dict.fromkeys(exact)),
        places=places_in(text),
        asking=asked,
        told=located(written),
        questions=tuple(questions),
        counted=counted_noun(asked) if intent == Intent.QUANTITY else "",
    )


def region_allowed(chunk_region: str, info: QueryInfo) -> bool:
    """A district question never gets another district's policy; city-level and national text always apply."""
    if not info.districts or chunk_region in ("", CITY, NATIONAL):
        return True
    return chunk_region in info.districts


def with_region(question: str, region: str | None) -> str:
    """The question with the asker's district put in front when the question itself names no place."""
    if not region:
        return question
    known = {*DISTRICTS, CITY}
    full = SHORT_NAMES.get(region, region)
    if full not in known:
        raise InputError(f"region 须为 上海市 或上海的某个区（如 杨浦区），收到 {region!r}")
    text = unicodedata.normalize("NFKC", question)
    if districts_in(text) or outside_place(text) or re.search(r"上海|全市|本市", text):
        return question
    return f"{full}{question}"


# 多少个 + the noun it counts, up to a word that no longer names it (想, 能, 的, 吗 …)
_COUNTED_NOUN = re.compile(r"(?:多少|几)\s*[个家件项起名所批座位站]\s*([\u4e00-\u9fff]{1,12})")
_NOT_NOUN = re.compile(r"[想要能可会是在有的了吗呢啊呀吧还都也就和与或及被把让给到从对向为]")


_ASKER = re.compile(r"^(?:我|我们|我司|本公司|咱们|家|公司|厂)")


@lru_cache(maxsize=512)  # a question's clauses are read for what it asks, its questions and where it is
def _clauses(text: str) -> tuple[str, ...]:
    return tuple(_CLAUSE.findall(text))


def located(written: str) -> str:
    """The clauses in which the asker says where they are (我们在龙华有个研发中心, 我在松江大学城读书,
    家在江湾体育场附近): what they tell about themselves, not what they ask about."""
    clauses = [c.strip() for c in _clauses(written)]
    return "，".join(c for c in clauses if _ASKER.match(c) and (places_in(c) or districts_in(c)))


def counted_noun(asked: str) -> str:
    """The words after a count (几个商标品牌指导站 → 商标品牌指导站, 多少家企业申请了… → 企业申请), up to a
    word that no longer names what is counted; '' when the count has none after it (一共培育到多少家？)."""
    found = _COUNTED_NOUN.search(asked)
    return _NOT_NOUN.split(found.group(1), maxsplit=1)[0] if found else ""


def asks(text: str) -> list[str]:
    """The separate questions of a message that asks several things (专利法有什么要求？市里要过哪道审查？):
    the clauses ending with a question mark, and the last one when it asks without one (…？有时间限制吗)."""
    clauses = [c for c in _clauses(text) if c.strip()]
    found = [c for c in clauses if c.endswith(("？", "?"))]
    if clauses and not clauses[-1].endswith(("？", "?")) and _ASKS.search(clauses[-1]):
        found.append(clauses[-1])
    return found
