"""The whole refusal rule: its measures, calibrated thresholds, the decision and the reason's wording.

Rules that need no threshold come first (a greeting, a place outside Shanghai, an injection or a task,
an empty library, a district with no document, a year no clause speaks of); then a floor derived from
the index (too vague); then two calibrated thresholds (docs/calibration.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.figures import figure_in
from core.places import CITY, NATIONAL, short_name
from core.records import Hit, RefusalReason
from core.text import normalize

from .evidence import EVIDENCE_DEPTH, Quote, Term, idf, states_figure, strength, whole_coverage
from .query import QueryInfo

_YEAR = re.compile(r"(?:19|20)\d{2}年")


@dataclass(frozen=True)
class Thresholds:
    """Refusal thresholds, calibrated on question sets by `ipbot calibrate` (docs/calibration.md).

    evidence: least share of the question's weighted terms one retrieved sentence must cover;
    sentence: the same for the sentence stating the figure a quantity/date question asks for.
    """

    evidence: float = 0.4
    sentence: float = 0.4


def vague_floor(n: int) -> float:
    """Least total term weight of a question: that of one term found in half the clauses.

    A question whose terms together say less (知识产权是什么？ — 知识产权 is in nearly every clause)
    names no topic the documents could answer specifically.
    """
    return idf(n // 2, n) if n else 0.0


@dataclass(frozen=True)
class Measures:
    """The quantities the refusal rule compares with its thresholds."""

    rule: RefusalReason | None  # a refusal that needs no threshold
    weight: float  # total weight of the question's content terms that the index knows
    strength: float  # best sentence coverage among the top hits
    figure: float  # best coverage by a sentence stating the asked kind of figure (1.0 if none is asked)
    asks_figure: bool = False
    missing: tuple[str, ...] = ()  # districts without documents, or years no clause speaks of
    dense: float = 1.0  # the best cosine among the top hits
    cited: bool = False  # an article or 文号 the question names stands in the top hits (第42条讲的是什么)


def figure_coverage(info: QueryInfo, quote: Quote, terms: Sequence[Term]) -> float:
    """How well a sentence stating the asked figure covers the question, read with its clause path (a 主送
    line with its whole notice, which names the document the question is about)."""
    text = quote.hit.chunk.text if info.addressees else quote.text
    counted = [(t, w) for t, w in terms if t in normalize(info.counted)] if info.counted else []
    if counted and max(counted, key=lambda tw: tw[1])[0] not in normalize(text):
        return 0.0  # a count of something else (60件 patents for 多少个专利转化服务平台)
    return whole_coverage(terms, text + quote.hit.chunk.clause)


def _uncovered(info: QueryInfo, regions: Collection[str]) -> tuple[str, ...]:
    """The districts asked about that no indexed document belongs to (none when the city is asked too)."""
    if info.city:
        return ()
    return tuple(d for d in info.districts if d not in regions)


def _speaks_for(info: QueryInfo, hits: Sequence[Hit]) -> bool:
    """Whether the best clause speaks for a place no district document covers: a law (it applies
    everywhere), or a city document that names the place (张江科学城 in the city's regulation)."""
    if not hits:
        return False
    best = hits[0].chunk
    if best.region == NATIONAL:
        return True
    names = [place for place, _ in info.places] + [short_name(d) for d in info.districts]
    return best.region == CITY and any(name in best.text for name in names)


def _unstated_years(info: QueryInfo, hits: Sequence[Hit]) -> tuple[str, ...]:
    """Years the question asks about that none of the retrieved clauses (nor their documents) speaks of."""
    text = "\n".join(f"{h.chunk.title}\n{h.chunk.clause}\n{h.chunk.text}" for h in hits)
    return tuple(y for y in dict.fromkeys(_YEAR.findall(info.read)) if not figure_in(y, text))


def measure(
    info: QueryInfo,
    hits: Sequence[Hit],
    terms: Sequence[Term],
    found: Sequence[Quote],
    *,
    regions: Collection[str],
) -> Measures:
    """Everything the decision needs, before any threshold is applied.

    `found`: the candidate sentences; `regions`: the regions of the indexed documents (empty: no library).
    """
    rule: RefusalReason | None = None
    missing: tuple[str, ...] = ()
    if info.outside:
        rule = RefusalReason.OUTSIDE_SHANGHAI
    elif info.injection or info.task:
        rule = RefusalReason.NOT_A_POLICY_QUESTION
    elif not regions:
        rule = RefusalReason.NOTHING_INDEXED
    elif missing := _uncovered(info, regions):
        all_missing = len(missing) == len(info.districts)
        rule = RefusalReason.DISTRICT_NOT_COVERED if all_missing and not _speaks_for(info, hits) else None
    elif not hits:
        rule = RefusalReason.WEAK_EVIDENCE
    elif missing := _unstated_years(info, hits[:3]):
        rule = RefusalReason.FIGURE_NOT_STATED
    figure = 1.0
    if info.wants_figure:
        stating = [q for q in found if states_figure(q.text, info)]
        figure = max((figure_coverage(info, q, terms) for q in stating), default=0.0)
    weight = sum(w for _, w in terms)
    dense = max((h.scores.dense for h in hits), default=0.0)
    named = any(
        e in f"{h.chunk.clause}\n{h.chunk.doc_number}" for h in hits[:EVIDENCE_DEPTH] for e in info.exact
    )
    return Measures(rule, weight, strength(terms, hits), figure, info.wants_figure, missing, dense, named)


def decide(
    info: QueryInfo, m: Measures, thresholds: Thresholds, *, floor: float, noise: float = 0.0
) -> RefusalReason | None:
    """Why the documents do not answer (None when they do).

    `floor`: see vague_floor; `noise`: the index's noise level (HybridRetriever.noise_floor) — a question
    no closer to the documents than everyday questions are is not answered, whatever words it shares.
    """
    if info.greeting and (m.weight < floor or m.strength < thresholds.evidence):
        return RefusalReason.GREETING
    if m.rule:
        return m.rule
    if m.weight == 0 and not info.about_a_document:
        return RefusalReason.WEAK_EVIDENCE  # no word of the question stands in any document
    if m.weight == 0 and info.which_documents and info.districts:
        return None  # 徐汇区有哪些政策: the district's documents are the answer
    if m.weight < floor and not (info.about_a_document and (info.districts or info.city)):
        return RefusalReason.TOO_VAGUE
    # a short look-up by article or 文号 is far from everything in meaning, but the clause it names answers
    far = 0 < m.dense < noise and not m.cited  # no dense scores (0): keyword search alone
    if m.strength < thresholds.evidence or far:
        return RefusalReason.WEAK_EVIDENCE
    if m.figure < thresholds.sentence:
        return RefusalReason.FIGURE_NOT_STATED
    return None


def answering(
    info: QueryInfo, found: Sequence[Quote], terms: Sequence[Term], thresholds: Thresholds
) -> list[Quote]:
    """The candidates that may be quoted: for a figure question, those stating the figure well enough."""
    if not info.wants_figure:
        return list(found)
    return [
        q
        for q in found
        if states_figure(q.text, info) and figure_coverage(info, q, terms) >= thresholds.sentence
    ]


_WHY = {
    RefusalReason.GREETING: "",
    RefusalReason.OUTSIDE_SHANGHAI: "本助手只收录上海市及各区的知识产权政策，“{place}”不在收录范围内。",
    RefusalReason.NOT_A_POLICY_QUESTION: "这个请求不是知识产权政策咨询，无法处理。",
    RefusalReason.NOTHING_INDEXED: "政策文件库还是空的，请先导入文件（ipbot ingest）。",
    RefusalReason.DISTRICT_NOT_COVERED: "{missing}的政策文件尚未收录（已收录：{covered}）。",
    RefusalReason.TOO_VAGUE: "问题太笼统，请写明想了解的具体事项（如贴息、质押融资、专利开放许可）。",
    RefusalReason.WEAK_EVIDENCE: "已收录的政策文件中没有找到能回答这个问题的条款。",
    RefusalReason.FIGURE_NOT_STATED: "已收录的政策文件没有写明所问的{what}。",
}


def not_stated(info: QueryInfo, m: Measures) -> str:
    """What the documents do not state, as a refusal names it (2025年的情况, 主送单位, 具体数字…)."""
    if m.missing:
        return f"{'、'.join(m.missing)}的情况"
    return "主送单位" if info.addressees else "具体数字、日期或文号"


def why(reason: RefusalReason, info: QueryInfo, m: Measures, regions: Collection[str]) -> str:
    """The specific reason, as the refusal message states it."""
    covered = "、".join(sorted(r for r in regions if r and r not in (CITY, NATIONAL))) or "无"
    if CITY in regions:
        covered = f"上海市及{covered}" if covered != "无" else "上海市"
    what = not_stated(info, m)
    return _WHY[reason].format(place=info.outside, missing="、".join(m.missing), covered=covered, what=what)


def parse_thresholds(data: Mapping[str, Any]) -> Thresholds:
    """Thresholds from a calibration file's content (KeyError/TypeError/ValueError when malformed)."""
    return Thresholds(evidence=float(data["evidence"]["value"]), sentence=float(data["sentence"]["value"]))


def load_thresholds(path: Path | None) -> Thresholds:
    """The calibrated thresholds from `path`, or the built-in defaults when there is no file."""
    if path is None or not path.exists():
        return Thresholds()
    try:
        return parse_thresholds(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: 校准文件损坏（{exc}）；运行 ipbot calibrate --write 重新生成") from exc
