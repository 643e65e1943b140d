"""Taking in tickets: one open ticket per conversation, and a limited number of new ones per
client, so that nobody can flood the agents' queue by asking again and again."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from bot.handoff.models import Ticket
from bot.handoff.queue import HandoffQueue
from bot.limits import AttemptLimits, Key, Limit

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Intake:
    """What became of a request for a person.

    Attributes:
        ticket: The conversation's ticket (new, or the one already open); None when refused.
        new: True when this request created the ticket.
        retry_after: Seconds until the client may open another ticket, when refused.
    """

    ticket: Optional[Ticket]
    new: bool = False
    retry_after: Optional[float] = None


def ticket_keys(client: str, conversation_id: str) -> List[Key]:
    """The limiter keys of a new ticket: the client and the conversation."""
    return [("ticket-client", client), ("ticket-sender", conversation_id)]


def take_ticket(queue: HandoffQueue, limits: AttemptLimits, ticket: Ticket, client: str,
                limit: Limit, now: Optional[datetime] = None) -> Intake:
    """Queue ``ticket`` unless its conversation already has an open one or the client has opened
    too many lately.

    Args:
        queue: The handoff queue.
        limits: The shared attempt store (the queue store is one).
        ticket: The ticket to create; its ``conversation_id`` says whose it is.
        client: Who is asking (hashed client identifier, else the conversation).
        limit: New tickets allowed per client and window.
        now: The current time (tests pass a fixed one).

    Returns:
        The open ticket (asking again is not a new request), the new ticket, or a refusal.
    """
    existing = queue.open_ticket_for(ticket.conversation_id)
    if existing is not None:
        return Intake(existing)
    keys = ticket_keys(client, ticket.conversation_id)
    wait = limits.retry_after(keys, limit, now=now)
    if wait is not None:
        logger.warning("ticket refused: too many new tickets from one client")
        return Intake(None, retry_after=wait)
    created = queue.create(ticket)
    new = created.ticket_id == ticket.ticket_id
    if new:
        limits.record(keys, now=now)
    return Intake(created, new=new)
