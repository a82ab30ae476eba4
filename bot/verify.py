"""Check a model-written answer sentence by sentence against the numbered clauses it was given."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.figures import extract_figures, figure_in
from core.records import Dropped
from core.text import CITATION_MARKER, sentences

CONNECTIVE_MAX_CHARS = 15

_MARKER = re.compile(CITATION_MARKER)
_MARKER_NUMBER = re.compile(r"\d+")
_ENDS = "。！？；!?;"
# A sentence saying what the clauses leave open states nothing to check (answer_system.toml, rule 5).
_CAVEAT = re.compile(r"(?:条款|文件|政策)中?(?:均|都|并|尚|也)?(?:未|没有)(?:涉及|提及|载明|写明|规定|明确)")


@dataclass(frozen=True)
class Reattributed:
    """A sentence whose figures its citations did not state, now citing the clause that does."""

    sentence: str
    cited: tuple[int, ...]
    now: int


@dataclass(frozen=True)
class Verification:
    """The checked answer: its text, what was kept, dropped, re-attributed, and the citations used."""

    text: str
    kept: tuple[str, ...]
    dropped: tuple[Dropped, ...]
    removed_citations: tuple[int, ...]
    cited: tuple[int, ...]
    verified: bool
    reattributed: tuple[Reattributed, ...] = ()


def citations_of(sentence: str) -> list[int]:
    """The citation numbers a sentence carries, in order, without repeats."""
    numbers = (int(n) for marker in _MARKER.finditer(sentence) for n in _MARKER_NUMBER.findall(marker[1]))
    return list(dict.fromkeys(numbers))


def verify_answer(text: str, given: Mapping[int, str]) -> Verification:
    """Keep the sentences whose figures stand in the clauses they cite; fix or drop the rest."""
    lines: list[str] = []
    kept: list[str] = []
    dropped: list[Dropped] = []
    removed: list[int] = []
    reattributed: list[Reattributed] = []
    for line in text.splitlines():
        kept_in_line: list[str] = []
        for sentence in sentences(line):
            removed.extend(n for n in citations_of(sentence) if n not in given and n not in removed)
            outcome = _check(sentence, given)
            if isinstance(outcome, Dropped):
                dropped.append(outcome)
                continue
            if isinstance(outcome, Reattributed):
                reattributed.append(outcome)
                outcome = _cite(outcome.sentence, [outcome.now])
            kept_in_line.append(outcome)
        kept.extend(kept_in_line)
        if kept_in_line or not line.strip():
            lines.append("".join(kept_in_line))
    answer = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return Verification(
        text=answer,
        kept=tuple(kept),
        dropped=tuple(dropped),
        removed_citations=tuple(removed),
        cited=tuple(sorted({n for sentence in kept for n in citations_of(sentence)})),
        verified=not (dropped or removed or reattributed),
        reattributed=tuple(reattributed),
    )


def _check(sentence: str, given: Mapping[int, str]) -> str | Dropped | Reattributed:
    """The sentence to keep, the clause to cite it to instead, or why it goes."""
    cited = citations_of(sentence)
    valid = [n for n in cited if n in given]
    figures = extract_figures(sentence)
    if cited and not valid:
        return Dropped(sentence, f"cites only {_markers(cited)}, which the model was not given")
    kept = _only(sentence, valid)
    if not figures:
        if valid or len(sentence) <= CONNECTIVE_MAX_CHARS or _CAVEAT.search(sentence):
            return kept
        return Dropped(sentence, "uncited sentence")
    if not valid:
        return Dropped(sentence, f"figure {figures[0]} has no citation")
    unsupported = [f for f in figures if not any(figure_in(f, given[n]) for n in valid)]
    if not unsupported:
        return kept
    for n in sorted(given):
        if all(figure_in(f, given[n]) for f in figures):
            return Reattributed(sentence, tuple(valid), n)
    return Dropped(sentence, f"figure {unsupported[0]} not in cited clause {_markers(valid)}")


def _only(sentence: str, numbers: Sequence[int]) -> str:
    """``sentence`` with its markers written as [n] and cutting every number not in ``numbers``."""

    def rewrite(marker: re.Match[str]) -> str:
        return _markers([int(n) for n in _MARKER_NUMBER.findall(marker[1]) if int(n) in numbers])

    return _MARKER.sub(rewrite, sentence)


def _cite(sentence: str, numbers: Sequence[int]) -> str:
    """``sentence`` citing exactly ``numbers``, placed before its closing punctuation."""
    bare = _MARKER.sub("", sentence)
    cut = len(bare.rstrip(_ENDS))
    return f"{bare[:cut]}{_markers(numbers)}{bare[cut:]}"


def _markers(numbers: Sequence[int]) -> str:
    return "".join(f"[{n}]" for n in numbers)
