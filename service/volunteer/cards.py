"""The answer card: a quick answer (≤120 字, answer first), its sources with validity, the human channel.

Pure: built from an `Answer` or a published curated answer, with document metadata looked up by id."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from core.records import Answer, DocumentMeta
from core.text import CITATION_MARKER, cited_as

from ..logbook.curated import Curated

MAX_CARD_CHARS = 120
_MARKERS = re.compile(rf"\s*{CITATION_MARKER}")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_PERIOD = re.compile(r"^(\d{4})-(\d{4})年$")
_SOURCE_LINE = re.compile(r"^依据[《：]")  # a quick answer's own source line: the card shows its sources

DocLookup = Callable[[str], DocumentMeta | None]
CardKind = Literal["answer", "refusal"]


@dataclass(frozen=True)
class Source:
    """One cited clause as the card shows it: 依据《short》label, tap for the quote, title and 文号."""

    label: str
    title: str
    doc_number: str
    quote: str
    validity: str  # 有效期至 2027年12月31日 / 已过期（有效期至 …） / 实施期 2024-2026年 / 未注明有效期
    expired: bool


@dataclass(frozen=True)
class Card:
    kind: CardKind
    question: str
    text: str
    sources: tuple[Source, ...]
    channel: str
    answer_id: str = ""
    curated_id: int | None = None

    @property
    def share_text(self) -> str:
        """The card as plain text with its sources (what the share button copies)."""
        lines = [f"问：{self.question}", f"答：{self.text}"]
        for s in self.sources:
            number = f"（{s.doc_number}）" if s.doc_number else ""
            lines.append(f"依据：{s.label}{number}，{s.validity}")
        lines.append(f"如需人工帮助：{self.channel}")
        return "\n".join(lines)


def clip(text: str, limit: int = MAX_CARD_CHARS) -> str:
    """The text without citation markers or line breaks, cut to `limit` characters (… marks a cut)."""
    lines = [line.strip() for line in _MARKERS.sub("", text).splitlines()]
    flat = " ".join(line for line in lines if line and not _SOURCE_LINE.match(line))
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _chinese_date(iso: str) -> str:
    found = _DATE.match(iso)
    if not found:
        return iso
    year, month, day = found.groups()
    return f"{year}年{int(month)}月{int(day)}日"


def validity(meta: DocumentMeta | None, today: date) -> tuple[str, bool]:
    """(label, expired) of a document's stated validity, else of the plan period in its title."""
    if meta is None:
        return "未注明有效期", False
    if not meta.valid_until:
        period = _PERIOD.match(meta.period)
        if period is None:
            return "未注明有效期", False
        if int(period.group(2)) < today.year:
            return f"实施期已结束（{meta.period}）", True
        return f"实施期 {meta.period}", False
    shown = _chinese_date(meta.valid_until)
    try:
        expired = date.fromisoformat(meta.valid_until) < today
    except ValueError:
        return f"有效期至 {shown}", False
    return (f"已过期（有效期至 {shown}）", True) if expired else (f"有效期至 {shown}", False)


def _source(
    doc_id: str, title: str, clause: str, quote: str, region: str, number: str, docs: DocLookup, today: date
) -> Source:
    meta = docs(doc_id)
    label, expired = validity(meta, today)
    region = region or (meta.region if meta else "")
    number = number or (meta.doc_number if meta else "")
    return Source(cited_as(title, clause, region), title, number, quote, label, expired)


def refusal_text(answer: Answer) -> str:
    """The refusal's first paragraph (why it is not answered), without the channel sentence."""
    first = answer.answer.strip().split("\n\n", 1)[0]
    return clip(first) or "已收录的政策文件里没有找到可靠依据，为避免误导，暂不作答。"


def card_of_answer(answer: Answer, *, docs: DocLookup, channel: str, today: date) -> Card:
    """The card of an answer or refusal from the answerer (curated or quick extractive)."""
    if answer.refused:
        return Card("refusal", answer.question, refusal_text(answer), (), channel, answer.answer_id)
    sources = tuple(
        _source(c.doc_id, c.title, c.clause, c.quote, c.region, c.doc_number, docs, today)
        for c in answer.citations
    )
    return Card(
        "answer", answer.question, clip(answer.answer), sources, channel, answer.answer_id, answer.curated_id
    )


def card_of_curated(item: Curated, *, docs: DocLookup, channel: str, today: date) -> Card:
    """The card of a published curated answer (the offline pack, /v/c/{id} and the printed sheet)."""
    sources = tuple(
        _source(c.doc_id, c.title, c.clause, c.quote, "", "", docs, today) for c in item.citations
    )
    return Card("answer", item.question, clip(item.answer), sources, channel, curated_id=item.id)
