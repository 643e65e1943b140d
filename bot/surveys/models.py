"""Survey answers and the shopper's survey preferences."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import List, Optional

#: What was asked: customer satisfaction (1-5) or net promoter score (0-10).
KINDS = ("csat", "nps")
#: Why it was asked: the bot or a person solved something, or the shop reported an event.
SOURCES = ("bot", "human", "delivery", "return")


@dataclass(frozen=True)
class SurveyResponse:
    """One answer (or a declined question), with what the conversation was about."""

    kind: str
    source: str
    conversation_id: str
    shopper: str
    score: Optional[int]
    language: str
    channel: str
    human: bool = False
    declined: bool = False
    comment: Optional[str] = None
    intents: List[str] = field(default_factory=list)
    faq_keys: List[str] = field(default_factory=list)
    ticket_id: Optional[str] = None
    order_number: Optional[str] = None
    created_at: datetime = field(default_factory=datetime.now)
    response_id: str = field(default_factory=lambda: "S-" + uuid.uuid4().hex[:10].upper())

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown survey kind {self.kind!r}")
        if self.source not in SOURCES:
            raise ValueError(f"unknown survey source {self.source!r}")
        low, high = (1, 5) if self.kind == "csat" else (0, 10)
        if self.score is not None and not low <= self.score <= high:
            raise ValueError(f"{self.kind} score must lie between {low} and {high}")
        if self.score is None and not self.declined:
            raise ValueError("an answer needs a score unless the shopper declined")


@dataclass(frozen=True)
class SurveyPrefs:
    """What the survey logic remembers about one shopper."""

    shopper: str
    declined_at: Optional[datetime] = None
    nps_asked_at: Optional[datetime] = None
