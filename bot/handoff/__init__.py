"""Handoff to a person: tickets with the whole context, and the queue they wait in."""

from __future__ import annotations

from bot.handoff.context import (
    agent_slots,
    detected_intents,
    summarise,
    transcript_from_events,
)
from bot.handoff.models import Ticket, TranscriptLine
from bot.handoff.store import (
    HandoffQueue,
    SQLiteHandoffQueue,
    new_ticket_id,
    priority_for,
)
from bot.settings import Settings

__all__ = [
    "HandoffQueue", "SQLiteHandoffQueue", "Ticket", "TranscriptLine", "agent_slots",
    "build_handoff_queue", "detected_intents", "new_ticket_id", "priority_for", "summarise",
    "transcript_from_events",
]


def build_handoff_queue(settings: Settings) -> HandoffQueue:
    """The queue store named in settings (SQLite by default)."""
    return SQLiteHandoffQueue(settings.handoff_db_path)
