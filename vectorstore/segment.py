"""jieba's precise cut without HMM, one block at a time, with the work shared between a block and its tails.

A question is cut whole (its BM25 tokens) and with its place names blanked (its terms, its respelling):
顾村这边做研发的小公司, then 这边做研发的小公司. jieba's best route from a character to the end of a block
depends only on the text from there on, so a tail's cut is the walk of the whole block's route from where
the tail starts, and a block ending with a tail already cut needs its route worked out only up to the
tail. The routes are jieba's own arithmetic (Tokenizer.get_DAG and Tokenizer.calc, in one pass, each
value worked out as calc does), so the cuts are exactly Tokenizer.lcut(text, HMM=False)
(tests/unit/test_segment.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from math import log

# position → (the log probability of the best route from there to the block's end, the end of its first
# word); one entry more than the block has characters, as jieba's calc() leaves it
Route = list[tuple[float, int]]

_ENG = re.compile("[a-zA-Z0-9]")  # jieba.re_eng: single letters and digits are run together
_SKIP = re.compile(r"(\r\n|\s)")  # jieba.re_skip_default: outside a block, spaces are kept as they are


def route(
    freq: Mapping[str, int], logtotal: float, block: str, tail: tuple[str, Route] | None = None
) -> Route:
    """jieba's best route from every position of `block`; `tail`, a tail of the block and its route, is
    taken as it stands (its positions shifted to the block's)."""
    n = len(block)
    out: Route = [(0.0, 0)] * (n + 1)
    out[n] = (0, 0)  # jieba's end: an int 0, which adds to the floats as jieba's does
    start = n
    if tail is not None:
        text, known = tail
        start = n - len(text)
        out[start:n] = [(value, end + start) for value, end in known[: len(text)]]
    for idx in range(start - 1, -1, -1):
        # get_DAG's words starting here and calc's best of them, in one pass: each candidate is the same
        # (value, end) as calc's, and the greatest wins as under max() (a tie in value goes to the longer)
        best: tuple[float, int] | None = None
        i, count = idx, freq.get(block[idx])  # one look a prefix (None: no word goes on from it)
        while count is not None:
            if count:
                candidate = (log(count) - logtotal + out[i + 1][0], i)
                if best is None or candidate > best:
                    best = candidate
            i += 1
            count = freq.get(block[idx : i + 1]) if i < n else None
        out[idx] = best if best is not None else (log(1) - logtotal + out[idx + 1][0], idx)  # a lone char
    return out


def walk(block: str, best: Route, start: int = 0) -> list[str]:
    """The words of the route from `start` to the block's end (single letters and digits run together)."""
    words: list[str] = []
    buf = ""
    x, n = start, len(block)
    while x < n:
        y = best[x][1] + 1
        word = block[x:y]
        if len(word) == 1 and _ENG.match(word):
            buf += word
        else:
            if buf:
                words.append(buf)
                buf = ""
            words.append(word)
        x = y
    if buf:
        words.append(buf)
    return words


def between_blocks(piece: str) -> list[str]:
    """jieba's cut of text between blocks: each space or line break whole, every other character alone."""
    return [word for part in _SKIP.split(piece) for word in ((part,) if _SKIP.match(part) else part)]
