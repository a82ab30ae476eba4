"""Request and response models of the volunteer routes (they document the OpenAPI schema)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..logbook.records import Rating
from ..logbook.schemas import ANSWER_ID
from ..schemas import REGIONS
from .cards import Card

MAX_EVENT_NAME = 60


class SourceOut(BaseModel):
    label: str
    title: str
    doc_number: str
    quote: str
    validity: str
    expired: bool


class CardOut(BaseModel):
    """One answer card; `curated_id` set: a published 精选答案 (its own page is /v/c/{curated_id})."""

    kind: Literal["answer", "refusal"]
    question: str
    text: str
    sources: list[SourceOut]
    channel: str
    answer_id: str
    curated_id: int | None
    share_text: str


def card_out(card: Card) -> CardOut:
    fields = asdict(card)
    fields["sources"] = [SourceOut(**s) for s in fields["sources"]]
    return CardOut(**fields, share_text=card.share_text)


class PackOut(BaseModel):
    """The offline pack: every published curated answer as a card; `version` changes with any of them."""

    version: str
    items: list[CardOut]


class AskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=2000)
    region: str | None = Field(default=None, max_length=20, json_schema_extra={"enum": [*REGIONS, None]})


class VolunteerFeedbackIn(BaseModel):
    """👍/👎 on a card: by `answer_id`, or for an offline pack answer by `curated_id` and the question."""

    model_config = ConfigDict(extra="forbid")

    rating: Rating
    answer_id: str | None = Field(default=None, pattern=ANSWER_ID)
    curated_id: int | None = Field(default=None, ge=1)
    question: str = Field(default="", max_length=2000)


class GapIn(BaseModel):
    """A question an enterprise asked that the page could not answer (企业还问了…)."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(max_length=2000)
    region: str | None = Field(default=None, max_length=20)


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_EVENT_NAME, pattern=r"\S", examples=["杨浦园区宣讲 11月"])
    days: int = Field(ge=1, le=90, description="有效天数（1–90）")


class EventOut(BaseModel):
    token: str
    name: str
    url: str
    expires_at: str
    state: Literal["valid", "expired", "revoked", "unknown"]


class RatedOut(BaseModel):
    answer_id: str
    rating: Rating
