"""Clean paragraphs → sections: front matter, and outlines numbered 一、/（一）/1./一是 (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.figures import FULL_DATE
from core.text import ENUM_ITEM, ITEMS, clause_marker, normalize, sentences, starts_clause

MAX_CHARS = 360  # a window of a long clause
WHOLE_MAX = 600  # an article, or a lead-in with its items, stays in one chunk up to this length
SHORT_ITEM = 100  # items this short are a list to keep with its lead-in, not sections of their own

_PROSE = re.compile(r"[，。；,;：:]")
# A date line that records a law's adoption, amendment or entry into force (the 题注), not a signature.
_ADOPTION = re.compile(r"通过|修正|修订|施行|公布|批准")


@dataclass(frozen=True)
class Section:
    """A clause before it is cut into chunk-sized windows.

    ``whole``: kept in one chunk up to WHOLE_MAX characters (an article, a list with its lead-in).
    ``lead``: a lead-in that heads every window of its items when the section must be windowed.
    """

    path: tuple[str, ...]
    text: str
    whole: bool = False
    lead: str = ""
    items: tuple[str, ...] = ()


def listing(path: tuple[str, ...], paragraphs: list[str]) -> Section:
    """Paragraphs kept together; a first paragraph ending in ： followed by items is their lead-in."""
    text = "\n".join(paragraphs)
    if len(paragraphs) > 1 and paragraphs[0].endswith(("：", ":")):
        return Section(path, text, whole=True, lead=paragraphs[0], items=tuple(paragraphs[1:]))
    return Section(path, text, whole=True)


def date_line(line: str) -> bool:
    """A line that starts with a full date (a notice's signing date, a law's adoption)."""
    match = FULL_DATE.match(line)
    return match is not None and match["year"] is not None


def is_heading(line: str) -> bool:
    """A short line that names a section rather than saying something."""
    return len(line) <= 40 and "。" not in line and not line.endswith(("；", ";", "：", ":"))


def _is_bare_heading(line: str) -> bool:
    """An unnumbered section title (e.g. 厚植知识产权文化理念)."""
    return len(line) <= 24 and not _PROSE.search(line) and not date_line(line)


def _is_lead_in(paragraph: str) -> bool:
    return paragraph.endswith(("：", ":")) and len(paragraph) > 6


def _split_enumeration(text: str) -> list[tuple[str, str]]:
    """一是…二是…三是… inside a paragraph → [(label, item)], with any lead-in as label ''."""
    starts = [m.start(1) for m in ENUM_ITEM.finditer(text)]
    if len(starts) < 2 and not (starts and starts[0] == 0):
        return [("", text)]
    parts: list[tuple[str, str]] = []
    if starts[0] > 0:
        parts.append(("", text[: starts[0]]))
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        parts.append((text[start : start + 2], text[start:end]))
    return parts


def _group(paragraphs: list[str]) -> list[list[str]]:
    """Paragraphs of prose in groups: a lead-in keeps its items, a short opening line (称谓) the next."""
    groups: list[list[str]] = []
    open_list = False
    for paragraph in paragraphs:
        item = starts_clause(paragraph)
        if groups and open_list and item:
            groups[-1].append(paragraph)
            continue
        last = groups[-1][-1] if groups else ""
        if groups and len(last) < 30 and not last.endswith(("。", "；", ";")) and not item:
            groups[-1][-1] += "\n" + paragraph
        else:
            groups.append([paragraph])
        open_list = _is_lead_in(groups[-1][-1])
    return groups


def preamble(paragraphs: list[str], title: str) -> list[Section]:
    """Text before the first heading: the issuing notice or 题注 (up to its date line), then the lead-in."""
    key = normalize(title)
    body = [p for p in paragraphs if not (normalize(p) and normalize(p) in key)]
    dates = [i for i, p in enumerate(body) if date_line(p)]
    sections: list[Section] = []
    if dates:
        adoption = all(_ADOPTION.search(body[i]) for i in dates)
        sections.append(Section(("题注" if adoption else "印发通知",), "\n".join(body[: dates[-1] + 1])))
    rest = body[dates[-1] + 1 :] if dates else body
    for i, group in enumerate(_group(rest), start=1):
        first = group[0]
        lead = sentences(first)[0].rstrip("。；;") if first else ""
        label = lead if 4 <= len(lead) <= 30 and "\n" not in lead else f"第{i}段"
        sections.append(listing((label,), group) if len(group) > 1 else Section((label,), first))
    return sections


def _short_list(paragraphs: list[str], start: int) -> int:
    """The end of a list of short items after a lead-in at ``start`` (``start`` + 1 when there is none)."""
    end = start + 1
    if not _is_lead_in(paragraphs[start]):
        return end
    while end < len(paragraphs):
        found = clause_marker(paragraphs[end])
        short = len(paragraphs[end]) <= SHORT_ITEM and not is_heading(paragraphs[end])
        if not found or found[0] not in ITEMS or not short:
            break
        end += 1
    size = sum(map(len, paragraphs[start:end]))
    return end if end - start > 1 and size <= WHOLE_MAX else start + 1


def outline_sections(paragraphs: list[str], title: str) -> list[Section]:
    """Walk the paragraphs, keeping a stack of open headings; each prose paragraph becomes clauses."""
    first_heading = next((i for i, p in enumerate(paragraphs) if clause_marker(p) and is_heading(p)), None)
    if first_heading is None:
        return preamble(paragraphs, title)
    sections = preamble(paragraphs[:first_heading], title)
    stack: list[tuple[str, str]] = []
    i = first_heading
    while i < len(paragraphs):
        paragraph = paragraphs[i]
        found = clause_marker(paragraph)
        if found and is_heading(paragraph):
            kind, label = found[0], paragraph
        elif not found and _is_bare_heading(paragraph):
            kind, label = (stack[-1][0] if stack else "bare"), paragraph
        else:
            base = tuple(label for _, label in stack)
            item = (found[1],) if found else ()
            end = _short_list(paragraphs, i)
            if end > i + 1:
                sections.append(listing(base + item, paragraphs[i:end]))
            else:
                for enum_label, text in _split_enumeration(paragraph):
                    sections.append(Section(base + item + ((enum_label,) if enum_label else ()), text))
            i = end
            continue
        kinds = [k for k, _ in stack]
        if kind in kinds:
            del stack[kinds.index(kind) :]
        stack.append((kind, label))
        i += 1
    return sections
