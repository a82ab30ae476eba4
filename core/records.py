"""Typed records that cross module boundaries, and the closed vocabularies they use."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Intent(StrEnum):
    """What kind of answer a question wants."""

    GENERAL = "general"
    WHO = "who"
    QUANTITY = "quantity"
    DATE = "date"
    PERIOD = "period"
    DURATION = "duration"
    DOCNUM = "docnum"


FIGURE_INTENTS = frozenset({Intent.QUANTITY, Intent.DATE, Intent.PERIOD, Intent.DURATION, Intent.DOCNUM})


class RefusalReason(StrEnum):
    """Why the documents do not answer a question (reported as the answer's `reason`)."""

    GREETING = "greeting"  # 你好 / 你是谁: an introduction with example questions
    OUTSIDE_SHANGHAI = "outside_shanghai"
    NOT_A_POLICY_QUESTION = "not_a_policy_question"  # an injection, or a task such as drafting a contract
    NOTHING_INDEXED = "nothing_indexed"  # the library is empty
    DISTRICT_NOT_COVERED = "district_not_covered"  # no document of the district asked about
    TOO_VAGUE = "too_vague"
    WEAK_EVIDENCE = "weak_evidence"
    FIGURE_NOT_STATED = "figure_not_stated"  # the clause is found, the figure (or year) asked is not in it


class Mode(StrEnum):
    """Who wrote the answer: quoted by the extractive composer, or written by a model and checked."""

    EXTRACTIVE = "extractive"
    LLM = "llm"


class FallbackReason(StrEnum):
    """Why an LLM-mode answer fell back to the extractive one."""

    TIMEOUT = "timeout"  # no complete reply within LLM_TIMEOUT_S
    UNREACHABLE = "unreachable"  # connection refused, DNS, TLS
    RATE_LIMITED = "rate_limited"  # 429 (after at most one retry on a short Retry-After)
    UPSTREAM_ERROR = "upstream_error"  # 5xx
    REJECTED = "rejected"  # another 4xx: bad key, unknown model, request refused
    BAD_REPLY = "bad_reply"  # a body that is not a chat completion
    EMPTY_REPLY = "empty_reply"  # a completion with no text
    UNVERIFIED = "unverified"  # no sentence of the reply survived the check against the clauses
    MODEL_DECLINED = "model_declined"  # the model said the clauses do not answer the question


@dataclass(frozen=True)
class DocumentMeta:
    """What ingest learned about one document."""

    doc_id: str
    title: str
    source: str
    content_hash: str
    doc_number: str = ""
    issuer: str = ""
    date: str = ""
    region: str = ""
    period: str = ""
    kind: str = ""
    adopted: str = ""  # ISO date a law or regulation was first adopted (通过)
    effective: str = ""  # ISO date it takes effect (施行)
    valid_until: str = ""  # ISO date its stated validity ends (有效期至)


@dataclass(frozen=True)
class Chunk:
    """One clause (or a window of whole sentences of a long clause) with its heading path."""

    chunk_id: str
    doc_id: str
    title: str
    clause: str
    text: str
    region: str
    doc_number: str = ""
    ordinal: int = 0

    def search_text(self) -> str:
        """Text that keyword and dense search see: the clause path (title first) and the clause itself."""
        return f"{self.clause}\n{self.text}"


@dataclass(frozen=True)
class Scores:
    dense: float
    bm25: float
    fused: float


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    scores: Scores


@dataclass(frozen=True)
class Citation:
    n: int
    doc_id: str
    title: str
    doc_number: str
    clause: str
    region: str
    text: str
    quote: str
    date: str = ""  # the document's issuing (or publication) date, when the answer relies on it


class Verdict(StrEnum):
    """What the answer made of one retrieved clause (the hit test shows it)."""

    CITED = "cited"
    OTHER_DISTRICT = "other_district"  # a district the question does not ask about
    RANK_CUT = "rank_cut"  # past the few best hits the evidence and the quotes come from
    BELOW_THRESHOLD = "below_threshold"  # its best sentence covers the question less than the threshold
    NOT_NEEDED = "not_needed"  # good enough, but the answer quoted better clauses
    REFUSED = "refused"  # the question was refused on another ground


@dataclass(frozen=True)
class Considered:
    """One hit as the answer's decision saw it: its evidence support (0…1) and the verdict."""

    support: float
    verdict: Verdict


@dataclass(frozen=True)
class Dropped:
    """A sentence of a model-written answer left out, and why."""

    sentence: str
    reason: str


@dataclass(frozen=True)
class Answer:
    """One answer or refusal, as every channel reports it."""

    question: str
    answer: str
    refused: bool
    citations: tuple[Citation, ...] = ()
    mode: Mode = Mode.EXTRACTIVE
    latency_ms: int = 0
    hits: tuple[Hit, ...] = ()
    reason: RefusalReason | None = None
    evidence: float = 0.0  # the refusal rule's evidence strength (not part of the JSON contract)
    fallback_reason: FallbackReason | None = None  # LLM mode fell back to the extractive answer
    rewritten_question: str | None = None  # a conversation's question as answered (standalone)
    verified: bool | None = None  # LLM mode: whether the reply passed the check unchanged
    dropped: tuple[Dropped, ...] = ()  # LLM mode: sentences the check removed
    removed_citations: tuple[int, ...] = ()  # LLM mode: citation numbers to clauses never given
    answer_id: str = ""  # the service's conversation-log id (empty outside the service)
    degraded: tuple[str, ...] = ()  # retrieval parts unavailable for this answer ("dense": keyword only)
    curated_id: int | None = None  # a published 精选答案 served for a quick question (None: composed)
    considered: tuple[Considered, ...] = ()  # per hit, in the hits' order: why it was cited or left out


class EventKind(StrEnum):
    """The events of a streamed answer."""

    CITATIONS = "citations"
    DELTA = "delta"
    FINAL = "final"
    ERROR = "error"


@dataclass(frozen=True)
class CitationsEvent:
    """The clauses the answer will cite (LLM mode: every clause given to the model)."""

    citations: tuple[Citation, ...]
    kind: EventKind = EventKind.CITATIONS


@dataclass(frozen=True)
class DeltaEvent:
    """A piece of the answer text as it is produced."""

    text: str
    kind: EventKind = EventKind.DELTA


@dataclass(frozen=True)
class FinalEvent:
    """The whole checked answer; in LLM mode it retracts any streamed sentence the check dropped."""

    answer: Answer
    kind: EventKind = EventKind.FINAL


StreamEvent = CitationsEvent | DeltaEvent | FinalEvent
