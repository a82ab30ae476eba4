"""The public surface: answer(question) → Answer and search(question) → hits, over an injected index."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from vectorstore.index import Index

from .chain import ClauseRetriever, Retrieved, build_chain
from .compose import Composition, Measures, choose, citations_and_text, measure
from .errors import InputError
from .evidence import Term, Thresholds
from .followup import Rewrite, Turn, standalone
from .llm import ModelFailure
from .prompts import Prompts
from .query import QueryInfo, analyse, with_region
from .records import Answer, Hit
from .retrieve import FusionWeights, HybridRetriever
from .serialize import answer_json
from .sessions import SessionStore, check_session_id
from .write import Writer, check_reply, given_citations, written_answer

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1999  # a 2,000-character question is refused
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


def check_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """The question stripped, or InputError when it is empty or longer than `max_chars`."""
    text = (question or "").strip()
    if not text:
        raise InputError("问题为空：请输入要咨询的知识产权政策问题")
    if len(text) > max_chars:
        raise InputError(f"问题太长（{len(text)} 字）：请精简到 {max_chars} 字以内")
    return text


@dataclass(frozen=True)
class Options:
    """Per-deployment answer options."""

    channel: str
    thresholds: Thresholds = field(default_factory=Thresholds)
    k: int = 5


@dataclass(frozen=True)
class _Asked:
    """One question after follow-up rewriting, retrieval and the refusal decision."""

    text: str
    rewrite: Rewrite
    session_id: str | None
    retrieved: Retrieved
    decision: Composition
    started: float
    quick: bool


class Assistant:
    """Answers questions from the indexed clauses: quoted (extractive), or written by a model and checked."""

    def __init__(
        self,
        *,
        index: Index,
        prompts: Prompts,
        options: Options,
        weights: FusionWeights | None = None,
        writer: Writer | None = None,
        sessions: SessionStore | None = None,
    ) -> None:
        self._index = index
        self._prompts = prompts
        self._options = options
        self._writer = writer
        self._sessions = sessions
        self._hybrid = HybridRetriever(index=index, weights=weights)
        self._retrieve = build_chain(
            retriever=ClauseRetriever(hybrid=self._hybrid, k=options.k), compose=lambda found: found
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
        thresholds = self._options.thresholds
        return choose(info, hits, self.terms(info), thresholds, quick=quick, floor=self._hybrid.vague_floor())

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

    def answer(
        self, question: str, *, quick: bool = False, region: str | None = None, session_id: str | None = None
    ) -> Answer:
        """Answer one question with cited clauses (quoted, or model-written and checked), or a refusal.

        `region` (a district or 上海市) is the asker's context, used when the question names none;
        `session_id` continues a conversation, so a follow-up such as “那松江呢？” is understood.
        """
        asked = self._ask(question, quick=quick, region=region, session_id=session_id)
        if self._writer is None or not self._uses_model(asked):
            return self._finish(asked, self._extractive(asked))
        info, hits = asked.retrieved.info, asked.retrieved.hits
        try:
            reply = self._writer.reply(info.text, hits, deadline=self._deadline(asked))
            written = check_reply(reply, hits)
            result = written_answer(info.text, hits, written, evidence=asked.decision.strength)
        except ModelFailure as failure:
            result = self._fallback(asked, failure)
        return self._finish(asked, result)

    def stream(
        self, question: str, *, quick: bool = False, region: str | None = None, session_id: str | None = None
    ) -> Iterator[StreamEvent]:
        """The answer as events: citations first, then text pieces, then the final answer object.

        In LLM mode the citations are the clauses given to the model and the pieces are its raw text;
        the final event carries the checked answer, which retracts any sentence the check dropped.
        """
        asked = self._ask(question, quick=quick, region=region, session_id=session_id)
        if self._writer is None or not self._uses_model(asked):
            yield from _pieces(self._finish(asked, self._extractive(asked)))
            return
        info, hits = asked.retrieved.info, asked.retrieved.hits
        yield StreamEvent("citations", {"citations": [asdict(c) for c in given_citations(hits)]})
        pieces: list[str] = []
        try:
            for piece in self._writer.stream_reply(info.text, hits, deadline=self._deadline(asked)):
                pieces.append(piece)
                yield StreamEvent("delta", {"text": piece})
            written = check_reply("".join(pieces), hits)
            result = written_answer(info.text, hits, written, evidence=asked.decision.strength)
        except ModelFailure as failure:
            result = self._fallback(asked, failure)
        yield StreamEvent("final", answer_json(self._finish(asked, result)))

    def _ask(self, question: str, *, quick: bool, region: str | None, session_id: str | None) -> _Asked:
        text = check_question(question)
        started = time.monotonic()
        with_region(text, region)  # a bad region fails here, before any model call
        history = []
        if session_id is not None:
            check_session_id(session_id)
            history = self._sessions.history(session_id) if self._sessions is not None else []
        writer = self._writer
        ask_model = None
        if writer is not None and not quick:

            def ask_model(follow_up: str, conversation: str) -> str:
                # The rewrite gets at most half the model's budget, so the answer keeps the other half.
                deadline = time.monotonic() + writer.timeout_s / 2
                return writer.rewrite(follow_up, conversation, deadline=deadline)

        rewrite = standalone(text, history, ask_model=ask_model)
        retrieved: Retrieved = self._retrieve.invoke(with_region(rewrite.question, region))
        decision = self.decide(retrieved.info, retrieved.hits, quick=quick)
        return _Asked(text, rewrite, session_id, retrieved, decision, started, quick)

    def _uses_model(self, asked: _Asked) -> bool:
        """Refusals are decided before the model is called; quick answers are always quoted."""
        return not (asked.quick or asked.decision.refusal)

    def _deadline(self, asked: _Asked) -> float:
        """When to stop waiting for the answer: LLM_TIMEOUT_S of model time per question, in all."""
        if asked.rewrite.failure is not None:
            raise asked.rewrite.failure  # the model already failed on the rewrite: do not wait twice
        timeout = self._writer.timeout_s if self._writer is not None else 0.0
        return time.monotonic() + timeout - asked.rewrite.waited_s

    def _extractive(self, asked: _Asked) -> Answer:
        info, hits = asked.retrieved.info, asked.retrieved.hits
        return self.render(info, hits, asked.decision, quick=asked.quick)

    def _fallback(self, asked: _Asked, failure: ModelFailure) -> Answer:
        log.warning("LLM mode fell back to the extractive answer: %s", failure)
        result = self._extractive(asked)
        return replace(result, extra={**result.extra, "fallback_reason": failure.reason})

    def _finish(self, asked: _Asked, result: Answer) -> Answer:
        """The answer with the question as asked and its latency; the turn stored in its session."""
        extra = dict(result.extra)
        if asked.session_id is not None:
            extra["rewritten_question"] = asked.rewrite.question
            if self._sessions is not None:
                turn = Turn(asked.text, asked.rewrite.question, result.answer, result.refused, result.reason)
                self._sessions.append(asked.session_id, turn)
        latency = int((time.monotonic() - asked.started) * 1000)
        return replace(result, question=asked.text, latency_ms=latency, extra=extra)


def _pieces(result: Answer) -> Iterator[StreamEvent]:
    """An already-composed answer as stream events."""
    yield StreamEvent("citations", {"citations": [asdict(c) for c in result.citations]})
    for start in range(0, len(result.answer), STREAM_PIECE_CHARS):
        yield StreamEvent("delta", {"text": result.answer[start : start + STREAM_PIECE_CHARS]})
    yield StreamEvent("final", answer_json(result))
