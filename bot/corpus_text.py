"""Every chunk's text in matching form, joined, for "does this word stand anywhere in the documents?".

A substring test scans the whole text: at 100k chunks (16M characters) about 30 ms a word, and a
question asks it for every word the keyword index does not know. The text's character pairs, kept
sorted, answer most of those at once: a word one of whose pairs the text lacks is not in it (exact,
never a false "absent"); only a word whose every pair occurs is looked for in the text itself.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Codes = npt.NDArray[np.uint64]


def _codes(text: str) -> npt.NDArray[np.uint32]:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _pairs(codes: npt.NDArray[np.uint32]) -> Codes:
    wide = codes.astype(np.uint64)
    return np.asarray((wide[:-1] << np.uint64(32)) | wide[1:], dtype=np.uint64)


def _all_in(sorted_codes: Codes, wanted: Codes) -> bool:
    at = np.searchsorted(sorted_codes, wanted)
    inside = at < len(sorted_codes)
    return bool(inside.all() and (sorted_codes[at] == wanted).all())


class CorpusText:
    """The joined text and its sorted distinct characters and character pairs."""

    def __init__(self, text: str) -> None:
        self.text = text
        codes = _codes(text)
        self._chars: Codes = np.unique(codes).astype(np.uint64)
        self._pairs: Codes = np.unique(_pairs(codes))

    def __contains__(self, needle: str) -> bool:
        """needle in self.text, answered from the character pairs when they rule it out."""
        if len(needle) < 2:
            return not needle or _all_in(self._chars, _codes(needle).astype(np.uint64))
        return _all_in(self._pairs, _pairs(_codes(needle))) and needle in self.text
