"""Hand-made clauses for the keyword-index tests (one title, numbered clauses, the city as region)."""

from __future__ import annotations

from collections.abc import Sequence

from core.records import Chunk
from vectorstore.tokenize import KeywordTokenizer


def chunks_of(doc_id: str, texts: Sequence[str]) -> list[Chunk]:
    """One clause per text, ids `doc_id-n`, in order."""
    return [
        Chunk(f"{doc_id}-{i}", doc_id, "标题", f"标题 › {i}", t, "上海市", "", i) for i, t in enumerate(texts)
    ]


class CountingTokenizer:
    """The real tokenizer, noting every text it is given (one at a time or in a batch)."""

    def __init__(self, inner: KeywordTokenizer, fingerprint: str = "") -> None:
        self._inner = inner
        self.fingerprint = fingerprint or inner.fingerprint
        self.seen: list[str] = []

    def tokens(self, text: str) -> list[str]:
        self.seen.append(text)
        return self._inner.tokens(text)

    def tokens_many(self, texts: Sequence[str]) -> list[list[str]]:
        self.seen += texts
        return [self._inner.tokens(t) for t in texts]

    def words(self, text: str) -> list[str]:
        return self._inner.words(text)
