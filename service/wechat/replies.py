"""What the bot says on WeChat: answers compacted to one message, the welcome and the short notes (pure)."""

from __future__ import annotations

import re

from core.records import Answer, Citation
from core.text import cited_as, clause_tail
from service.wechat.messages import MAX_TEXT_BYTES, truncate_utf8

WELCOME = (
    "您好！我是上海知识产权政策问答助手，根据上海市及各区的政策原文回答问题，并注明出处。"
    "您可以这样问：\n"
    "1. 杨浦区对知识产权质押融资贴息多少？\n"
    "2. 上海市专利转化运用专项行动实施方案是哪天印发的？\n"
    "3. 松江区的商标品牌创新创业基地在哪里？"
)
NOT_TEXT = "目前只能理解文字消息，请直接用文字输入您想咨询的知识产权政策问题。"
TOO_FAST = "您提问太频繁了，请 {seconds} 秒后再试。"
BLOCKED = "抱歉，这个问题无法回答。请换一种说法，只询问知识产权政策相关的内容。"
FAILED = "抱歉，系统暂时无法回答，请稍后再试。"
ELLIPSIS = "……"

_MARK = re.compile(r"\[(\d{1,3})\]")


def short_source(citation: Citation) -> str:
    """《short title》label: how a citation is named on WeChat (as in the answer's 依据 line)."""
    return cited_as(citation.title, citation.clause, citation.region)


def _fit(body: str, footer: str, limit: int) -> str:
    tail = f"\n\n{footer}" if footer else ""
    if len((body + tail).encode("utf-8")) <= limit:
        return body + tail
    room = limit - len((ELLIPSIS + tail).encode("utf-8"))
    if room < limit // 4:  # an absurdly long footer: keep the answer instead
        return truncate_utf8(body, limit - len(ELLIPSIS.encode("utf-8"))) + ELLIPSIS
    cut = truncate_utf8(body, room)
    stop = max(cut.rfind(ch) for ch in "。\n；！？")
    if stop > len(cut) // 2:
        cut = cut[: stop + 1]
    return cut + ELLIPSIS + tail


def wechat_text(answer: Answer, limit: int = MAX_TEXT_BYTES) -> str:
    """The answer as one WeChat text of at most `limit` UTF-8 bytes: 【n】 marks, short sources.

    A source the text names in full is shortened in place; sources it does not name are listed
    at the end as 【n】《title》label. When too long, the text is cut at a sentence, never the sources.
    """
    body = answer.answer.strip()
    footer: list[str] = []
    named = sorted(answer.citations, key=lambda c: len(c.clause), reverse=True)
    for citation in named:
        full = f"《{citation.title}》{clause_tail(citation.clause, citation.title)}"
        if full in body:
            body = body.replace(full, short_source(citation))
    for citation in answer.citations:
        if f"《{citation.title}》" not in body and short_source(citation) not in body:
            footer.append(f"【{citation.n}】{short_source(citation)}")
    body = _MARK.sub(r"【\1】", body)
    return _fit(body, "\n".join(footer), limit)
