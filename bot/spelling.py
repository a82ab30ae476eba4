"""Words written with a wrong character that sounds the same (帖息 for 贴息, 申清 for 申请), read as meant.

Only a pair of characters the index has never seen is respelt, one character at a time, and only into a
word the index does use; the most used such word wins. The index is the dictionary: nothing is listed here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise
from typing import Protocol

from core.places import places_in, strip_places
from core.sounds import sound_alikes

from .evidence import FUNCTION_CHARS
from .query import QueryInfo

_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")


class Usage(Protocol):
    """What the index says of words (vectorstore.keyword.KeywordIndex)."""

    def df(self, token: str) -> int:
        """How many clauses use the word."""
        ...

    def fillers(self, pattern: str) -> str:
        """The characters that fill the '?' of a two-character pattern into a word some clause uses."""
        ...


def respelt(text: str, usage: Usage, words: Callable[[str], list[str]]) -> tuple[tuple[str, str], ...]:
    """(as written, as meant) for each pair of characters the dictionary cuts apart (帖 息: no word) that one
    sound-alike character turns into a word the index uses (`words`: the text cut into dictionary words).
    A real word is never respelt: 施行 stays 施行."""
    used = usage.df
    found: dict[str, str] = {}
    places: set[str] | None = None  # looked up once a pair is a candidate (most questions have none)
    for run in _HAN_RUN.findall(strip_places(text)):
        cut = words(run)
        for left, right in pairwise(cut):
            written = left + right
            if len(left) != 1 or len(right) != 1 or written in found or used(written):
                continue
            if left in FUNCTION_CHARS or right in FUNCTION_CHARS:
                continue
            if places is None:
                places = {written for written, _ in places_in(text)}
            if written in places:
                continue
            options = [  # only the sound-alikes that make a used word are looked at (a few of ~100)
                (used(meant), meant)
                for at in range(2)
                for char in sound_alikes(written[at]).intersection(usage.fillers(_blanked(written, at)))
                for meant in [written[:at] + char + written[at + 1 :]]
            ]
            best = max((o for o in options if o[0] > 0), default=None)
            if best is not None:
                found[written] = best[1]
    return tuple(found.items())


def _blanked(word: str, at: int) -> str:
    return word[:at] + "?" + word[at + 1 :]


def meant_text(
    read: str, usage: Usage, words: Callable[[str], list[str]]
) -> tuple[str, tuple[tuple[str, str], ...]]:
    """The text with each respelt word as meant, and the respellings (see respelt)."""
    fixes = respelt(read, usage, words)
    for written, meant in fixes:
        read = read.replace(written, meant)
    return read, fixes


def read_as_meant(info: QueryInfo, usage: Usage, words: Callable[[str], list[str]]) -> QueryInfo:
    """The question with each respelt word as meant (the question as asked is kept in `text`)."""
    return respelt_as(info, *meant_text(info.read, usage, words))


def respelt_as(info: QueryInfo, read: str, fixes: tuple[tuple[str, str], ...]) -> QueryInfo:
    """The question read as `read`, with the respellings `fixes` (meant_text's); itself when none."""
    return replace(info, read=read, respelt=fixes) if fixes else info
