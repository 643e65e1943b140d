"""Hand the conversation to a person with a ticket that holds the whole context (one open ticket
per conversation, a limited number of new ones per client); keep the shopper informed while
they wait; ask for a rating when the person is done."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    channel,
    client_key,
    customer_id,
    language,
    services,
    verified_order_id,
    when,
)
from bot.handoff import (
    Ticket,
    agent_slots,
    detected_intents,
    estimate_wait_minutes,
    is_open,
    new_ticket_id,
    next_opening,
    priority_for,
    summarise,
    take_ticket,
    transcript_from_events,
)
from bot.limits import Limit
from bot.shop import normalise_email

_INTENT_REASONS = {"talk_to_human", "complaint", "payment_issue"}


def create_ticket(tracker: Tracker, reason: str) -> Optional[Ticket]:
    """Store a ticket for this conversation (or find its open one); None when this client has
    opened as many tickets as the limit allows lately."""
    svc = services()
    transcript = transcript_from_events(tracker.events)
    slots = dict(tracker.current_slot_values())
    slots["verified_order"] = verified_order_id(tracker)  # what the agent may rely on
    customer = customer_id(tracker) or slots.get("customer_id")
    if customer:
        slots["customer_id"] = customer
    person = svc.orders.customer(customer) if customer else None
    name = f"{person.first_name} {person.last_name}" if person else None
    ticket = Ticket(
        ticket_id=new_ticket_id(), conversation_id=tracker.sender_id, reason=reason,
        summary=summarise(reason, transcript, slots, name), priority=priority_for(reason),
        language=language(tracker), channel=channel(tracker), customer_id=customer,
        order_number=slots.get("verified_order") or slots.get("order_number"),
        order_verified=bool(slots.get("verified_order")), slots=agent_slots(slots),
        intents=detected_intents(transcript), transcript=transcript,
        after_hours=not is_open(svc.settings.handoff),
        followup_email=person.email if person else None,
    )
    limits = svc.settings.limits
    # The queue store also keeps the attempt counts (bot/limits.py).
    return take_ticket(svc.handoff, svc.limits, ticket, client_key(tracker),
                       Limit(limits.tickets_per_client, limits.tickets_window_seconds)).ticket


def wait_minutes(ticket: Ticket) -> int:
    """Estimated minutes until an agent takes this ticket."""
    svc = services()
    return estimate_wait_minutes(svc.handoff.position(ticket.ticket_id) or 1,
                                 len(svc.handoff.agents_online()),
                                 svc.handoff.handling_minutes(),
                                 svc.settings.handoff.default_handling_minutes)


def announce(dispatcher: CollectingDispatcher, tracker: Tracker,
             ticket: Optional[Ticket]) -> List[EventType]:
    """Tell the shopper what happens now: queue place and wait, the after-hours options, or
    (no ticket: too many lately) that the team has their requests and to try again later."""
    svc = services()
    events: List[EventType] = [SlotSet("offered_handoff", False), SlotSet("handoff_reason", None)]
    if ticket is None:
        dispatcher.utter_message(response="utter_handoff_limited")
        return events
    events.append(SlotSet("handoff_ticket", ticket.ticket_id))
    if ticket.after_hours:
        opening = next_opening(svc.settings.handoff)
        dispatcher.utter_message(response="utter_handoff_after_hours",
                                 ticket_id=ticket.ticket_id, phone=svc.settings.shop_phone,
                                 opens=f"{when(tracker, opening)} {opening:%H:%M}"
                                 if opening else "-")
        if ticket.followup_email:
            dispatcher.utter_message(response="utter_followup_email_known")
            return events
        return events + [FollowupAction("followup_form")]
    position = svc.handoff.position(ticket.ticket_id) or 1
    dispatcher.utter_message(response="utter_handoff_created", ticket_id=ticket.ticket_id,
                             position=position, wait=wait_minutes(ticket))
    if not svc.handoff.agents_online():
        dispatcher.utter_message(response="utter_handoff_nobody_online")
    return events


class ActionHandoff(Action):
    """Create the ticket and tell the shopper a person is coming."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reason = intent if intent in _INTENT_REASONS else (
            tracker.get_slot("handoff_reason") or "talk_to_human")
        if reason == "complaint":
            dispatcher.utter_message(response="utter_complaint_sorry")
        return announce(dispatcher, tracker, create_ticket(tracker, reason))


class ValidateFollowupForm(FormValidationAction):
    """After hours: the email address for a written answer (or none)."""

    def name(self) -> Text:
        return "validate_followup_form"

    def validate_followup_email(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        email = normalise_email(value if isinstance(value, str) else None)
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
            return {"followup_email": None}
        return {"followup_email": email}


class ActionStoreFollowupEmail(Action):
    def name(self) -> Text:
        return "action_store_followup_email"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        ticket_id: Optional[str] = tracker.get_slot("handoff_ticket")
        email = tracker.get_slot("followup_email")
        if ticket_id and email:
            services().handoff.update(ticket_id, followup_email=email)
            dispatcher.utter_message(response="utter_followup_email_saved", email=email)
        return [SlotSet("followup_email", None)]


class ActionStop(Action):
    """'Never mind': leave the queue if waiting, otherwise just carry on."""

    def name(self) -> Text:
        return "action_stop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        queue = services().handoff
        ticket = queue.open_ticket_for(tracker.sender_id)
        if ticket is not None and ticket.status == "waiting":
            queue.cancel(ticket.ticket_id)
            dispatcher.utter_message(response="utter_handoff_cancelled")
            return [SlotSet("handoff_ticket", None)]
        dispatcher.utter_message(response="utter_anything_else")
        return []


class ActionQueueUpdate(Action):
    """Pushed by the console when the shopper's place in the queue changes."""

    def name(self) -> Text:
        return "action_queue_update"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        ticket = services().handoff.open_ticket_for(tracker.sender_id)
        position = services().handoff.position(ticket.ticket_id) if ticket else None
        if ticket is not None and position is not None:
            dispatcher.utter_message(response="utter_queue_update", position=position,
                                     wait=wait_minutes(ticket))
        return []


class ActionAnswerAffirm(Action):
    """A "yes" outside a form: accept the offered person, or just carry on."""

    def name(self) -> Text:
        return "action_answer_affirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("offered_handoff"):
            return await ActionHandoff().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_anything_else")
        return []


class ActionAnswerDeny(Action):
    """A "no" outside a form: decline the offered person, or just carry on."""

    def name(self) -> Text:
        return "action_answer_deny"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_anything_else")
        return [SlotSet("offered_handoff", False), SlotSet("handoff_reason", None)]
