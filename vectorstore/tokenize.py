"""Chinese keyword tokens for BM25: jieba with the IP-policy dictionary, compounds kept with their parts."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from math import log
from pathlib import Path
from typing import TYPE_CHECKING

from .segment import Route, between_blocks, route, walk

if TYPE_CHECKING:
    import jieba

STOPWORDS = frozenset(
    "的 了 是 和 与 及 或 在 有 对 为 以 将 把 被 等 于 并 也 都 而 其 之 这 那 个 吗 呢 吧 啊 么 "
    "哪 哪些 哪个 哪里 哪儿 什么 怎么 怎样 如何 多少 几 几个 是否 是不是 能否 可以 能 会 要 "
    "请问 请 我 我们 你 你们 他 她 它 一下 一个 一些 什么样 为什么 谁 吗 啥 呀 给 让 "
    "目前 现在 关于 进行 开展 相关 有关 方面 工作 情况 问题 如下 "
    # question words: they say what is asked, not what it is about
    "比如 例如 譬如 时候 什么时候 多久 多长 多大 多高 有没有 没有 是不是 能不能 可不可以 要不要 "
    "哪所 哪家 哪位 哪种 哪类 哪项 哪天 哪年 怎么办 怎样才能 什么样 一下子 一次 具体 主要 呀 哦 "
    "需要 应该 能够 可能 已经 还是 还有 以及 或者 告诉 知道 了解 想 想问 问问 咨询 "
    "哪几年 几年 有效期 期限 适用".split()
)
_KEEP = re.compile(r"[\w%.]+", re.UNICODE)
_DIGITS = re.compile(r"^[\d.]+%?$")
# jieba's own blocks (jieba.re_han_default): its precise cut of a text is the cuts of these, in order
_BLOCK = re.compile(r"([\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]+)", re.U)


class _Cuts:
    """One question's cuts: each block's words, and each tokenizer's routes (vectorstore.segment)."""

    def __init__(self) -> None:
        self.words: dict[tuple[str, str], list[str]] = {}  # (tokenizer fingerprint, block) → its cut
        self.routes: dict[str, list[tuple[str, Route]]] = {}  # fingerprint → (block, its route), in order


_cuts: ContextVar[_Cuts | None] = ContextVar("ipbot_cuts", default=None)


@contextmanager
def cutting_once() -> Iterator[None]:
    """Within this block (one question, this thread) jieba cuts each distinct block of text once.

    A question is cut several times over (its words for respelling, its tokens for BM25, its tokens
    without place names for the weighted terms); most of their blocks are the same text, and the rest
    tails of them (the text after a place name). The cuts are exactly jieba's, and forgotten at the end
    of the block, so nothing is reused across questions.
    """
    token = _cuts.set(_Cuts())
    try:
        yield
    finally:
        _cuts.reset(token)


TOKENIZER_VERSION = "3"  # bump when tokens() changes, so saved keyword indexes are rebuilt


def _dictionary_path() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "dict" / "ip_terms.txt"


def _load_jieba(user_dict: str) -> jieba.Tokenizer:
    """jieba's own dictionary plus ours (one `word [freq]` a line)."""
    import jieba  # 0.2 s to import: only when tokens are needed

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for line in user_dict.splitlines():
        parts = line.split()
        if parts:
            tokenizer.add_word(parts[0], int(parts[1]) if len(parts) > 1 else None)
    return tokenizer


class KeywordTokenizer:
    """Tokens for the keyword index; the same function serves documents and questions.

    jieba's dictionary (about 0.6 s) loads on the first call that needs it, not at construction.
    """

    def __init__(self, *, user_dict: Path | None = None) -> None:
        path = user_dict or _dictionary_path()
        self._user_dict = path.read_text(encoding="utf-8")
        self.fingerprint = hashlib.sha1(f"{TOKENIZER_VERSION}\n{self._user_dict}".encode()).hexdigest()[:12]
        self._loaded: jieba.Tokenizer | None = None
        self._lock = threading.Lock()
        # the same compounds come back question after question (知识产权, 质押融资): their parts are looked
        # up once, not a dictionary lookup per substring each time
        self._parts = lru_cache(maxsize=4096)(self._parts)  # type: ignore[method-assign]

    @property
    def _jieba(self) -> jieba.Tokenizer:
        loaded = self._loaded
        if loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = _load_jieba(self._user_dict)
                loaded = self._loaded
        return loaded

    def is_word(self, text: str) -> bool:
        """True when the dictionary knows the string as a word."""
        return bool(self._jieba.FREQ.get(text))

    def words(self, text: str) -> list[str]:
        """The text cut into dictionary words as written (no normalising, no stopwords dropped)."""
        return self._cut(text)

    def _cut(self, text: str) -> list[str]:
        """jieba's precise cut without HMM; within cutting_once(), each block's cut is remembered."""
        memo = _cuts.get()
        if memo is None:
            return self._jieba.lcut(text, HMM=False)
        out: list[str] = []
        for block in _BLOCK.split(text):
            if block:
                key = (self.fingerprint, block)
                cut = memo.words.get(key)
                if cut is None:
                    cut = memo.words[key] = (
                        self._cut_block(block, memo) if _BLOCK.match(block) else between_blocks(block)
                    )
                out += cut
        return out

    def _cut_block(self, block: str, memo: _Cuts) -> list[str]:
        """One block's cut: walked from the route of a block it ends, else routed from a tail of its own."""
        routes = memo.routes.setdefault(self.fingerprint, [])
        for whole, best in routes:
            if len(whole) > len(block) and whole.endswith(block):
                return walk(whole, best, len(whole) - len(block))
        tail = max(
            ((b, r) for b, r in routes if block.endswith(b)), key=lambda known: len(known[0]), default=None
        )
        jieba = self._jieba
        best = route(jieba.FREQ, log(jieba.total), block, tail)
        routes.append((block, best))
        return walk(block, best)

    def _parts(self, word: str) -> tuple[str, ...]:
        """Dictionary words inside a compound (知识产权质押融资 → 知识产权, 质押, 融资, 质押融资 …)."""
        found = []
        for size in range(2, len(word)):
            for start in range(len(word) - size + 1):
                piece = word[start : start + size]
                if self.is_word(piece):
                    found.append(piece)
        return tuple(found)

    def tokens(self, text: str) -> list[str]:
        """Normalised tokens: precise cut, plus the dictionary parts of every compound."""
        text = unicodedata.normalize("NFKC", text).lower()
        out: list[str] = []
        for word in self._cut(text):
            word = word.strip()
            if not word or not _KEEP.fullmatch(word) or word in STOPWORDS:
                continue
            out.append(word)
            if len(word) > 2 and not _DIGITS.match(word):
                out.extend(p for p in self._parts(word) if p not in STOPWORDS)
        return out

    def tokens_many(self, texts: Sequence[str]) -> list[list[str]]:
        """tokens() of each text, in order."""
        return [self.tokens(t) for t in texts]
