"""Follow-up questions ("那松江呢？") made standalone: by the model when configured, else by carrying over."""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.errors import ModelFailure
from core.places import CITY, short_name, strip_places
from core.records import RefusalReason

from .query import QueryInfo, analyse

MAX_REWRITE_CHARS = 200
HISTORY_ANSWER_CHARS = 200
SHORT_QUESTION_CHARS = 12
# Refusals whose question still has a usable topic: the documents lacked the answer, not the question.
_TOPICAL_REFUSALS = (RefusalReason.WEAK_EVIDENCE, RefusalReason.FIGURE_NOT_STATED)

_LEAD = re.compile(r"^(?:那么|那如果是|那|如果是|还有|另外|此外|至于|换成|再问一下)\s*")
_TAIL = re.compile(r"(?:的)?呢?\s*[？?。！!…]*$")
_ASKS_BACK = re.compile(r"呢\s*[？?。！!]*$")
_REFERS = re.compile(r"其中|上述|前述|这些|这个|这项|这一|此项|该项|该政策|该文件|它们|它的|那些|同样")
_FILLER = re.compile(r"[\s的在全本区县市，,、？?。！!]+")
_ASKED = re.compile(
    r"(?:是|有|为)?(?:多少|哪些|哪个|哪里|哪天|什么时候|什么|怎么样|怎么|如何|吗)?\s*[？?。]*$"
)
_QUESTION_WORD = re.compile(r"多少|几|哪|什么|谁|怎么|如何|吗|是否")
_LABEL = re.compile(r"^(?:改写后的问题|改写后|独立问题|问题)\s*[:：]\s*")
_NOT_A_QUESTION = ("无法", "抱歉", "对不起", "我不能", "我无法")
_QUOTES = "\"'“”‘’「」『』"


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation: the question as asked, as answered (standalone), and the answer."""

    question: str
    standalone: str
    answer: str
    refused: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Rewrite:
    """The standalone question; how long the model was waited for, and its failure if it failed."""

    question: str
    failure: ModelFailure | None = None
    waited_s: float = 0.0


def is_followup(question: str) -> bool:
    """Whether the question leans on the turn before (lead word, trailing 呢, reference, or a bare place)."""
    text = unicodedata.normalize("NFKC", question).strip()
    if _LEAD.match(text) or _ASKS_BACK.search(text) or _REFERS.search(text):
        return True
    return _only_place(_core(text))


def previous_topic(history: Sequence[Turn]) -> Turn | None:
    """The latest turn whose standalone question can lend its topic and region."""
    for turn in reversed(history):
        if not turn.refused or turn.reason in _TOPICAL_REFUSALS:
            return turn
    return None


def carry_over(question: str, previous: Turn) -> str:
    """The follow-up made standalone without a model, from the previous turn's topic and region.

    A bare place swaps the region ("那松江呢？"); a reference ("其中…") keeps the previous topic; a new
    subject ("那专利许可转让呢？") is asked about the previous region in the previous way ("是多少？").
    """
    text = unicodedata.normalize("NFKC", question).strip()
    core = _core(text)
    info = analyse(core)
    places = list(info.districts) or ([CITY] if info.city else [])
    if _only_place(core):
        return swap_region(previous.standalone, places) if places else question
    if places:
        return question  # a question naming its own place and subject stands alone
    asked = _ASKED.search(previous.standalone)
    topic = previous.standalone[: asked.start() if asked else None].rstrip("，,。 ")
    if _REFERS.search(text):
        return f"{topic}，{core}？"
    before = analyse(previous.standalone)
    region = "、".join(before.districts) or (CITY if before.city else "")
    tail = "？" if _QUESTION_WORD.search(core) or not asked else asked[0].lstrip("，, ") or "？"
    return f"{region}{core}{tail}"


def swap_region(question: str, places: Sequence[str]) -> str:
    """``question`` asked about ``places`` instead of the region it names (or, naming none, about them)."""
    new = "、".join(places)
    old = analyse(question).districts
    if old:
        for district in old:
            short = short_name(district)
            question = re.sub(rf"{district}|{short}(?!新区|区)", new, question)
        return question
    if re.search(r"上海市|上海|全市|本市", question):
        return re.sub(r"上海市|上海|全市|本市", new, question, count=1)
    return f"{new}{question}"


def history_text(history: Sequence[Turn]) -> str:
    """The conversation as the rewrite prompt shows it, one line per question and answer."""
    lines = []
    for turn in history:
        answer = " ".join(turn.answer.split())
        if len(answer) > HISTORY_ANSWER_CHARS:
            answer = answer[:HISTORY_ANSWER_CHARS] + "……"
        lines += [f"用户：{turn.standalone}", f"助手：{answer}"]
    return "\n".join(lines)


def accept_rewrite(question: str, candidate: str) -> str | None:
    """The model's rewrite cleaned to one line, or None when it is unusable or smuggles in an injection."""
    line = next((s.strip() for s in candidate.splitlines() if s.strip()), "")
    line = _LABEL.sub("", line).strip(_QUOTES + " ")
    if not line or len(line) > MAX_REWRITE_CHARS or line.startswith(_NOT_A_QUESTION):
        return None
    if analyse(line).injection and not analyse(question).injection:
        return None
    return line


def standalone(
    info: QueryInfo, history: Sequence[Turn], *, ask_model: Callable[[str, str], str] | None = None
) -> Rewrite:
    """The question (analysed: ``info``) to retrieve with: as asked, rewritten by the model, or carried over.

    Questions that are refused whatever their context (prompt injection, a place outside Shanghai) are
    never rewritten, so no rewrite can launder them.
    """
    question = info.text
    previous = previous_topic(history)
    if previous is None or info.injection or info.outside:
        return Rewrite(question)
    offline = carry_over(question, previous) if is_followup(question) else question
    # The model also sees short questions without a place ("由谁负责？"); it returns complete ones unchanged.
    short = len(_core(question)) <= SHORT_QUESTION_CHARS and not (info.districts or info.city)
    if ask_model is None or not (short or is_followup(question)):
        return Rewrite(offline)
    begun = time.monotonic()
    try:
        rewritten = accept_rewrite(question, ask_model(question, history_text(history)))
    except ModelFailure as failure:
        return Rewrite(offline, failure, time.monotonic() - begun)
    return Rewrite(rewritten or offline, None, time.monotonic() - begun)


def _core(text: str) -> str:
    """The question without its lead word and trailing 呢/punctuation."""
    return _TAIL.sub("", _LEAD.sub("", text)).strip()


def _only_place(core: str) -> bool:
    """Whether ``core`` names a place of Shanghai and nothing else."""
    info = analyse(core)
    if not (info.districts or info.city):
        return False
    return not _FILLER.sub("", strip_places(core))
