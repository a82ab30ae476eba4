"""Keyword tokens by content hash in SQLite, so rebuilding BM25 re-tokenises only changed chunks."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

_BATCH = 500


class Tokenizer(Protocol):
    """Text → keyword tokens; the fingerprint changes whenever the tokens would."""

    @property
    def fingerprint(self) -> str: ...

    def tokens(self, text: str) -> list[str]: ...

    def words(self, text: str) -> list[str]: ...


def token_key(fingerprint: str, text: str) -> bytes:
    """Cache key: the tokenizer and the exact text tokenised."""
    return hashlib.blake2b(f"{fingerprint}\x1f{text}".encode(), digest_size=16).digest()


class TokenCache:
    """Token lists by key; tokens never hold spaces (tokenize._KEEP), so a list is stored space-joined."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS tokens (key BLOB PRIMARY KEY, tokens TEXT NOT NULL)")
        self._db.commit()

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, list[str]]:
        found: dict[bytes, list[str]] = {}
        for start in range(0, len(keys), _BATCH):
            batch = list(keys[start : start + _BATCH])
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"SELECT key, tokens FROM tokens WHERE key IN ({marks})", batch)
            for key, joined in rows:
                found[key] = joined.split(" ") if joined else []
        return found

    def put_many(self, items: dict[bytes, list[str]]) -> None:
        rows = [(k, " ".join(v)) for k, v in items.items()]
        self._db.executemany("INSERT OR REPLACE INTO tokens (key, tokens) VALUES (?, ?)", rows)
        self._db.commit()

    def close(self) -> None:
        self._db.close()


class CachedTokenizer:
    """A tokenizer whose document tokens are cached; questions (tokens()) pass straight through."""

    def __init__(self, *, tokenizer: Tokenizer, cache: TokenCache) -> None:
        self._tokenizer = tokenizer
        self._cache = cache

    @property
    def fingerprint(self) -> str:
        return self._tokenizer.fingerprint

    def tokens(self, text: str) -> list[str]:
        return self._tokenizer.tokens(text)

    def words(self, text: str) -> list[str]:
        return self._tokenizer.words(text)

    def tokens_many(self, texts: Sequence[str]) -> list[list[str]]:
        """tokens() of each text, tokenising (and storing) only texts the cache has not seen."""
        keys = [token_key(self.fingerprint, t) for t in texts]
        known = self._cache.get_many(keys)
        fresh = {k: self._tokenizer.tokens(t) for k, t in zip(keys, texts, strict=True) if k not in known}
        if fresh:
            self._cache.put_many(fresh)
            known.update(fresh)
        return [known[k] for k in keys]

    def close(self) -> None:
        self._cache.close()
