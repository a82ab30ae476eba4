"""BM25 over jieba tokens (bm25s), persisted beside the catalog and rebuilt when it is stale."""

from __future__ import annotations

import json
import logging
from array import array
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from core.records import Chunk

from .bm25 import score_matrix
from .chunk_tokens import ChunkTokens, chunk_tokens
from .folders import fresh_beside, swap_in
from .token_cache import Tokenizer

if TYPE_CHECKING:
    import bm25s

_SMALL = 4096  # up to this many scores, top_positions sorts them all
# Up to this many chunks, a question's BM25 columns are summed in Python, from each column's (chunk, score)
# pairs read out of the score matrix once per index, and its best picked in Python: no numpy call at all.
# Each numpy call costs 10–30 µs right after the question's embedding against ~2 µs hot (the sparse path
# below makes about twenty), and its code is read back into the caches each time. Hot, the Python sum
# takes ~0.11 µs a pair: 18 / 69 / 143 µs a question at 118 / 500 / 1024 chunks, against 15 / 25 / 39 µs
# for numpy's (docs/benchmarks.md, "Session 17", "Session 18"). The bundled corpus has 8,491 pairs.
PYTHON_SUM_CHUNKS = 1024
K1, B = 1.2, 0.75


def _bm25s() -> Any:
    """The bm25s module, imported on first use (0.2 s, with scipy)."""
    import bm25s

    # bm25s sets its own logger to DEBUG when imported; keep its per-build chatter out of our output.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


class CorpusTokenizer(Tokenizer, Protocol):
    """A tokenizer that also tokenises many documents at once (and may cache them)."""

    def tokens_many(self, texts: Sequence[str]) -> list[list[str]]: ...


def top_positions(scores: npt.NDArray[np.float32], k: int) -> list[int]:
    """Positions of the k largest scores, best first; ties go to the lower position.

    A partition finds the k-th largest value in O(n), so only k positions are ever sorted.
    """
    n = len(scores)
    if k <= 0 or n == 0:
        return []
    if n <= _SMALL:  # one stable sort is cheaper than the partition's several array passes
        return np.argsort(-scores, kind="stable")[:k].tolist()
    if k < n:
        kth = np.partition(scores, n - k)[n - k]
        above = np.flatnonzero(scores > kth)
        tied = np.flatnonzero(scores == kth)[: k - len(above)]
        picked = np.concatenate([above, tied])
    else:
        picked = np.arange(n)
    return picked[np.lexsort((picked, -scores[picked]))].tolist()


class KeywordIndex:
    """BM25 scores for every chunk; positions map to chunk ids."""

    def __init__(self, retriever: bm25s.BM25, ids: list[str], generation: int, fingerprint: str) -> None:
        self._retriever = retriever
        self.ids = ids
        self.generation = generation
        self.fingerprint = fingerprint
        self._starts: list[int] | None = None  # the score matrix's column starts, as Python ints
        self._fillers: dict[str, str] | None = None  # see fillers()
        self._tokens: ChunkTokens | None = None  # the chunks' token ids, from build until saved
        self._pairs: list[list[tuple[int, float]]] | None = None  # see _column_pairs()

    @classmethod
    def build(
        cls,
        chunks: Sequence[Chunk],
        tokenizer: CorpusTokenizer,
        generation: int,
        reuse: Path | None = None,
    ) -> KeywordIndex:
        """Index the chunks; the token ids of the chunks the index saved in `reuse` holds are reused
        (loaded here, so they are freed before the score matrix is built)."""
        previous = ChunkTokens.load(reuse, tokenizer.fingerprint) if reuse is not None else None
        tokens = chunk_tokens([c.search_text() for c in chunks], tokenizer, previous)
        del previous
        retriever = _bm25s().BM25(k1=K1, b=B)
        if len(tokens.lengths):
            matrix = score_matrix(tokens.tokens, tokens.lengths, len(tokens.vocab), k1=K1, b=B)
            # the attributes BM25.index sets, "" (its empty-query token) included
            retriever.scores = {**matrix._asdict(), "num_docs": len(tokens.lengths)}
            vocab = {t: i for i, t in enumerate(tokens.vocab)}
            retriever.vocab_dict = {**vocab, "": len(vocab)}  # a plain dict, as bm25s saves it
            retriever.unique_token_ids_set = set(retriever.vocab_dict.values())
            retriever.nonoccurrence_array = None
        index = cls(retriever, [c.chunk_id for c in chunks], generation, tokenizer.fingerprint)
        index._tokens = tokens
        return index

    def scores(self, query_tokens: list[str]) -> npt.NDArray[np.float32]:
        """BM25 score of every chunk, in `ids` order."""
        scores = np.zeros(len(self.ids), dtype=np.float32)
        if not self.ids:
            return scores
        matrix, starts = self._retriever.scores, self._column_starts()
        spans = [(starts[c], starts[c + 1]) for c in self._columns_of(query_tokens, len(starts) - 1)]
        if spans:  # bm25s's get_scores, in one np.add.at over every column (the same sums, in order)
            rows = np.concatenate([matrix["indices"][a:b] for a, b in spans])
            np.add.at(scores, rows, np.concatenate([matrix["data"][a:b] for a, b in spans]))
        return scores

    def top(self, query_tokens: list[str], k: int) -> list[tuple[str, float]]:
        """The k best chunks by BM25 with a positive score, as (chunk id, score), best first."""
        if 0 < len(self.ids) <= PYTHON_SUM_CHUNKS:
            return self._top_in_python(query_tokens, k)
        raw = self.scores(query_tokens)
        if len(raw) <= _SMALL:  # one stable sort of every score; the positive ones lead it
            ranked = np.argsort(-raw, kind="stable")[: max(k, 0)]
            best = ranked[raw[ranked] > 0]
        else:
            positive = np.flatnonzero(raw > 0)  # usually a small share of the chunks
            best = positive[top_positions(raw[positive], k)]
        return list(zip([self.ids[i] for i in best.tolist()], raw[best].tolist(), strict=True))

    def _top_in_python(self, query_tokens: list[str], k: int) -> list[tuple[str, float]]:
        """top() of a small index without numpy: the same float32 sums in the same order (np.add.at adds the
        columns one after another; a float32 array adds in double and rounds to float32, which gives the
        float32 sum exactly, since a double holds more than twice a float32's digits), the same ties (lower
        position first)."""
        pairs = self._column_pairs()
        picked = self._columns_of(query_tokens, len(pairs))
        if not picked or k <= 0:
            return []
        sums = array("f", bytes(4 * len(self.ids)))
        for column in picked:
            for chunk, score in pairs[column]:
                sums[chunk] += score
        raw = sums.tolist()
        positive = [i for i, score in enumerate(raw) if score > 0]
        best = sorted(positive, key=raw.__getitem__, reverse=True)[:k]  # stable: ties keep position order
        return [(self.ids[i], raw[i]) for i in best]

    def _columns_of(self, query_tokens: list[str], count: int) -> list[int]:
        """The score matrix's columns of the query's tokens, in order (repeats kept; the vocabulary's
        empty-query token has no column: only those below `count`)."""
        vocab = self._retriever.vocab_dict
        return [c for c in (vocab[t] for t in query_tokens if t in vocab) if c < count]

    def _column_pairs(self) -> list[list[tuple[int, float]]]:
        """Each token column's (chunk position, score) pairs in the score matrix's order, read out once per
        index (the scores as Python floats: each the float32 value exactly)."""
        if self._pairs is None:
            matrix, starts = self._retriever.scores, self._column_starts()
            chunks, scores = matrix["indices"].tolist(), matrix["data"].tolist()
            self._pairs = [list(zip(chunks[a:b], scores[a:b], strict=True)) for a, b in pairwise(starts)]
        return self._pairs

    def df(self, token: str) -> int:
        """How many chunks contain the token (the length of its column of the score matrix)."""
        column = self._retriever.vocab_dict.get(token) if self.ids else None
        if column is None:
            return 0
        starts = self._starts or self._column_starts()  # asked ~150 times a question: no call when read
        return starts[column + 1] - starts[column] if column < len(starts) - 1 else 0

    def fillers(self, pattern: str) -> str:
        """The characters that fill the blank of a two-character pattern (帖? or ?息) into a word some chunk
        uses (贴息: 贴 fills ?息). The table is made on first use, once per index."""
        table = self._fillers
        if table is None:
            found: dict[str, list[str]] = {}
            for token in self._retriever.vocab_dict if self.ids else ():
                if len(token) == 2 and self.df(token):
                    found.setdefault("?" + token[1], []).append(token[0])
                    found.setdefault(token[0] + "?", []).append(token[1])
            table = self._fillers = {blank: "".join(chars) for blank, chars in found.items()}
        return table.get(pattern, "")

    def _column_starts(self) -> list[int]:
        """The score matrix's column starts as Python ints, read once per index (a numpy scalar per lookup
        costs more than the lookup)."""
        if self._starts is None:
            self._starts = self._retriever.scores["indptr"].tolist()
        return self._starts

    def save(self, directory: Path) -> None:
        """Write to a temporary folder, then swap it in, so a reader never sees half an index."""
        tmp = fresh_beside(directory)
        if self.ids:
            self._retriever.save(str(tmp), show_progress=False)
        if self._tokens is not None:
            self._tokens.save(tmp)
            self._tokens = None  # not kept while serving (32 MB at 100k chunks)
        (tmp / "ids.json").write_text(
            json.dumps({"generation": self.generation, "fingerprint": self.fingerprint, "ids": self.ids})
        )
        swap_in(tmp, directory)

    @classmethod
    def load(cls, directory: Path, generation: int, fingerprint: str) -> KeywordIndex | None:
        """The saved index if it matches the catalog's generation and the tokenizer, else None."""
        try:
            saved = json.loads((directory / "ids.json").read_text())
        except (OSError, ValueError):
            return None
        if saved.get("generation") != generation or saved.get("fingerprint") != fingerprint:
            return None
        ids = list(saved["ids"])
        bm25 = _bm25s().BM25
        retriever = bm25.load(str(directory), show_progress=False, verbosity=0) if ids else bm25()
        return cls(retriever, ids, generation, fingerprint)
