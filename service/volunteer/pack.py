"""The offline pack: published curated answers as cards, with a version that changes when any changes."""

from __future__ import annotations

import hashlib
import json

from .schemas import CardOut, PackOut

VERSION_CHARS = 12


def pack_of(cards: list[CardOut]) -> PackOut:
    """The pack of these cards; its version is a hash of their content (same cards, same version)."""
    body = json.dumps([c.model_dump() for c in cards], ensure_ascii=False, sort_keys=True)
    version = hashlib.sha256(body.encode("utf-8")).hexdigest()[:VERSION_CHARS]
    return PackOut(version=version, items=cards)
