"""LLM mode without the model: the clauses it is given, and its reply checked sentence by sentence (pure)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from core.errors import ModelFailure
from core.records import Answer, Citation, FallbackReason, Hit, Mode
from core.text import clause_tail

from .verify import Verification, citations_of, verify_answer

# What answer_system.toml tells the model to say when the clauses do not answer the question.
DECLINE = "无法从现有政策条款中找到答案"
_THINKING = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)
_MARKER = re.compile(r"\[(\d{1,3})\]")


def clause_block(hit: Hit) -> str:
    """One clause as the model sees it (and as its figures are checked): source line, then the text."""
    chunk = hit.chunk
    number = f"（{chunk.doc_number}）" if chunk.doc_number else ""
    region = f"（适用范围：{chunk.region}）" if chunk.region else ""
    return f"《{chunk.title}》{number}{clause_tail(chunk.clause, chunk.title)}{region}\n{chunk.text}"


def numbered_clauses(hits: Sequence[Hit]) -> str:
    """The prompt's {clauses}: each clause block starting with its [n], n from 1 in rank order."""
    return "\n\n".join(f"[{n}] {clause_block(hit)}" for n, hit in enumerate(hits, start=1))


def given_citations(hits: Sequence[Hit]) -> tuple[Citation, ...]:
    """The clauses given to the model as citations, numbered as in the prompt."""
    return tuple(_citation(n, hit) for n, hit in enumerate(hits, start=1))


@dataclass(frozen=True)
class Written:
    """A model reply that passed the check: its text and citations, renumbered by first use."""

    text: str
    citations: tuple[Citation, ...]
    verification: Verification


def check_reply(reply: str, hits: Sequence[Hit]) -> Written:
    """The reply with unsupported sentences dropped, or ModelFailure when no cited sentence survives."""
    text = _THINKING.sub("", reply).strip()
    if not text:
        raise ModelFailure(FallbackReason.EMPTY_REPLY, "the model returned no text")
    checked = verify_answer(text, {n: clause_block(hit) for n, hit in enumerate(hits, start=1)})
    order = list(dict.fromkeys(n for sentence in checked.kept for n in citations_of(sentence)))
    if not order:
        if DECLINE in text:
            raise ModelFailure(FallbackReason.MODEL_DECLINED, "the model found no answer in the clauses")
        raise ModelFailure(
            FallbackReason.UNVERIFIED,
            f"{len(checked.dropped)} sentence(s) dropped, none left with a citation",
        )
    new = {old: n for n, old in enumerate(order, start=1)}
    renumbered = _MARKER.sub(lambda m: f"[{new[int(m[1])]}]", checked.text)
    citations = tuple(_citation(new[old], hits[old - 1]) for old in order)
    return Written(renumbered, citations, checked)


def written_answer(question: str, hits: Sequence[Hit], written: Written, *, evidence: float) -> Answer:
    """The Answer of LLM mode, saying what the check changed."""
    checked = written.verification
    return Answer(
        question=question,
        answer=written.text,
        refused=False,
        citations=written.citations,
        mode=Mode.LLM,
        hits=tuple(hits),
        evidence=evidence,
        verified=checked.verified,
        dropped=checked.dropped,
        removed_citations=checked.removed_citations,
    )


def _citation(n: int, hit: Hit) -> Citation:
    chunk = hit.chunk
    return Citation(
        n, chunk.doc_id, chunk.title, chunk.doc_number, chunk.clause, chunk.region, chunk.text, chunk.text
    )
