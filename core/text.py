"""Text helpers shared by ingestion and answering: matching form, sentences, clause markers and paths."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

PATH_SEP = " › "  # between the parts of a clause path: 《title》 › 四、… › （二）… › 6.

_UNIFY = (("〔", "["), ("〕", "]"), ("【", "["), ("】", "]"), ("—", "-"), ("–", "-"))
_NOT_COMPARED = re.compile(r"[\s\"'“”‘’「」]")


def to_simplified(text: str) -> str:
    """Traditional characters as simplified ones (楊浦區 → 杨浦区), for matching; quotes keep the source.

    Exactly zhconv.convert(text, "zh-cn"), which walks the text a character at a time, taking the longest
    word of its table that starts there. Only a character that begins a longer word needs that walk; every
    other character is one table lookup, done for a whole stretch at once by str.translate."""
    single, starts_word, walk = _simplifier()
    parts: list[str] = []
    at = 0
    while (found := starts_word.search(text, at)) is not None:
        parts.append(text[at : found.start()].translate(single))
        word, at = walk(text, found.start())
        parts.append(word)
    parts.append(text[at:].translate(single))
    return "".join(parts)


@lru_cache(maxsize=1)
def _simplifier() -> tuple[dict[int, str], re.Pattern[str], Callable[[str, int], tuple[str, int]]]:
    """zhconv's zh-cn table split for to_simplified: a translate table of the characters that begin no longer
    word, a pattern finding those that do, and zhconv's own walk from such a character."""
    from zhconv import zhconv as tables  # a 0.3 s dictionary load, paid by the first question only

    table: dict[str, str] = tables.getdict("zh-cn")
    prefixes: set[str] = tables.pfsdict["zh-cn"]
    leads = {word[0] for word in table if len(word) > 1}
    single = {ord(char): to for char, to in table.items() if len(char) == 1 and char not in leads}
    starts_word = re.compile(f"[{''.join(map(re.escape, sorted(leads)))}]" if leads else "(?!)")

    def walk(text: str, start: int) -> tuple[str, int]:
        """zhconv.convert's step at `start`: the longest table word there (its prefixes all in the prefix
        set), as converted, and where the next step starts; else the character itself."""
        end, piece, best, best_end = start, text[start], None, start
        while end < len(text) and piece in prefixes:
            if piece in table:
                best, best_end = table[piece], end
            end += 1
            piece = text[start : end + 1]
        return (text[start], start + 1) if best is None else (best, best_end + 1)

    return single, starts_word, walk


def normalize(text: str) -> str:
    """Form for matching only (never for quoting): NFKC, unified quotes and brackets, no whitespace."""
    text = unicodedata.normalize("NFKC", text)
    for old, new in _UNIFY:  # str.replace skips a missing character at memchr speed; translate() does not
        if old in text:
            text = text.replace(old, new)
    return _NOT_COMPARED.sub("", text).lower()


@lru_cache(maxsize=4096)  # a question's words, most of them asked again and again (专利, 贴息, 申请)
def normalize_word(word: str) -> str:
    """normalize() of a word or short term, remembered."""
    return normalize(word)


# A citation marker such as [1] or 【2、3】 after a sentence belongs to that sentence.
CITATION_MARKER = r"[\[【]\s*(\d{1,3}(?:\s*[,，、]\s*\d{1,3})*)\s*[\]】]"
_SENTENCE = re.compile(rf".+?(?:[。！？；!?;…]+[”’」』）)]*(?:[ \t]*{CITATION_MARKER})*|$)")


def sentences(text: str) -> list[str]:
    """Whole sentences (closing quotes and citation markers stay with theirs); a line break ends one too."""
    return [
        s for line in text.split("\n") for s in (m.group(0).strip() for m in _SENTENCE.finditer(line)) if s
    ]


# A notice's 主送 line: organs (…政府, …委、办、局, 各街道办事处) listed and closed with a colon.
_ORGAN = r"[^\s。；;：:，,、]{0,16}(?:政府|委员会|委|办|局|厅|部门|单位|办事处|街道|镇|乡|院|所|会|中心|公司)"
_ADDRESSEES = re.compile(rf"^{_ORGAN}(?:[、，,]{_ORGAN})*\s*[:：]$")


def addresses(line: str) -> bool:
    """Whether a line is a notice's 主送 line (各区人民政府,市政府各委、办、局:)."""
    return len(line) <= 80 and bool(_ADDRESSEES.match(line.strip()))


_CN = "一二三四五六七八九十百"
_NUM = r"[一二三四五六七八九十百千零〇\d]+"
# (kind, pattern) in the order they are tried; the kind decides nesting, not the order of appearance.
# 编 › 章 › 节 head a statute's divisions; 第X条 is an article, 第X款 one of its paragraphs.
CLAUSE_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("article", re.compile(rf"^第{_NUM}条(?:之[一二三四五六七八九十]+)?")),
    ("part", re.compile(rf"^第{_NUM}编")),
    ("chapter", re.compile(rf"^第{_NUM}章")),
    ("section", re.compile(rf"^第{_NUM}节")),
    ("paragraph", re.compile(rf"^第{_NUM}款")),
    ("cn", re.compile(rf"^[{_CN}]+、")),
    ("paren", re.compile(rf"^[（(][{_CN}]+[）)]")),
    ("arabic", re.compile(r"^\d{1,2}\s*[\.．、](?!\d)")),
    ("arabic_paren", re.compile(r"^[（(]\d{1,2}[）)]")),
)
# Kinds that head a division of a statute (outermost first), and the kinds of a list item.
DIVISIONS = ("part", "chapter", "section")
ITEMS = ("cn", "paren", "arabic", "arabic_paren")
# 一是…二是… items inside a paragraph (the lead-in ends with 。 or ；).
ENUM_ITEM = re.compile(rf"(?:(?<=^)|(?<=[。；;]))([{_CN[:-1]}]是)")


def clause_marker(line: str) -> tuple[str, str] | None:
    """(kind, label) of the clause number a line starts with, the label in one spelling (（二）, 6.)."""
    for kind, pattern in CLAUSE_MARKERS:
        match = pattern.match(line)
        if match:
            label = match.group(0).strip().replace("(", "（").replace(")", "）").replace("．", ".")
            return kind, re.sub(r"\s+", "", label)
    return None


def starts_clause(line: str) -> bool:
    """Whether a line begins a numbered clause or a 一是… item (so it never continues the line before)."""
    return clause_marker(line) is not None or bool(ENUM_ITEM.match(line))


def clause_tail(clause: str, title: str) -> str:
    """The clause path without its document title (e.g. 六、… › （二十六）)."""
    tail = clause[len(title) :] if clause.startswith(title) else clause
    return tail.removeprefix(PATH_SEP)


def clause_label(clause: str, title: str) -> str:
    """The clause's own number (（二十六）, 第三条); an arabic item or 款 keeps its parent: 第三条第二款."""
    segments = [s.strip() for s in clause_tail(clause, title).split(PATH_SEP) if s.strip()]
    if not segments:
        return ""
    labels = [found[1] if (found := clause_marker(s)) else "" for s in segments]
    last = labels[-1] or segments[-1][:12]
    nested = labels[-1][:1].isdigit() or labels[-1].endswith("款")
    if nested and len(labels) > 1 and labels[-2]:
        return labels[-2] + last
    return last


_BRACKETED_TAIL = re.compile(r"[（(][^（）()]*[）)]$")
_DISTRICT_IN_TITLE = re.compile(r"^上海市(?=\S{2,3}区)")


def short_title(title: str, region: str = "") -> str:
    """A document's name as a citation shows it: without 中华人民共和国, a trailing （…） or a 上海市 before
    its district, and with its district in front when the title does not name it (a 区's reply letter)."""
    name = title.replace("中华人民共和国", "")
    name = _DISTRICT_IN_TITLE.sub("", _BRACKETED_TAIL.sub("", name).strip()) or title
    district = region if region.endswith("区") else ""
    if district and district.removesuffix("区").removesuffix("新") not in name:
        name = f"{district}{name}"
    return name


def cited_as(title: str, clause: str, region: str = "") -> str:
    """《short title》label: how an answer names the clause it quotes (《专利法》第七十一条)."""
    return f"《{short_title(title, region)}》{clause_label(clause, title)}"
