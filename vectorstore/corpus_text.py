"""Every chunk's text in matching form, joined, for "does this word stand anywhere in the documents?".

A substring test scans the whole text: at 100k chunks (16M characters) about 30 ms a word, and a
question asks it for every word the keyword index does not know. The text's character pairs, kept
sorted, answer most of those at once: a word one of whose pairs the text lacks is not in it (exact,
never a false "absent"); only a word whose every pair occurs is looked for in the text itself.

Built when the index changes (Index.rebuild_search, at commit) and saved beside the keyword index for
the catalog generation, not on the first question after a change (~10 s at 100k chunks). A rebuild
reuses the previous build's matching text of every chunk whose text is unchanged (by content hash) and
adds the pairs of the new chunks to the previous pairs: the pairs may then include some of removed
chunks, which only sends a few more words to the substring test (answers stay exact), until a change
removes more than a quarter of the chunks and they are worked out afresh.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

import core.text
from core.records import Chunk
from core.text import normalize

from .folders import fresh_beside, swap_in

Codes = npt.NDArray[np.uint64]
VERSION = "1"  # bump when the saved form changes
_SLICE = 1 << 20  # characters counted at a time (bounds the memory of the exact character set)
_SET_LIMIT = 100_000  # distinct pairs up to which they are also kept as a set (~10 MB at most)
_MAX_STALE = 0.25  # past this share of removed chunks, the pairs are worked out afresh


@cache
def fingerprint() -> str:
    """Changes whenever the matching form could: this format's version and core/text.py (normalize)."""
    source = Path(core.text.__file__).read_bytes()
    return hashlib.sha1(VERSION.encode() + b"\n" + source).hexdigest()[:12]


def text_key(text: str) -> bytes:
    """A chunk's content key: its search text, hashed."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _codes(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _pairs(codes: npt.NDArray[np.uint32]) -> Codes:
    wide = codes.astype(np.uint64)
    return np.asarray((wide[:-1] << np.uint64(32)) | wide[1:], dtype=np.uint64)


def _found(sorted_codes: Codes, wanted: Codes) -> npt.NDArray[np.bool_]:
    """For each wanted code, whether the sorted codes hold it (a binary search each)."""
    at = np.minimum(np.searchsorted(sorted_codes, wanted), len(sorted_codes) - 1)
    return np.asarray(sorted_codes[at] == wanted) if len(sorted_codes) else np.zeros(len(wanted), bool)


def _all_in(sorted_codes: Codes, wanted: Codes) -> bool:
    at = np.searchsorted(sorted_codes, wanted)
    inside = at < len(sorted_codes)
    return bool(inside.all() and (sorted_codes[at] == wanted).all())


def _chars_of(text: str) -> Codes:
    """The text's distinct characters, sorted, counted a slice at a time."""
    seen = np.zeros(0x110000, dtype=bool)
    for start in range(0, len(text), _SLICE):
        seen[_codes(text[start : start + _SLICE])] = True
    return np.flatnonzero(seen).astype(np.uint64)


def _pairs_of(parts: Sequence[str]) -> Codes:
    """Every character pair of the parts as they stand in the joined text, separators included (sorted,
    distinct); each part is taken with a separator on both sides, so it can stand anywhere."""
    found = [np.zeros(0, dtype=np.uint64)]
    batch: list[str] = []
    size = 0
    for part in [*parts, None]:
        if part is not None:
            batch.append(part)
            size += len(part) + 1
        if batch and (part is None or size >= _SLICE):
            found.append(np.unique(_pairs(_codes("\n" + "\n".join(batch) + "\n"))))
            batch, size = [], 0
    return np.unique(np.concatenate(found))


def _merged(old: Codes, new: Codes) -> Codes:
    """Sorted distinct union of two sorted distinct arrays, without sorting the larger again."""
    fresh = new[~_found(old, new)] if len(old) else new
    return np.insert(old, np.searchsorted(old, fresh), fresh) if len(fresh) else old


class CorpusText:
    """The joined text and its sorted distinct characters and character pairs (a superset of the text's
    pairs after incremental builds; the text itself has the last word)."""

    def __init__(
        self,
        text: str,
        *,
        keys: Sequence[bytes] = (),
        starts: Sequence[int] = (),
        chars: Codes | None = None,
        pairs: Codes | None = None,
    ) -> None:
        self.text = text
        self.keys = list(keys)  # content key of each part, in order (empty when built from a bare text)
        self._starts = list(starts)
        self._chars: Codes = _chars_of(text) if chars is None else chars
        self._pairs: Codes = _pairs_of([text]) if pairs is None else pairs
        # a small text's pairs and characters also as sets of strings: looked up without numpy's overhead
        small = len(self._pairs) <= _SET_LIMIT
        self._pair_set = (
            frozenset(chr(p >> 32) + chr(p & 0xFFFFFFFF) for p in self._pairs.tolist()) if small else None
        )
        self._char_set = frozenset(map(chr, self._chars.tolist())) if small else None
        self._at: dict[bytes, int] | None = None  # see part()

    def __contains__(self, needle: str) -> bool:
        """needle in self.text, answered from the character pairs when they rule it out."""
        if len(needle) < 2:
            if self._char_set is not None:
                return not needle or needle in self._char_set
            return not needle or _all_in(self._chars, _codes(needle).astype(np.uint64))
        if self._pair_set is not None:
            pairs = self._pair_set
            return all(needle[i : i + 2] in pairs for i in range(len(needle) - 1)) and needle in self.text
        return _all_in(self._pairs, _pairs(_codes(needle))) and needle in self.text

    def part(self, key: bytes) -> str | None:
        """The matching text of the part whose content key is `key` (text_key of a chunk's search text), as
        build() joined it: normalize() of that text, read back instead of worked out again. None when no
        part has that key. The key → part table is made on first use (~80 bytes a part)."""
        if self._at is None:
            self._at = {k: i for i, k in enumerate(self.keys)}
        at = self._at.get(key)
        return None if at is None else self._part_at(at)

    def parts(self) -> dict[bytes, str]:
        """Each part's matching text by content key."""
        return {k: self._part_at(at) for at, k in enumerate(self.keys)}

    def _part_at(self, at: int) -> str:
        """The at-th part: from its start to the newline before the next part's (or the text's end)."""
        end = self._starts[at + 1] - 1 if at + 1 < len(self._starts) else len(self.text)
        return self.text[self._starts[at] : end]

    @classmethod
    def build(cls, chunks: Sequence[Chunk], previous: CorpusText | None = None) -> CorpusText:
        """normalize(search text) of every chunk, joined by newlines; reuses what `previous` holds."""
        texts = [c.search_text() for c in chunks]
        keys = [text_key(t) for t in texts]
        known = previous.parts() if previous is not None and previous.keys else {}
        parts = [known[k] if k in known else normalize(t) for k, t in zip(keys, texts, strict=True)]
        starts, at = [], 0
        for part in parts:
            starts.append(at)
            at += len(part) + 1
        text = "\n".join(parts)
        removed = len(set(known) - set(keys))
        if previous is None or not known or removed > _MAX_STALE * len(known):
            pairs = _pairs_of(parts)
        else:
            fresh = dict.fromkeys(p for k, p in zip(keys, parts, strict=True) if k not in known)
            pairs = _merged(previous._pairs, _pairs_of(list(fresh)))
        return cls(text, keys=keys, starts=starts, pairs=pairs)

    def save(self, directory: Path, generation: int) -> None:
        """Write to a temporary folder, then swap it in, so a reader never sees half of it."""
        tmp = fresh_beside(directory)
        (tmp / "text.txt").write_text(self.text, encoding="utf-8", errors="surrogatepass")
        np.save(tmp / "chars.npy", self._chars)
        np.save(tmp / "pairs.npy", self._pairs)
        np.save(tmp / "starts.npy", np.asarray(self._starts, dtype=np.int64))
        (tmp / "keys.bin").write_bytes(b"".join(self.keys))
        meta = {"generation": generation, "fingerprint": fingerprint(), "parts": len(self.keys)}
        (tmp / "meta.json").write_text(json.dumps(meta))
        swap_in(tmp, directory)

    @classmethod
    def load(cls, directory: Path, generation: int | None = None) -> CorpusText | None:
        """The saved text if it was built by this code (and for `generation`, unless None), else None."""
        try:
            meta = json.loads((directory / "meta.json").read_text())
            if meta.get("fingerprint") != fingerprint():
                return None
            if generation is not None and meta.get("generation") != generation:
                return None
            raw = (directory / "keys.bin").read_bytes()
            keys = [raw[i : i + 16] for i in range(0, len(raw), 16)]
            starts = np.load(directory / "starts.npy").tolist()
            if len(keys) != meta.get("parts") or len(starts) != len(keys):
                return None
            return cls(
                (directory / "text.txt").read_text(encoding="utf-8", errors="surrogatepass"),
                keys=keys,
                starts=starts,
                chars=np.load(directory / "chars.npy"),
                pairs=np.load(directory / "pairs.npy"),
            )
        except (OSError, ValueError, KeyError):
            return None
