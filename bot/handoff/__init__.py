"""Handoff to a person: tickets with the whole context, the queue, agents and opening hours."""

from __future__ import annotations

from bot.handoff.agents import ROLES, Agent, AgentAccounts
from bot.handoff.context import (
    agent_slots,
    detected_intents,
    summarise,
    transcript_from_events,
)
from bot.handoff.hours import estimate_wait_minutes, is_open, next_opening
from bot.handoff.intake import Intake, take_ticket
from bot.handoff.models import OPEN_STATES, STATUSES, Note, Ticket, TranscriptLine
from bot.handoff.postgres_queue import PostgresHandoffQueue
from bot.handoff.queue import HandoffQueue, new_ticket_id, priority_for
from bot.handoff.sql_queue import SQLHandoffQueue
from bot.handoff.sqlite_queue import SQLiteHandoffQueue
from bot.settings import Settings

__all__ = [
    "Agent", "AgentAccounts", "HandoffQueue", "Intake", "Note", "OPEN_STATES",
    "PostgresHandoffQueue", "ROLES", "SQLHandoffQueue", "SQLiteHandoffQueue", "STATUSES",
    "Ticket", "TranscriptLine",
    "agent_slots", "build_handoff_queue", "detected_intents", "estimate_wait_minutes",
    "is_open", "new_ticket_id", "next_opening", "priority_for", "summarise", "take_ticket",
    "transcript_from_events",
]


def build_handoff_queue(settings: Settings) -> SQLHandoffQueue:
    """The queue store named in settings: SQLite by default, PostgreSQL to scale out."""
    if settings.handoff.store == "postgresql":
        return PostgresHandoffQueue(settings.handoff.url)
    return SQLiteHandoffQueue(settings.handoff_db_path)
