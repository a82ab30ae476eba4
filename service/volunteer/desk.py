"""The volunteer page's collaborators and the few things its routes ask of them (built once by create_app)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

import console
from core.places import DISTRICTS
from core.records import Answer

from ..logbook.curated import CuratedState, CuratedStore
from ..logbook.timezone import LOCAL
from ..ratelimit import RateLimiter
from .cards import DocLookup, card_of_answer, card_of_curated
from .events import EventStore
from .pack import pack_of
from .schemas import CardOut, PackOut, card_out

TOPICS = ("贴息", "质押", "开放许可", "调解", "维权", "公共服务")
CARDS_PER_SHEET = 8
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@dataclass(frozen=True)
class Desk:
    """Event links, the per-link rate limit, the card builder and the volunteer templates."""

    events: EventStore
    limiter: RateLimiter
    curated: CuratedStore
    docs: DocLookup
    channel: str
    secure_cookie: bool
    clock: Callable[[], float] = time.time
    templates: Jinja2Templates = field(
        default_factory=lambda: Jinja2Templates(directory=str(console.TEMPLATES))
    )

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock(), LOCAL).date()

    def card(self, answer: Answer) -> CardOut:
        return card_out(card_of_answer(answer, docs=self.docs, channel=self.channel, today=self.today()))

    def published(self) -> list[CardOut]:
        """Every published curated answer as a card, newest first."""
        today = self.today()
        return [
            card_out(card_of_curated(i, docs=self.docs, channel=self.channel, today=today))
            for i in self.curated.list(CuratedState.PUBLISHED)
        ]

    def pack(self) -> PackOut:
        return pack_of(self.published())

    def curated_card(self, curated_id: int) -> CardOut | None:
        """The card of a published curated answer (None for a draft, stale or unknown id)."""
        item = self.curated.get(curated_id)
        if item is None or item.state is not CuratedState.PUBLISHED:
            return None
        return card_out(card_of_curated(item, docs=self.docs, channel=self.channel, today=self.today()))

    def page(self, request: Request, name: str, context: dict[str, Any], *, status: int = 200) -> Response:
        values = {"topics": TOPICS, "districts": DISTRICTS, "channel": self.channel, **context}
        headers = {**_PAGE_HEADERS, "Cache-Control": "no-cache"}
        return self.templates.TemplateResponse(
            request, f"volunteer/{name}", values, status_code=status, headers=headers
        )
