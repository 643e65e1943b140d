"""Handoff tickets: everything an agent needs so that the shopper never repeats themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

#: Reasons that jump the queue.
URGENT_REASONS = {"complaint", "payment_issue"}

#: Ticket states: waiting for an agent, with an agent, done, or withdrawn by the shopper.
STATUSES = ("waiting", "active", "resolved", "cancelled")
OPEN_STATES = ("waiting", "active")


@dataclass(frozen=True)
class TranscriptLine:
    """One message in the conversation."""

    sender: str  # "shopper", "bot" or "agent"
    text: str
    timestamp: float
    intent: Optional[str] = None
    confidence: Optional[float] = None


@dataclass(frozen=True)
class Note:
    """An internal note an agent left on a ticket (never shown to the shopper)."""

    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class Ticket:
    """A conversation waiting for (or with) a person."""

    ticket_id: str
    conversation_id: str
    reason: str
    summary: str
    status: str = "waiting"
    priority: int = 2  # 1 = urgent, 2 = normal
    language: str = "en"
    channel: str = "rest"
    customer_id: Optional[str] = None
    order_number: Optional[str] = None
    order_verified: bool = False
    slots: Dict[str, Any] = field(default_factory=dict)
    intents: List[Dict[str, Any]] = field(default_factory=list)
    transcript: List[TranscriptLine] = field(default_factory=list)
    created_at: datetime = field(default_factory=datetime.now)
    agent: Optional[str] = None
    claimed_at: Optional[datetime] = None
    resolved_at: Optional[datetime] = None
    after_hours: bool = False
    followup_email: Optional[str] = None
    csat: Optional[int] = None
    csat_comment: Optional[str] = None
