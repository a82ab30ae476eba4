"""Clean paragraphs → clause chunks along the documents' own numbering (pure)."""

from __future__ import annotations

import hashlib

from core.records import Chunk
from core.text import PATH_SEP, sentences

from .sections import MAX_CHARS, WHOLE_MAX, Section, outline_sections
from .statute import is_statute, statute_sections

__all__ = ["MAX_CHARS", "WHOLE_MAX", "Section", "chunk_id", "chunks_of", "sections_of"]


def sections_of(paragraphs: list[str], title: str) -> list[Section]:
    """A statute by its articles; any other text by its outline numbering (一、/（一）/1./一是)."""
    sections = (
        statute_sections(paragraphs, title) if is_statute(paragraphs) else outline_sections(paragraphs, title)
    )
    if not sections and paragraphs:  # a text that is nothing but its title line(s) is its own body
        return [Section(("正文",), "\n".join(paragraphs))]
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


def _item_windows(section: Section) -> list[str]:
    """Windows of whole items, each headed by the lead-in so no window loses what its items are."""
    lead = section.lead if len(section.lead) <= MAX_CHARS // 3 else ""
    windows: list[str] = []
    current = [section.lead]
    for item in section.items:
        if len(current) > 1 and sum(map(len, current)) + len(item) > MAX_CHARS:
            windows.append("\n".join(current))
            current = [lead] if lead else []
        current.append(item)
    windows.append("\n".join(current))
    return [piece for window in windows for piece in _windows(window)]


def windows(section: Section) -> list[str]:
    """The chunk texts of one section: whole when it fits, else windows that keep its lead-in."""
    text = section.text.strip()
    if section.whole and len(text) <= WHOLE_MAX:
        return [text]
    if section.items:
        return _item_windows(section)
    return _windows(text)


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
        for text in windows(section):
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
