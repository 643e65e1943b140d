"""A shopper asks for a person: the ticket that carries the whole context, and the wait.

The actions hand over what the conversation holds (events, slots, who the shopper is); what
goes into the ticket (summary, priority, the order the agent may rely on, after-hours) and how
long the shopper waits are decided here, once, for the actions and the console alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Dict, Mapping, Optional, Sequence

from bot.handoff.agents import AgentAccounts
from bot.handoff.context import agent_slots, detected_intents, summarise, transcript_from_events
from bot.handoff.hours import estimate_wait_minutes, is_open
from bot.handoff.intake import Intake, take_ticket
from bot.handoff.models import Ticket
from bot.handoff.queue import HandoffQueue, new_ticket_id, priority_for
from bot.limits import AttemptLimits, Limit
from bot.settings import Settings


@dataclass(frozen=True)
class PersonRequest:
    """What a conversation holds when the shopper asks for a person.

    Attributes:
        conversation_id: Whose conversation (the channel-scoped key).
        reason: Why (``talk_to_human``, ``complaint``, ``payment_issue``, ...).
        events: The conversation's events as Rasa stores them (the transcript comes from them).
        slots: The current slot values.
        verified_order: The order the shopper proved is theirs (still valid), if any.
        language: The conversation's language.
        channel: The shopper's channel.
        client: Who is asking, for the limit on new tickets.
        customer_id: The shop's customer id from a signed token, if any.
        customer_name: The customer's name from the shop, if known.
        customer_email: The customer's email from the shop, if known.
    """

    conversation_id: str
    reason: str
    events: Sequence[Dict[str, Any]]
    slots: Mapping[str, Any]
    verified_order: Optional[str]
    language: str
    channel: str
    client: str
    customer_id: Optional[str] = None
    customer_name: Optional[str] = None
    customer_email: Optional[str] = None


def build_ticket(request: PersonRequest, settings: Settings,
                 now: Optional[datetime] = None) -> Ticket:
    """The ticket for a request: summary, priority, context and whether it is after hours."""
    transcript = transcript_from_events(request.events)
    slots = dict(request.slots)
    slots["verified_order"] = request.verified_order  # only what the agent may rely on
    if request.customer_id:
        slots["customer_id"] = request.customer_id
    return Ticket(
        ticket_id=new_ticket_id(), conversation_id=request.conversation_id,
        reason=request.reason,
        summary=summarise(request.reason, transcript, slots, request.customer_name),
        priority=priority_for(request.reason), language=request.language,
        channel=request.channel, customer_id=request.customer_id,
        order_number=request.verified_order or slots.get("order_number"),
        order_verified=bool(request.verified_order), slots=agent_slots(slots),
        intents=detected_intents(transcript), transcript=transcript,
        after_hours=not is_open(settings.handoff, now),
        followup_email=request.customer_email,
    )


def request_person(queue: HandoffQueue, limits: AttemptLimits, settings: Settings,
                   request: PersonRequest, now: Optional[datetime] = None) -> Intake:
    """Queue a ticket for the request, unless one is open already or the client has opened
    as many as the limit allows lately."""
    allowed = Limit(settings.limits.tickets_per_client, settings.limits.tickets_window_seconds)
    return take_ticket(queue, limits, build_ticket(request, settings, now), request.client,
                       allowed, now=now)


@dataclass(frozen=True)
class QueueLoad:
    """How busy the team is right now: what every wait estimate is made from (the shopper's
    announcement, the queue updates and the console's list alike)."""

    agents_online: int
    recent_minutes: Sequence[float]
    default_minutes: float

    @classmethod
    def now(cls, queue: HandoffQueue, agents: AgentAccounts,
            default_handling_minutes: float) -> "QueueLoad":
        """The load as the stores see it now (two reads, however many tickets it serves)."""
        return cls(len(agents.agents_online()), tuple(queue.handling_minutes()),
                   default_handling_minutes)

    def wait_for(self, position: int) -> int:
        """Estimated minutes until an agent takes the ticket at this place in the queue."""
        return estimate_wait_minutes(position, self.agents_online, self.recent_minutes,
                                     self.default_minutes)


def wait_minutes(queue: HandoffQueue, agents: AgentAccounts, ticket_id: str,
                 default_handling_minutes: float) -> int:
    """Estimated minutes until an agent takes a waiting ticket."""
    load = QueueLoad.now(queue, agents, default_handling_minutes)
    return load.wait_for(queue.position(ticket_id) or 1)
