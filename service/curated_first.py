"""Published 精选答案 served first for quick questions (the API's `quick`, WeChat, the hit test, the CLI)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from bot.query import QueryInfo, analyse, with_region
from core.records import Answer, Citation

from .index_reader import IndexReader
from .logbook.curated import Curated, CuratedState, CuratedStore
from .logbook.matching import best_match


def curated_answers(
    path: Path, reader: IndexReader, *, clock: Callable[[], float] = time.time
) -> CuratedStore:
    """The curated answers in the state store at `path`, checked against the index `reader` reads."""
    return CuratedStore(path, lookup=reader.clause, document=reader.document, clock=clock)


def curated_answer(
    item: Curated, question: str, clause_text: Callable[[str], str], latency_ms: int
) -> Answer:
    """The curated answer as every channel reports an answer: its citations numbered [1], [2] …"""
    citations = tuple(
        Citation(
            n=n,
            doc_id=c.doc_id,
            title=c.title,
            doc_number=c.doc_number,
            clause=c.clause,
            region=c.region,
            text=clause_text(c.chunk_id) or c.quote,
            quote=c.quote,
        )
        for n, c in enumerate(item.citations, 1)
    )
    markers = "".join(f"[{c.n}]" for c in citations)
    return Answer(
        question=question,
        answer=f"{item.answer}{markers}",
        refused=False,
        citations=citations,
        latency_ms=latency_ms,
        curated_id=item.id,
    )


class CuratedFirst:
    """Finds the published curated answer a question asks for and counts the serve."""

    def __init__(
        self,
        *,
        store: CuratedStore,
        read: Callable[[str], QueryInfo] = analyse,
        switched_off: Callable[[], frozenset[str]] = frozenset,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._read = read
        self._switched_off = switched_off
        self._clock = clock

    def serve(self, question: str, *, region: str | None = None) -> Answer | None:
        """The matching published answer (its hit counted), or None: the bot composes the answer."""
        started = self._clock()
        off = self._switched_off()  # a curated answer quoting a clause switched off is not served
        published = [
            c
            for c in self._store.list(CuratedState.PUBLISHED)
            if not any(q.chunk_id in off for q in c.citations)
        ]
        if not published:
            return None
        info = self._read(with_region(question, region))
        match = best_match(question, info, published, self._read)
        if match is None:
            return None
        self._store.count_hit(match.curated.id)
        latency = int((self._clock() - started) * 1000)
        return curated_answer(match.curated, question, self._clause_text, latency)

    def _clause_text(self, chunk_id: str) -> str:
        chunk = self._store.clause(chunk_id)
        return chunk.text if chunk else ""
