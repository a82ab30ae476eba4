"""The BM25 score matrix in a few array operations, equal bit for bit to what bm25s.BM25.index builds.

bm25s counts terms with a Counter per document; at 100k chunks that loop is most of a rebuild.
Here the whole corpus is one array of (token, document) pairs, counted by one sort.
"""

from __future__ import annotations

import math
import sys
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

_BLOCK = 1 << 20  # pairs scored at a time (8 MB of float64)


class ScoreMatrix(NamedTuple):
    """Scores in CSC form: column t holds the documents containing token t and their scores."""

    data: npt.NDArray[np.float32]
    indices: npt.NDArray[np.int32]
    indptr: npt.NDArray[np.int64]


def idf_lucene(df: int, n: int) -> float:
    """Lucene's idf, ln(1 + (N − df + 0.5)/(df + 0.5)) (bm25s scoring._score_idf_lucene)."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


def score_matrix(
    tokens: npt.NDArray[np.int32],
    lengths: npt.NDArray[np.int64],
    n_vocab: int,
    *,
    k1: float,
    b: float,
) -> ScoreMatrix:
    """score(t, d) = idf(t) · tf / (k1·(1 − b + b·|d|/avgdl) + tf), for `tokens` (every document's
    token ids, concatenated) and `lengths` (tokens per document); float32 like bm25s."""
    # one int64 key per token occurrence, (token << 32) | document, sorted in place: column-major order
    keys = tokens.astype(np.int64)
    keys <<= 32
    keys |= np.repeat(np.arange(len(lengths), dtype=np.int32), lengths)
    keys.sort()
    starts = np.empty(len(keys), dtype=bool)  # where each (token, document) pair starts
    starts[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=starts[1:])
    # each pair's document and token: the int64's two halves read as int32 and picked by the mask, so no
    # int64 array of the pairs is made (memory: the peak of a rebuild at 100k chunks is in this function)
    halves = keys.view(np.int32)
    low = 0 if sys.byteorder == "little" else 1
    rows, columns = halves[low::2][starts], halves[1 - low :: 2][starts]
    count = len(keys)
    del keys, halves  # the largest array goes before the next ones are made
    firsts = np.flatnonzero(starts)
    del starts
    tf = np.empty(len(firsts), dtype=np.float32)  # each pair's term frequency: the length of its run
    np.subtract(firsts[1:], firsts[:-1], out=tf[:-1], casting="unsafe")
    tf[-1:] = count - firsts[-1:]
    del firsts
    df = np.bincount(columns, minlength=n_vocab)
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    # the same float operations, in the same precision, as bm25s's per-document loop (float64 tfc =
    # tf / (norm + tf), times the float32 idf, then rounded to float32), a block at a time so no float64
    # array of every pair is made
    idf = np.array([idf_lucene(int(d), len(lengths)) if d else 0.0 for d in df], dtype=np.float32)
    norm = k1 * ((1 - b) + b * lengths / lengths.mean())
    scores = np.empty(len(tf), dtype=np.float32)
    for at in range(0, len(tf), _BLOCK):
        part = slice(at, at + _BLOCK)
        tfc = norm[rows[part]]
        tfc += tf[part]
        np.divide(tf[part], tfc, out=tfc)
        tfc *= idf[columns[part]]
        scores[part] = tfc
    return ScoreMatrix(scores, rows, indptr)
