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
    firsts = np.flatnonzero(starts)
    del starts
    pairs = keys[firsts]
    count = len(keys)
    del keys  # the largest array goes before the next ones are made
    tf = np.diff(firsts, append=count).astype(np.float32)
    del firsts
    # the int64's two halves read as int32 (no int64 temporaries): the low word is the document
    halves = pairs.view(np.int32)
    low = 0 if sys.byteorder == "little" else 1
    rows, columns = halves[low::2].copy(), halves[1 - low :: 2].copy()
    del pairs, halves
    df = np.bincount(columns, minlength=n_vocab)
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    # the same float operations, in the same precision, as bm25s's per-document loop (in place, to
    # spare memory: float64 tfc = tf / (norm + tf), times the float32 idf, then rounded to float32)
    idf = np.array([idf_lucene(int(d), len(lengths)) if d else 0.0 for d in df], dtype=np.float32)
    norm = k1 * ((1 - b) + b * lengths / lengths.mean())
    tfc = norm[rows]
    tfc += tf
    np.divide(tf, tfc, out=tfc)
    del tf
    tfc *= idf[columns]
    return ScoreMatrix(tfc.astype(np.float32), rows, indptr)
