"""Clean paragraphs → clause chunks along the documents' own numbering (pure)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from core.figures import FULL_DATE
from core.records import Chunk
from core.text import ENUM_ITEM, PATH_SEP, clause_marker, normalize, sentences

MAX_CHARS = 360

_PROSE = re.compile(r"[，。；,;：:]")


@dataclass(frozen=True)
class Section:
    """A clause before it is cut into chunk-sized windows."""

    path: tuple[str, ...]
    text: str


def _date_line(line: str) -> bool:
    """A line that starts with a full date (a notice's signing date)."""
    match = FULL_DATE.match(line)
    return match is not None and match["year"] is not None


def _is_heading(line: str) -> bool:
    """A short line that names a section rather than saying something."""
    return len(line) <= 40 and "。" not in line and not line.endswith(("；", ";", "：", ":"))


def _is_bare_heading(line: str) -> bool:
    """An unnumbered section title (e.g. 厚植知识产权文化理念)."""
    return len(line) <= 24 and not _PROSE.search(line) and not _date_line(line)


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


def _preamble(paragraphs: list[str], title: str) -> list[Section]:
    """Text before the first heading: the issuing notice (up to its date line), then the lead-in."""
    key = normalize(title)
    body = [p for p in paragraphs if not (normalize(p) and normalize(p) in key)]
    last_date = max((i for i, p in enumerate(body) if _date_line(p)), default=-1)
    sections: list[Section] = []
    if last_date >= 0:
        sections.append(Section(("印发通知",), "\n".join(body[: last_date + 1])))
    rest: list[str] = []
    for paragraph in body[last_date + 1 :]:
        if rest and len(rest[-1]) < 30 and not rest[-1].endswith("。"):
            rest[-1] += "\n" + paragraph
        else:
            rest.append(paragraph)
    for i, paragraph in enumerate(rest, start=1):
        lead = sentences(paragraph)[0].rstrip("。；;") if paragraph else ""
        label = lead if 4 <= len(lead) <= 30 and "\n" not in lead else f"第{i}段"
        sections.append(Section((label,), paragraph))
    return sections


def sections_of(paragraphs: list[str], title: str) -> list[Section]:
    """Walk the paragraphs, keeping a stack of open headings; each prose paragraph becomes clauses."""
    first_heading = next((i for i, p in enumerate(paragraphs) if clause_marker(p) and _is_heading(p)), None)
    if first_heading is None:
        return _preamble(paragraphs, title)
    sections = _preamble(paragraphs[:first_heading], title)
    stack: list[tuple[str, str]] = []
    for paragraph in paragraphs[first_heading:]:
        found = clause_marker(paragraph)
        if found and _is_heading(paragraph):
            kind, label = found[0], paragraph
        elif not found and _is_bare_heading(paragraph):
            kind, label = (stack[-1][0] if stack else "bare"), paragraph
        else:
            base = tuple(label for _, label in stack)
            item = (found[1],) if found else ()
            for enum_label, text in _split_enumeration(paragraph):
                sections.append(Section(base + item + ((enum_label,) if enum_label else ()), text))
            continue
        kinds = [k for k, _ in stack]
        if kind in kinds:
            del stack[kinds.index(kind) :]
        stack.append((kind, label))
    return sections


def _windows(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Windows of whole sentences of at most `limit` characters, overlapping by one sentence."""
    if len(text) <= limit:
        return [text]
    parts = sentences(text)
    windows: list[str] = []
    current: list[str] = []
    for sentence in parts:
        if current and sum(map(len, current)) + len(sentence) > limit:
            windows.append("".join(current))
            current = current[-1:] if len(current[-1]) < limit // 2 else []
        current.append(sentence)
    if current and (not windows or "".join(current) not in windows[-1]):
        windows.append("".join(current))
    return windows


def chunk_id(doc_id: str, clause: str, text: str) -> str:
    """Stable id: the same clause text under the same path always gets the same id."""
    digest = hashlib.sha1(f"{clause}\n{text}".encode()).hexdigest()[:12]
    return f"{doc_id}-{digest}"


def chunks_of(doc_id: str, title: str, region: str, doc_number: str, paragraphs: list[str]) -> list[Chunk]:
    """All chunks of one document, in reading order."""
    chunks: list[Chunk] = []
    seen: set[str] = set()
    for section in sections_of(paragraphs, title):
        clause = PATH_SEP.join((title, *section.path))
        for text in _windows(section.text.strip()):
            cid = chunk_id(doc_id, clause, text)
            if cid in seen:
                continue
            seen.add(cid)
            chunks.append(
                Chunk(
                    chunk_id=cid,
                    doc_id=doc_id,
                    title=title,
                    clause=clause,
                    text=text,
                    region=region,
                    doc_number=doc_number,
                    ordinal=len(chunks),
                )
            )
    return chunks
