"""Statute structure: 编/章/节 headings, 第X条 articles, their 款 (paragraphs) with 项/目 items (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from core.text import DIVISIONS, ITEMS, clause_marker

from .sections import WHOLE_MAX, Section, is_heading, listing, outline_sections, preamble

# An article's first line that only names it: 第三条, 第三条 【立法目的】, 第三条（定义）.
_CAPTION = re.compile(r"^[\s【〔\[（(]*[^，。；：,;:]{0,16}[】〕\]）)]?\s*$")
_DIGITS = "零一二三四五六七八九"
_FRONT = ("题注", "印发通知")


def chinese_number(n: int) -> str:
    """1 → 一, 12 → 十二, 21 → 二十一 (as clause numbers are written, up to 99)."""
    tens, ones = divmod(n, 10)
    if not tens:
        return _DIGITS[ones]
    return f"{_DIGITS[tens] if tens > 1 else ''}十{_DIGITS[ones] if ones else ''}"


@dataclass
class _Article:
    headings: tuple[str, ...]
    label: str
    paragraphs: list[list[str]] = field(default_factory=list)  # 款: a paragraph and its items

    def add(self, paragraph: str) -> None:
        found = clause_marker(paragraph)
        if self.paragraphs and found and found[0] in ITEMS:
            self.paragraphs[-1].append(paragraph)
        elif len(self.paragraphs) == 1 and _CAPTION.match(self.paragraphs[0][0][len(self.label) :]):
            self.paragraphs[0][0] += paragraph if self.paragraphs[0][0] == self.label else " " + paragraph
        else:
            self.paragraphs.append([paragraph])

    def sections(self) -> list[Section]:
        """The whole article when it fits (or has one 款); else one section per 款, labelled 第N款."""
        path = (*self.headings, self.label)
        flat = [p for kuan in self.paragraphs for p in kuan]
        if len(self.paragraphs) == 1:
            return [listing(path, flat)]
        if len("\n".join(flat)) <= WHOLE_MAX:
            return [Section(path, "\n".join(flat), whole=True)]
        return [
            listing((*path, f"第{chinese_number(n)}款"), kuan)
            for n, kuan in enumerate(self.paragraphs, start=1)
        ]


def _article_label(paragraph: str) -> str | None:
    found = clause_marker(paragraph)
    return found[1] if found and found[0] == "article" else None


def _division(paragraph: str) -> tuple[int, str] | None:
    """(depth, label) of a 编/章/节 heading, its name set off by one space: 第七章 法律责任."""
    found = clause_marker(paragraph)
    if not found or found[0] not in DIVISIONS or not is_heading(paragraph):
        return None
    name = paragraph[len(found[1]) :].strip(" \u3000")
    return DIVISIONS.index(found[0]), f"{found[1]} {name}".strip()


def is_statute(paragraphs: list[str]) -> bool:
    """Whether the text is laid out in 第X条 articles (a law, regulation, rule or interpretation).

    One paragraph opening with 第X条 in a text numbered 一、/（一） is a citation, not an article.
    """
    articles = sum(1 for p in paragraphs if _article_label(p))
    return articles > 1 or (articles == 1 and not any(_outline_heading(p) for p in paragraphs))


def _outline_heading(paragraph: str) -> bool:
    found = clause_marker(paragraph)
    return found is not None and found[0] in ITEMS and is_heading(paragraph)


def statute_sections(paragraphs: list[str], title: str) -> list[Section]:
    """Sections of a text laid out in articles: front matter, then one or more per article."""
    start = next(i for i, p in enumerate(paragraphs) if _article_label(p) or _division(p))
    front = paragraphs[:start]
    if any(_outline_heading(p) for p in front):  # e.g. a notice whose attachment is a regulation
        sections = outline_sections(front, title)
    else:  # prose before the first article is the statute's preamble (序言), whatever its length
        sections = [s if s.path[0] in _FRONT else replace(s, path=("序言",)) for s in preamble(front, title)]
    headings: list[tuple[int, str]] = []
    article: _Article | None = None
    loose: list[str] = []  # text under a heading before its first article

    def close() -> None:
        nonlocal article, loose
        if article is not None:
            sections.extend(article.sections())
        elif loose:
            sections.append(listing(tuple(h for _, h in headings) or ("正文",), loose))
        article, loose = None, []

    for paragraph in paragraphs[start:]:
        if division := _division(paragraph):
            close()
            headings = [h for h in headings if h[0] < division[0]] + [division]
        elif label := _article_label(paragraph):
            close()
            article = _Article(tuple(h for _, h in headings), label, [[paragraph]])
        elif article is not None:
            article.add(paragraph)
        else:
            loose.append(paragraph)
    close()
    return sections
