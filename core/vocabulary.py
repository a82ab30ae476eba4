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
def _plain() -> tuple[re.Pattern[str], dict[str, str]]:
    """The wordings without a gap as one alternation, longest first, and each one's term by its folded form
    (a literal alternation is what keeps reading a question at a few microseconds).

    The alternation is led by a class of the wordings' first characters: an English wording's look-behind
    keeps re from skipping by first character itself, and trying every wording at every position costs
    19 µs a question against 4 µs."""
    plain = {saying: term for saying, term in colloquial_terms().items() if GAP not in saying}
    ordered = sorted(plain, key=len, reverse=True)
    first = re.escape("".join(sorted({saying[0] for saying in ordered})))
    either = "|".join(_saying(saying) for saying in ordered)
    pattern = re.compile(f"(?=[{first}])(?:{either})" if ordered else "(?!)", re.IGNORECASE)
    return pattern, {saying.casefold(): term for saying, term in plain.items()}


@cache
def _gapped() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """The wordings with a gap: (the piece before it, the whole wording's pattern, its term)."""
    return tuple(
        (saying.split(GAP)[0], re.compile(_saying(saying)), term)
        for saying, term in colloquial_terms().items()
        if GAP in saying
    )


def official_terms(text: str) -> tuple[str, ...]:
    """The policy terms the text's everyday wordings stand for, in order, less those it already uses."""
    pattern, terms = _plain()
    found = [(m.start(), terms[m.group(0).casefold()]) for m in pattern.finditer(text)]
    for first, gapped, term in _gapped():
        if first in text and (match := gapped.search(text)):
            found.append((match.start(), term))
    ordered = dict.fromkeys(term for _, term in sorted(found, key=lambda f: f[0]))
    return tuple(t for t in ordered if t not in text)
