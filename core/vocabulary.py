"""How people say it and how policy texts write it: a shared vocabulary read from a data file."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

COLLOQUIAL = Path(__file__).resolve().parent / "data" / "colloquial_terms.txt"


@cache
def colloquial_terms() -> dict[str, str]:
    """Each everyday wording (垃圾专利) with the term policy texts use for it (非正常专利申请)."""
    found: dict[str, str] = {}
    for line in COLLOQUIAL.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, _, sayings = line.partition(":")
        found.update((saying, term.strip()) for saying in sayings.split())
    return found


def _saying(saying: str) -> str:
    """A Chinese wording as written; an English word whole (IP, not the ip of zip), in any case."""
    return rf"(?<![A-Za-z]){re.escape(saying)}(?![A-Za-z])" if saying.isascii() else re.escape(saying)


@cache
def _pattern() -> re.Pattern[str]:
    ordered = sorted(colloquial_terms(), key=len, reverse=True)
    return re.compile("|".join(_saying(s) for s in ordered), re.IGNORECASE)


@cache
def _folded() -> dict[str, str]:
    return {saying.casefold(): term for saying, term in colloquial_terms().items()}


def official_terms(text: str) -> tuple[str, ...]:
    """The policy terms the text's everyday wordings stand for, in order, less those it already uses."""
    terms = _folded()
    found = dict.fromkeys(terms[m.group(0).casefold()] for m in _pattern().finditer(text))
    return tuple(t for t in found if t not in text)
