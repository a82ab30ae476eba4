"""The model's chains in langchain terms (answer, rewrite) and the Writer that runs them; imported only
when a model is configured."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableLambda

from core.records import Hit

from .llm import bounded
from .prompts import Prompts
from .write import numbered_clauses


@dataclass(frozen=True)
class AnswerInput:
    """What the model is asked: the numbered clauses (prompt text) and the question."""

    clauses: str
    question: str


@dataclass(frozen=True)
class RewriteInput:
    """A follow-up question and the conversation before it (prompt text)."""

    history: str
    question: str


def build_answer_chain(*, model: BaseChatModel, prompts: Prompts) -> Runnable[AnswerInput, str]:
    """numbered clauses + question → system and user messages → the model's reply text."""

    def messages(asked: AnswerInput) -> list[BaseMessage]:
        return [
            SystemMessage(prompts.answer_system.render()),
            HumanMessage(prompts.answer_user.render(clauses=asked.clauses, question=asked.question)),
        ]

    return RunnableLambda(messages) | model | StrOutputParser()


def build_rewrite_chain(*, model: BaseChatModel, prompts: Prompts) -> Runnable[RewriteInput, str]:
    """conversation + follow-up → the model's standalone question."""

    def messages(asked: RewriteInput) -> list[BaseMessage]:
        return [HumanMessage(prompts.rewrite.render(history=asked.history, question=asked.question))]

    return RunnableLambda(messages) | model | StrOutputParser()


class Writer:
    """The model's part of LLM mode: the answer and rewrite chains, each call bounded by a deadline."""

    def __init__(self, *, model: BaseChatModel, prompts: Prompts, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._answer = build_answer_chain(model=model, prompts=prompts)
        self._rewrite = build_rewrite_chain(model=model, prompts=prompts)

    def reply(self, question: str, hits: Sequence[Hit], *, deadline: float) -> str:
        """The model's whole answer text (one non-streaming request)."""
        asked = AnswerInput(numbered_clauses(hits), question)
        return "".join(bounded(lambda: iter([self._answer.invoke(asked)]), deadline=deadline))

    def stream_reply(self, question: str, hits: Sequence[Hit], *, deadline: float) -> Iterator[str]:
        """The model's answer text as it arrives (one streaming request)."""
        asked = AnswerInput(numbered_clauses(hits), question)
        return (piece for piece in bounded(lambda: self._answer.stream(asked), deadline=deadline) if piece)

    def rewrite(self, question: str, history: str, *, deadline: float) -> str:
        """The model's standalone form of a follow-up question (unchecked)."""
        asked = RewriteInput(history, question)
        return "".join(bounded(lambda: iter([self._rewrite.invoke(asked)]), deadline=deadline))
