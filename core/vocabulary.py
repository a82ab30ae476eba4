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


GAP = "…"  # in a wording, up to a few characters of the asker's own (补…利息: 补多少利息, 补点利息)
_GAP_CHARS = r"[^，。？！；,.?!;\s]{0,4}"


def _saying(saying: str) -> str:
    """A Chinese wording as written (a … standing for a short gap); an English word whole (IP, not the ip
    of zip), in any case."""
    if saying.isascii():
        return rf"(?<![A-Za-z]){re.escape(saying)}(?![A-Za-z])"
    return _GAP_CHARS.join(re.escape(piece) for piece in saying.split(GAP))


@cache
def _pattern() -> tuple[re.Pattern[str], tuple[str, ...]]:
    """One pattern for every wording, longest first, and the term each numbered group stands for."""
    ordered = sorted(colloquial_terms().items(), key=lambda item: len(item[0]), reverse=True)
    pattern = "|".join(f"(?P<w{n}>{_saying(saying)})" for n, (saying, _) in enumerate(ordered))
    return re.compile(pattern, re.IGNORECASE), tuple(term for _, term in ordered)


def official_terms(text: str) -> tuple[str, ...]:
    """The policy terms the text's everyday wordings stand for, in order, less those it already uses."""
    pattern, terms = _pattern()
    found = dict.fromkeys(terms[int(str(m.lastgroup)[1:])] for m in pattern.finditer(text))
    return tuple(t for t in found if t not in text)
