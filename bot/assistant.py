"""The public surface: answer(question) → Answer and stream(question) → events, over an injected index."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import Protocol

from core.errors import InputError, ModelFailure
from core.records import (
    Answer,
    Citation,
    CitationsEvent,
    DeltaEvent,
    FinalEvent,
    Hit,
    RefusalReason,
    StreamEvent,
)
from vectorstore.index import Index

from .compose import Composition, choose, citations_and_text, place_note, uncovered_note
from .evidence import Term, candidates
from .explain import considered
from .followup import Rewrite, Turn, standalone
from .prompts import Prompts
from .query import QueryInfo, analyse, with_region
from .refusal import Measures, Thresholds, measure, not_stated, why
from .retrieve import FusionWeights, HybridRetriever
from .sessions import SessionStore, check_session_id
from .write import check_reply, given_citations, written_answer

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1999  # a 2,000-character question is refused
_RELATIVE_YEAR_OFFSET = {"今年": 0, "本年": 0, "去年": -1, "上年": -1, "明年": 1}
_RELATIVE_YEAR = re.compile("|".join(_RELATIVE_YEAR_OFFSET))
STREAM_PIECE_CHARS = 24


def check_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """The question stripped, or InputError when it is empty or longer than `max_chars`."""
    text = (question or "").strip()
    if not text:
        raise InputError("问题为空：请输入要咨询的知识产权政策问题")
    if len(text) > max_chars:
        raise InputError(f"问题太长（{len(text)} 字）：请精简到 {max_chars} 字以内")
    return text


class AnswerWriter(Protocol):
    """The model's part of LLM mode (bot.chain.Writer); every call ends by `deadline` (time.monotonic)."""

    timeout_s: float

    def reply(self, question: str, hits: Sequence[Hit], *, deadline: float) -> str: ...

    def stream_reply(self, question: str, hits: Sequence[Hit], *, deadline: float) -> Iterator[str]: ...

    def rewrite(self, question: str, history: str, *, deadline: float) -> str: ...


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
    info: QueryInfo
    hits: list[Hit]
    terms: list[Term]
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
        writer: AnswerWriter | None = None,
        sessions: SessionStore | None = None,
        branches: Executor | None = None,
    ) -> None:
        self._index = index
        self._prompts = prompts
        self._options = options
        self._writer = writer
        self._sessions = sessions
        self._hybrid = HybridRetriever(index=index, weights=weights, branches=branches)

    def search(self, question: str, k: int = 5) -> list[Hit]:
        """The k best clauses for the question (no answer composed)."""
        text = check_question(question)
        with self._index.one_question():
            return self._hybrid.understand(text, k).hits

    def measures(self, question: str) -> Measures:
        """The refusal rule's inputs for one question (used to calibrate its thresholds)."""
        info = analyse(check_question(question))
        with self._index.one_question():
            info = self._hybrid.meant(info)
            terms = self._hybrid.terms(info)
            hits = self._hybrid.search(info, self._options.k, terms)
            regions = self._hybrid.regions()
        return measure(info, hits, terms, candidates(info, hits, terms), regions=regions)

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
        try:
            reply = self._writer.reply(asked.info.text, asked.hits, deadline=self._deadline(asked))
            result = self._written(asked, reply)
        except ModelFailure as failure:
            result = self._fallback(asked, failure)
        return self._finish(asked, result)

    def stream(
        self, question: str, *, quick: bool = False, region: str | None = None, session_id: str | None = None
    ) -> Iterator[StreamEvent]:
        """The answer as events: citations first, then text pieces, then the final answer.

        In LLM mode the citations are the clauses given to the model and the pieces are its raw text;
        the final event carries the checked answer, which retracts any sentence the check dropped.
        """
        asked = self._ask(question, quick=quick, region=region, session_id=session_id)
        if self._writer is None or not self._uses_model(asked):
            yield from _pieces(self._finish(asked, self._extractive(asked)))
            return
        yield CitationsEvent(given_citations(asked.hits))
        pieces: list[str] = []
        try:
            for piece in self._writer.stream_reply(
                asked.info.text, asked.hits, deadline=self._deadline(asked)
            ):
                pieces.append(piece)
                yield DeltaEvent(piece)
            result = self._written(asked, "".join(pieces))
        except ModelFailure as failure:
            result = self._fallback(asked, failure)
        yield FinalEvent(self._finish(asked, result))

    def _ask(self, question: str, *, quick: bool, region: str | None, session_id: str | None) -> _Asked:
        text = check_question(question)
        started = time.monotonic()
        asked = with_region(text, region)  # a bad region fails here, before any model call
        rewrite = Rewrite(text)
        if session_id is not None:
            check_session_id(session_id)
            history = self._sessions.history(session_id) if self._sessions is not None else []
            if history:
                rewrite = standalone(analyse(text), history, ask_model=self._rewriter(quick))
                if rewrite.question != text:
                    asked = with_region(rewrite.question, region)
        with self._index.one_question():  # the index read at one state, the question cut once
            understood = self._hybrid.understand(asked, self._options.k)
            floor, noise = self._hybrid.vague_floor(), self._hybrid.noise_floor()
            regions = self._hybrid.regions()
        info, terms, hits = understood.info, understood.terms, understood.hits
        decision = choose(
            info,
            hits,
            terms,
            self._options.thresholds,
            quick=quick,
            regions=regions,
            floor=floor,
            noise=noise,
        )
        return _Asked(text, rewrite, session_id, info, hits, terms, decision, started, quick)

    def _rewriter(self, quick: bool) -> Callable[[str, str], str] | None:
        """The model rewrites follow-ups within half its budget (never for quick answers)."""
        writer = self._writer
        if writer is None or quick:
            return None

        def ask_model(follow_up: str, conversation: str) -> str:
            return writer.rewrite(follow_up, conversation, deadline=time.monotonic() + writer.timeout_s / 2)

        return ask_model

    def _uses_model(self, asked: _Asked) -> bool:
        """Refusals are decided before the model is called; quick answers are always quoted."""
        return not (asked.quick or asked.decision.reason)

    def _deadline(self, asked: _Asked) -> float:
        """When to stop waiting for the answer: LLM_TIMEOUT_S of model time per question, in all."""
        if asked.rewrite.failure is not None:
            raise asked.rewrite.failure  # the model already failed on the rewrite: do not wait twice
        timeout = self._writer.timeout_s if self._writer is not None else 0.0
        return time.monotonic() + timeout - asked.rewrite.waited_s

    def _written(self, asked: _Asked, reply: str) -> Answer:
        written = check_reply(reply, asked.hits)
        return written_answer(asked.info.text, asked.hits, written, evidence=asked.decision.measures.strength)

    def _extractive(self, asked: _Asked) -> Answer:
        """The quoted answer, or the refusal with its reason, what was searched and where to ask instead."""
        reason = asked.decision.reason
        if reason is RefusalReason.FIGURE_NOT_STATED and asked.decision.quotes:
            citations, quoted = citations_and_text(
                asked.decision.quotes, quick=False, info=asked.info, whole=True
            )
            missing = not_stated(asked.info, asked.decision.measures)
            text = self._prompts.figure_not_stated.render(
                missing=missing, quoted=quoted, channel=self._options.channel
            )
            return Answer(
                question=asked.info.text,
                answer=text,
                refused=True,
                citations=tuple(citations),
                hits=tuple(asked.hits),
                reason=reason,
                evidence=asked.decision.measures.strength,
            )
        if reason is not None:
            return Answer(
                question=asked.info.text,
                answer=self._refusal_text(reason, asked),
                refused=True,
                hits=tuple(asked.hits),
                reason=reason,
                evidence=asked.decision.measures.strength,
            )
        citations, text = citations_and_text(
            asked.decision.quotes, quick=asked.quick, info=asked.info, terms=asked.terms
        )
        citations, notes = self._relative_dates(citations)
        if not asked.quick and (taken := place_note(asked.info)):
            notes.append(taken)
        if not asked.quick and (elsewhere := uncovered_note(asked.info, asked.decision.measures.missing)):
            notes.append(elsewhere)
        text += "".join(f"\n{note}" for note in notes)
        return Answer(
            question=asked.info.text,
            answer=text,
            refused=False,
            citations=tuple(citations),
            hits=tuple(asked.hits),
            evidence=asked.decision.measures.strength,
        )

    def _relative_dates(self, citations: Sequence[Citation]) -> tuple[list[Citation], list[str]]:
        """今年/去年/明年 in a quote, resolved against its document's date (a news article of 2021); the
        citation then carries that date, so the note's year stands in what the answer cites."""
        dated, notes = [], []
        for citation in citations:
            words = sorted(set(_RELATIVE_YEAR.findall(citation.quote)))
            meta = self._index.catalog.document(citation.doc_id) if words else None
            if meta is None or not meta.date[:4].isdigit():
                dated.append(citation)
                continue
            year = int(meta.date[:4])
            said = "，".join(f"“{w}”指{year + _RELATIVE_YEAR_OFFSET[w]}年" for w in words)
            notes.append(f"（[{citation.n}] 发布于{year}年，文中{said}）")
            dated.append(replace(citation, date=meta.date))
        return dated, notes

    def _refusal_text(self, reason: RefusalReason, asked: _Asked) -> str:
        if reason is RefusalReason.GREETING:
            return self._prompts.greeting.render(channel=self._options.channel)
        titles = sorted({d.title for d in self._index.catalog.documents()})
        searched = "、".join(f"《{t}》" for t in titles[:6]) + (
            f" 等 {len(titles)} 份文件" if len(titles) > 6 else ""
        )
        because = why(reason, asked.info, asked.decision.measures, self._hybrid.regions())
        return self._prompts.refusal.render(
            reason=because, searched=searched or "（无）", channel=self._options.channel
        )

    def _fallback(self, asked: _Asked, failure: ModelFailure) -> Answer:
        log.warning("LLM mode fell back to the extractive answer: %s", failure)
        return replace(self._extractive(asked), fallback_reason=failure.reason)

    def _finish(self, asked: _Asked, result: Answer) -> Answer:
        """The answer with the question as asked and its latency; the turn stored in its session."""
        rewritten = None
        if asked.session_id is not None:
            rewritten = asked.rewrite.question
            if self._sessions is not None:
                reason = result.reason.value if result.reason else ""
                turn = Turn(asked.text, asked.rewrite.question, result.answer, result.refused, reason)
                self._sessions.append(asked.session_id, turn)
        latency = int((time.monotonic() - asked.started) * 1000)
        verdicts = considered(
            asked.info,
            result.hits,
            asked.terms,
            result.citations,
            self._options.thresholds,
            refused=result.refused,
        )
        return replace(
            result, question=asked.text, latency_ms=latency, rewritten_question=rewritten, considered=verdicts
        )


def _pieces(result: Answer) -> Iterator[StreamEvent]:
    """An already-composed answer as stream events."""
    yield CitationsEvent(result.citations)
    for start in range(0, len(result.answer), STREAM_PIECE_CHARS):
        yield DeltaEvent(result.answer[start : start + STREAM_PIECE_CHARS])
    yield FinalEvent(result)
