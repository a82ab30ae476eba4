"""The public surface: answer(question) → Answer and search(question) → hits, over an injected index."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from vectorstore.index import Index

from .chain import ClauseRetriever, Retrieved, build_chain
from .compose import Composition, Measures, choose, citations_and_text, measure
from .errors import InputError
from .evidence import Term, Thresholds
from .prompts import Prompts
from .query import QueryInfo, analyse, with_region
from .records import Answer, Hit
from .retrieve import FusionWeights, HybridRetriever
from .serialize import answer_json

MAX_QUESTION_CHARS = 2000
STREAM_PIECE_CHARS = 24


@dataclass(frozen=True)
class StreamEvent:
    """One event of a streamed answer: `citations`, `delta` (text piece) or `final` (the whole answer)."""

    event: str
    data: dict[str, Any]


_REASONS = {
    "outside_shanghai": "本助手只收录上海市及各区的知识产权政策，问题涉及的“{place}”不在收录范围内。",
    "not_a_policy_question": "这个请求不属于知识产权政策咨询，无法处理。",
    "nothing_indexed": "政策文件库还是空的，请先导入文件（ipbot ingest）。",
    "too_vague": "问题太笼统，现有政策文件中找不到针对性的条款。",
    "weak_evidence": "现有政策文件中没有找到能回答这个问题的条款。",
    "figure_not_found": "现有政策文件没有载明所问的具体数字、日期或文号。",
}


def check_question(question: str) -> str:
    """The question stripped, or InputError when it is empty or too long."""
    text = (question or "").strip()
    if not text:
        raise InputError("问题为空：请输入要咨询的知识产权政策问题")
    if len(text) >= MAX_QUESTION_CHARS:
        raise InputError(f"问题太长（{len(text)} 字）：请精简到 {MAX_QUESTION_CHARS} 字以内")
    return text


@dataclass(frozen=True)
class Options:
    """Per-deployment answer options."""

    channel: str
    thresholds: Thresholds = field(default_factory=Thresholds)
    k: int = 5


class Assistant:
    """Answers questions from the indexed clauses (extractive mode)."""

    def __init__(
        self, *, index: Index, prompts: Prompts, options: Options, weights: FusionWeights | None = None
    ) -> None:
        self._index = index
        self._prompts = prompts
        self._options = options
        self._hybrid = HybridRetriever(index=index, weights=weights)
        self._chain = build_chain(
            retriever=ClauseRetriever(hybrid=self._hybrid, k=options.k), compose=self._compose_quick(False)
        )
        self._quick_chain = build_chain(
            retriever=ClauseRetriever(hybrid=self._hybrid, k=options.k), compose=self._compose_quick(True)
        )

    def terms(self, info: QueryInfo) -> list[Term]:
        return self._hybrid.terms(info)

    def search(self, question: str, k: int = 5) -> list[Hit]:
        """The k best clauses for the question (no answer composed)."""
        return self._hybrid.search(analyse(check_question(question)), k)

    def measures(self, question: str) -> Measures:
        """The refusal rule's inputs for one question (used to calibrate its thresholds)."""
        info = analyse(check_question(question))
        hits = self._hybrid.search(info, self._options.k)
        return measure(info, hits, self.terms(info))

    def decide(self, info: QueryInfo, hits: list[Hit], *, quick: bool) -> Composition:
        """Quotes or refusal for already-retrieved hits (shared with the LLM mode)."""
        return choose(info, hits, self.terms(info), self._options.thresholds, quick=quick)

    def _compose_quick(self, quick: bool) -> Callable[[Retrieved], Answer]:
        def compose(retrieved: Retrieved) -> Answer:
            decision = self.decide(retrieved.info, retrieved.hits, quick=quick)
            return self.render(retrieved.info, retrieved.hits, decision, quick=quick)

        return compose

    def render(self, info: QueryInfo, hits: list[Hit], decision: Composition, *, quick: bool) -> Answer:
        """An Answer from the composer's decision (refusal text from prompts/refusal.toml)."""
        if decision.refusal:
            return Answer(
                question=info.text,
                answer=self.refusal_text(decision.refusal, info, hits),
                refused=True,
                hits=tuple(hits),
                reason=decision.refusal,
                extra={"evidence": round(decision.strength, 3)},
            )
        citations, text = citations_and_text(decision.quotes, quick=quick)
        return Answer(
            question=info.text,
            answer=text,
            refused=False,
            citations=tuple(citations),
            hits=tuple(hits),
            extra={"evidence": round(decision.strength, 3)},
        )

    def refusal_text(self, reason: str, info: QueryInfo, hits: list[Hit]) -> str:
        titles = sorted({d.title for d in self._index.catalog.documents()})
        searched = "、".join(f"《{t}》" for t in titles[:6]) + (
            f" 等 {len(titles)} 份文件" if len(titles) > 6 else ""
        )
        why = _REASONS[reason].format(place=info.outside)
        return self._prompts.refusal.render(
            reason=why, searched=searched or "（无）", channel=self._options.channel
        )

    def answer(self, question: str, *, quick: bool = False, region: str | None = None) -> Answer:
        """Answer one question with quoted, cited clauses, or a plain refusal.

        `region` (a district or 上海市) is the asker's context, used when the question names none.
        """
        text = check_question(question)
        started = time.perf_counter()
        result: Answer = (self._quick_chain if quick else self._chain).invoke(with_region(text, region))
        return replace(result, question=text, latency_ms=int((time.perf_counter() - started) * 1000))

    def stream(
        self, question: str, *, quick: bool = False, region: str | None = None
    ) -> Iterator[StreamEvent]:
        """The answer as events: citations first, then text pieces, then the final answer object."""
        result = self.answer(question, quick=quick, region=region)
        yield StreamEvent("citations", {"citations": [asdict(c) for c in result.citations]})
        for start in range(0, len(result.answer), STREAM_PIECE_CHARS):
            yield StreamEvent("delta", {"text": result.answer[start : start + STREAM_PIECE_CHARS]})
        yield StreamEvent("final", answer_json(result))
