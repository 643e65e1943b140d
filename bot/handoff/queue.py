"""The queue of conversations waiting for a person: what every queue store promises.

Implementations: :mod:`bot.handoff.sql_queue` (the SQL shared by both), with
:mod:`bot.handoff.sqlite_queue` (embedded) and :mod:`bot.handoff.postgres_queue` (to scale out).
Claiming is a conditional ``UPDATE ... WHERE status = 'waiting'``, so exactly one agent wins
however many click at once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, List, Optional, Protocol, Sequence

from bot.handoff.models import OPEN_STATES, URGENT_REASONS, Note, Ticket


class HandoffQueue(Protocol):
    """The queue of conversations waiting for a person, and their tickets."""

    def create(self, ticket: Ticket) -> Ticket:
        """Store a new ticket (or return the conversation's open one) and give it back."""

    def get(self, ticket_id: str) -> Optional[Ticket]:
        """The ticket with this id."""

    def open_ticket_for(self, conversation_id: str) -> Optional[Ticket]:
        """The conversation's waiting or active ticket, if any."""

    def list_open(self) -> List[Ticket]:
        """Waiting and active tickets, most urgent and oldest first."""

    def list_tickets(self, statuses: Sequence[str] = OPEN_STATES, limit: int = 200) -> List[Ticket]:
        """Tickets in the given states, most urgent and oldest first."""

    def position(self, ticket_id: str) -> Optional[int]:
        """1-based place of a waiting ticket in the queue; None if it is not waiting."""

    def claim(self, ticket_id: str, agent: str) -> Optional[Ticket]:
        """Give a waiting ticket to an agent; None if someone else was first."""

    def claim_next(self, agent: str) -> Optional[Ticket]:
        """Give the most urgent waiting ticket to an agent."""

    def release(self, ticket_id: str, agent: Optional[str] = None) -> Optional[Ticket]:
        """Put an active ticket back in the queue, or hand it to another agent."""

    def resolve(self, ticket_id: str) -> Optional[Ticket]:
        """Close a ticket as resolved."""

    def cancel(self, ticket_id: str) -> Optional[Ticket]:
        """The shopper no longer needs a person."""

    def set_status(self, ticket_id: str, status: str) -> Optional[Ticket]:
        """Move a ticket to any state (administrative)."""

    def update(self, ticket_id: str, **changes: Any) -> Optional[Ticket]:
        """Change ticket fields such as ``csat`` or ``followup_email``."""

    def add_note(self, ticket_id: str, author: str, text: str) -> Note:
        """Keep an internal note on a ticket."""

    def notes(self, ticket_id: str) -> List[Note]:
        """The ticket's internal notes, oldest first."""

    def handling_minutes(self, limit: int = 20) -> List[float]:
        """Claim-to-resolution minutes of the most recently resolved tickets."""

    def tickets_created(self, since: datetime, until: datetime) -> List[Ticket]:
        """Every ticket created in ``[since, until)``, oldest first (for the KPIs)."""


def new_ticket_id() -> str:
    """A short, unguessable ticket reference like ``H-3F9A2C1B``."""
    return "H-" + uuid.uuid4().hex[:8].upper()


def priority_for(reason: str) -> int:
    """Complaints and payment problems go first."""
    return 1 if reason in URGENT_REASONS else 2
