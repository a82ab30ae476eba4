"""Every chunk's keyword tokens as vocabulary ids, kept beside the keyword index for the next rebuild.

A rebuild after a one-file change takes the ids of every unchanged chunk (by its token key: tokenizer
fingerprint and text) from the previous build, so only the new chunks' tokens are ever Python strings;
splitting 8M cached token strings and looking each up in the vocabulary cost ~3 s at 100k chunks.
The vocabulary's order differs from a fresh build's (new tokens come last, unused ones are dropped);
a BM25 score sums a question's tokens in the question's order, so scores are the same bit for bit.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .token_cache import token_key

EMPTY = "∅"  # the token of a chunk with none (BM25 needs at least one per document)
_FILES = ("chunk_tokens.npy", "chunk_lengths.npy", "chunk_keys.bin", "chunk_vocab.json")


class CorpusTokens(Protocol):
    """Texts → token lists, many at once (cached); `fingerprint` names the tokenizer."""

    @property
    def fingerprint(self) -> str: ...

    def tokens_many(self, texts: Sequence[str]) -> list[list[str]]: ...


@dataclass(frozen=True)
class ChunkTokens:
    """Token ids of each chunk, concatenated (`tokens`), with each chunk's length and token key."""

    fingerprint: str
    keys: list[bytes]
    lengths: npt.NDArray[np.int64]
    tokens: npt.NDArray[np.int32]
    vocab: list[str]  # id → token

    def save(self, directory: Path) -> None:
        np.save(directory / _FILES[0], self.tokens)
        np.save(directory / _FILES[1], self.lengths)
        (directory / _FILES[2]).write_bytes(b"".join(self.keys))
        meta = {"fingerprint": self.fingerprint, "vocab": self.vocab}
        (directory / _FILES[3]).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, fingerprint: str) -> ChunkTokens | None:
        """What the last build saved, if made by this tokenizer and whole; else None (a full build)."""
        try:
            meta = json.loads((directory / _FILES[3]).read_text(encoding="utf-8"))
            if meta.get("fingerprint") != fingerprint:
                return None
            raw = (directory / _FILES[2]).read_bytes()
            keys = [raw[i : i + 16] for i in range(0, len(raw), 16)]
            lengths = np.load(directory / _FILES[1])
            tokens = np.load(directory / _FILES[0])
            vocab = list(meta["vocab"])
        except (OSError, ValueError, KeyError):
            return None
        if len(lengths) != len(keys) or int(lengths.sum()) != len(tokens):
            return None
        if len(tokens) and int(tokens.max()) >= len(vocab):
            return None
        return cls(fingerprint, keys, lengths.astype(np.int64), tokens.astype(np.int32), vocab)


def chunk_tokens(texts: Sequence[str], tokenizer: CorpusTokens, previous: ChunkTokens | None) -> ChunkTokens:
    """Each text's token ids; texts the previous build holds keep its ids, the rest are tokenised."""
    fingerprint = tokenizer.fingerprint
    keys = [token_key(fingerprint, t) for t in texts]
    if previous is not None and previous.fingerprint != fingerprint:
        previous = None
    vocab_list = list(previous.vocab) if previous is not None else []
    vocab = {t: i for i, t in enumerate(vocab_list)}
    where: dict[bytes, tuple[int, int]] = {}
    if previous is not None:
        ends = np.cumsum(previous.lengths).tolist()
        starts = [0, *ends[:-1]][: len(ends)]  # none when the last build had no chunks
        where = dict(zip(previous.keys, zip(starts, ends, strict=True), strict=True))
    fresh_at = [i for i, k in enumerate(keys) if k not in where]
    fresh: dict[int, npt.NDArray[np.int32]] = {}
    for at in range(0, len(fresh_at), 2000):  # batch by batch, so token strings never pile up
        batch = fresh_at[at : at + 2000]
        for i, words in zip(batch, tokenizer.tokens_many([texts[i] for i in batch]), strict=True):
            ids = []
            for t in words or [EMPTY]:
                found = vocab.get(t)
                if found is None:
                    found = vocab[t] = len(vocab_list)
                    vocab_list.append(t)
                ids.append(found)
            fresh[i] = np.array(ids, dtype=np.int32)
    old = previous.tokens if previous is not None else np.zeros(0, dtype=np.int32)
    pieces = [fresh[i] if i in fresh else old[slice(*where[k])] for i, k in enumerate(keys)]
    lengths = np.array([len(p) for p in pieces], dtype=np.int64)
    tokens = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
    del pieces, fresh, where, old, vocab, previous
    # drop the tokens no chunk holds any more (a removed chunk's), keeping the others' order
    used = np.bincount(tokens, minlength=len(vocab_list)) > 0
    if not used.all():
        renumber = (np.cumsum(used) - 1).astype(np.int32)
        tokens = renumber[tokens]
        vocab_list = [t for t, keep in zip(vocab_list, used.tolist(), strict=True) if keep]
    return ChunkTokens(fingerprint, keys, lengths, tokens.astype(np.int32, copy=False), vocab_list)
