"""Handoff tickets: everything an agent needs so that the shopper never repeats themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional

#: Reasons that jump the queue.
URGENT_REASONS = {"complaint", "payment_issue"}


@dataclass(frozen=True)
class TranscriptLine:
    """One message in the conversation."""

    sender: str  # "shopper" or "bot"
    text: str
    timestamp: float
    intent: Optional[str] = None
    confidence: Optional[float] = None


@dataclass(frozen=True)
class Ticket:
    """A conversation waiting for (or with) a person."""

    ticket_id: str
    conversation_id: str
    reason: str
    summary: str
    status: str = "waiting"  # waiting, active, resolved, cancelled
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
