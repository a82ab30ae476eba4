"""The extractive composer: quote the best clauses' sentences verbatim with [n] citations, or refuse."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.split import PATH_SEP, sentences

from .evidence import Term, Thresholds, coverage, figure_rank, states_figure, strength
from .query import QueryInfo
from .records import Citation, Hit

QUICK_LIMIT = 120
_DUTY = re.compile(r"^[（(]\s*责任单位")
_CLAUSE_PIECE = re.compile(r"[^，,；;：:]+[，,；;：:]?")


@dataclass(frozen=True)
class Quote:
    hit: Hit
    text: str
    score: float


@dataclass(frozen=True)
class Composition:
    """What the composer decided: quotes to cite, or the reason to refuse."""

    quotes: tuple[Quote, ...] = ()
    refusal: str = ""
    strength: float = 0.0


def clause_tail(clause: str, title: str) -> str:
    """The clause path without its document title (e.g. 六、… › （二十六）)."""
    tail = clause[len(title) :] if clause.startswith(title) else clause
    return tail.removeprefix(PATH_SEP)


def _sentence_score(terms: Sequence[Term], sentence: str, hit: Hit, info: QueryInfo, prior: float) -> float:
    """Coverage of the question by the sentence in its clause's context, the hit's rank, the figure asked."""
    score = coverage(terms, f"{hit.chunk.clause}\n{sentence}") + 0.3 * prior
    if info.wants_figure:
        # the figure is what was asked: it outweighs the sentence's own share of the topic words
        return score + 0.5 * coverage(terms, sentence) + figure_rank(sentence, info)
    return score + coverage(terms, sentence)


def _trim(sentence: str, terms: Sequence[Term], info: QueryInfo, limit: int) -> str:
    """A verbatim window of the sentence's comma pieces, centred on what the question asks."""
    if len(sentence) <= limit:
        return sentence
    pieces = [m.group(0) for m in _CLAUSE_PIECE.finditer(sentence)]
    best, best_score = sentence[:limit], -1.0
    for start in range(len(pieces)):
        window = ""
        for piece in pieces[start:]:
            if len(window) + len(piece) > limit:
                break
            window += piece
            score = coverage(terms, window) + (0.5 if states_figure(window, info) else 0.0)
            if score > best_score:
                best, best_score = window, score
    return best


@dataclass(frozen=True)
class Measures:
    """The quantities the refusal rule compares with its calibrated thresholds."""

    rule: str  # a refusal that needs no threshold ('' when none applies)
    weight: float  # total weight of the question's content terms
    strength: float  # best sentence coverage among the top hits
    figure: float  # best coverage by a sentence stating the asked kind of figure (1.0 if none is asked)
    asks_figure: bool = False


def _candidates(info: QueryInfo, hits: Sequence[Hit], terms: Sequence[Term]) -> list[Quote]:
    top = (hits[0].scores.fused if hits else 0.0) or 1.0
    found = [
        Quote(hit, sentence, _sentence_score(terms, sentence, hit, info, hit.scores.fused / top))
        for hit in hits[:3]
        for sentence in sentences(hit.chunk.text)
    ]
    return sorted(found, key=lambda q: -q.score)


def _figure_coverage(info: QueryInfo, candidates: Sequence[Quote], terms: Sequence[Term]) -> float:
    if not info.wants_figure:
        return 1.0
    stating = [q for q in candidates if states_figure(q.text, info)]
    return max((coverage(terms, q.text + q.hit.chunk.clause) for q in stating), default=0.0)


def measure(info: QueryInfo, hits: Sequence[Hit], terms: Sequence[Term]) -> Measures:
    """Everything the refusal decision needs, before any threshold is applied."""
    return _measure(info, hits, terms, _candidates(info, hits, terms))


def _measure(
    info: QueryInfo, hits: Sequence[Hit], terms: Sequence[Term], candidates: list[Quote]
) -> Measures:
    rule = ""
    if info.outside:
        rule = "outside_shanghai"
    elif info.injection:
        rule = "not_a_policy_question"
    elif not hits:
        rule = "nothing_indexed"
    weight = sum(w for _, w in terms)
    found = strength(terms, hits)
    figure = _figure_coverage(info, candidates, terms)
    asks = info.wants_figure
    return Measures(rule, weight, found, figure, asks)


def choose(
    info: QueryInfo,
    hits: Sequence[Hit],
    terms: Sequence[Term],
    thresholds: Thresholds,
    *,
    quick: bool,
    floor: float = 0.0,
) -> Composition:
    """Pick the quotes that answer the question, or say why the documents do not.

    `floor` is the least total term weight of a question that names a topic (evidence.vague_floor).
    """
    candidates = _candidates(info, hits, terms)
    m = _measure(info, hits, terms, candidates)
    if m.rule:
        return Composition(refusal=m.rule)
    if m.weight < floor and not (info.about_a_document and (info.districts or info.city)):
        return Composition(refusal="too_vague", strength=m.strength)
    if m.strength < thresholds.evidence:
        return Composition(refusal="weak_evidence", strength=m.strength)
    if m.figure < thresholds.sentence:
        return Composition(refusal="figure_not_found", strength=m.strength)
    if info.wants_figure:
        candidates = [
            q
            for q in candidates
            if states_figure(q.text, info)
            and coverage(terms, q.text + q.hit.chunk.clause) >= thresholds.sentence
        ]
    if not candidates:
        return Composition(refusal="weak_evidence", strength=m.strength)
    first = candidates[0]
    if quick:
        quote = Quote(first.hit, _trim(first.text, terms, info, QUICK_LIMIT - 8), first.score)
        return Composition((quote,), "", m.strength)
    if len(info.districts) > 1:
        return Composition(_per_district(info, candidates), "", m.strength)
    quotes = [first]
    same = [q for q in candidates[1:] if q.hit is first.hit]
    duty = next((s for s in sentences(first.hit.chunk.text) if _DUTY.match(s)), "")
    if info.intent == "who" and duty and duty != first.text:
        quotes.append(Quote(first.hit, duty, 0.0))
    elif same and coverage(terms, first.text + same[0].text) - coverage(terms, first.text) >= 0.15:
        quotes.append(same[0])
    other = next((q for q in candidates[1:] if q.hit.chunk.chunk_id != first.hit.chunk.chunk_id), None)
    # a second source for a figure only from the same region: two regions' numbers side by side mislead
    same_place = not m.asks_figure or (other is not None and other.hit.chunk.region == first.hit.chunk.region)
    if other and same_place and other.score >= 0.85 * first.score and other.text != first.text:
        quotes.append(other)
    return Composition(tuple(quotes), "", m.strength)


def _per_district(info: QueryInfo, candidates: Sequence[Quote]) -> tuple[Quote, ...]:
    """A question about several districts: the best sentence of each district that has one."""
    best = [next((q for q in candidates if q.hit.chunk.region == d), None) for d in info.districts]
    return tuple(q for q in best if q is not None) or (candidates[0],)


def _order(quotes: Sequence[Quote]) -> list[list[Quote]]:
    """Group quotes by chunk (one citation each), sentences in reading order."""
    groups: dict[str, list[Quote]] = {}
    for quote in quotes:
        groups.setdefault(quote.hit.chunk.chunk_id, []).append(quote)
    for group in groups.values():
        text = group[0].hit.chunk.text
        group.sort(key=lambda q: text.find(q.text))
    return list(groups.values())


def citations_and_text(quotes: Sequence[Quote], *, quick: bool) -> tuple[list[Citation], str]:
    """Numbered citations and the answer text that quotes them (connectives only between quotes)."""
    citations: list[Citation] = []
    lines: list[str] = []
    for n, group in enumerate(_order(quotes), start=1):
        chunk = group[0].hit.chunk
        quote = "……".join(q.text for q in group)
        citations.append(
            Citation(
                n, chunk.doc_id, chunk.title, chunk.doc_number, chunk.clause, chunk.region, chunk.text, quote
            )
        )
        source = f"《{chunk.title}》{clause_tail(chunk.clause, chunk.title)}"
        if quick:
            lines.append(f"“{quote}”[{n}]\n来源：{source}")
        else:
            lead = "根据" if n == 1 else "另据"
            lines.append(f"{lead}{source}：“{quote}”[{n}]")
    return citations, "\n".join(lines)
