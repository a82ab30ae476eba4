"""Chinese characters that sound alike (pypinyin's readings): the ground for reading a typo as meant."""

from __future__ import annotations

import unicodedata
from functools import cache

from pypinyin import Style, pinyin
from pypinyin.pinyin_dict import pinyin_dict


def is_han(char: str) -> bool:
    """A CJK unified ideograph (the basic block)."""
    return "\u4e00" <= char <= "\u9fff"


@cache
def readings(char: str) -> frozenset[str]:
    """The char's readings with tones (every reading of a heteronym: 行 xing2 hang2 …); empty for non-Han."""
    if not is_han(char):
        return frozenset()
    return frozenset(pinyin(char, style=Style.TONE3, heteronym=True)[0])


def word_readings(word: str) -> list[str]:
    """Each character's reading with tone as the word is read (闵行 → min3 hang2); Han words only."""
    return [r[0] for r in pinyin(word, style=Style.TONE3)]


def _toneless(reading: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))


@cache
def _by_sound() -> dict[str, frozenset[str]]:
    """Toneless reading → the Han characters read so (申: shen; 请/清/青: qing)."""
    groups: dict[str, set[str]] = {}
    for code, said in pinyin_dict.items():
        char = chr(code)
        if is_han(char):
            for reading in said.split(","):
                groups.setdefault(_toneless(reading), set()).add(char)
    return {reading: frozenset(chars) for reading, chars in groups.items()}


def sound_alikes(char: str) -> frozenset[str]:
    """Other characters that share a reading with `char`, tones aside (帖 → 贴, 清 → 请)."""
    code = ord(char) if len(char) == 1 else -1
    said = pinyin_dict.get(code, "")
    by_sound = _by_sound()
    found: set[str] = set()
    for reading in said.split(",") if said else ():
        found |= by_sound.get(_toneless(reading), frozenset())
    return frozenset(found - {char})
