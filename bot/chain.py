"""The chains in langchain terms (retrieval; the model's answer and rewrite), kept inside this one module."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

from .prompts import Prompts
from .query import QueryInfo, analyse
from .records import Chunk, Hit, Scores
from .retrieve import HybridRetriever


def to_document(hit: Hit) -> Document:
    """Our Hit → langchain's Document (the chunk's fields and scores travel in metadata)."""
    return Document(page_content=hit.chunk.text, metadata={**asdict(hit.chunk), "scores": asdict(hit.scores)})


def from_document(document: Document) -> Hit:
    """langchain's Document → our Hit; the one place that reads Document metadata."""
    meta = dict(document.metadata)
    scores = Scores(**meta.pop("scores"))
    meta["text"] = document.page_content
    return Hit(Chunk(**meta), scores)


class ClauseRetriever(BaseRetriever):
    """langchain retriever over the hybrid clause index."""

    hybrid: Any
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        retriever: HybridRetriever = self.hybrid
        return [to_document(h) for h in retriever.search(analyse(query), self.k)]


@dataclass(frozen=True)
class Retrieved:
    """What the chain hands to the composer."""

    info: QueryInfo
    hits: list[Hit]


def build_chain(*, retriever: ClauseRetriever, compose: Callable[[Retrieved], Any]) -> Runnable[str, Any]:
    """question → (analysis ∥ clauses) → composed answer."""

    def hits(documents: list[Document]) -> list[Hit]:
        return [from_document(d) for d in documents]

    fetch: Runnable[str, list[Hit]] = retriever | RunnableLambda(hits)

    def gather(question: str) -> Retrieved:
        return Retrieved(info=analyse(question), hits=fetch.invoke(question))

    return RunnableLambda(gather) | RunnableLambda(compose)


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
