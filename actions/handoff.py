"""Hand the conversation to a person with a ticket that holds the whole context."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel, customer_id, language, services
from bot.handoff import (
    Ticket,
    agent_slots,
    detected_intents,
    new_ticket_id,
    priority_for,
    summarise,
    transcript_from_events,
)

_INTENT_REASONS = {"talk_to_human", "complaint", "payment_issue"}


def create_ticket(tracker: Tracker, reason: str) -> Ticket:
    """Store a ticket for this conversation (or find its open one)."""
    svc = services()
    transcript = transcript_from_events(tracker.events)
    slots = dict(tracker.current_slot_values())
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
    )
    return svc.handoff.create(ticket)


class ActionHandoff(Action):
    """Create the ticket and tell the shopper a person is coming, with their queue place."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        reason = intent if intent in _INTENT_REASONS else (
            tracker.get_slot("handoff_reason") or "talk_to_human")
        if reason == "complaint":
            dispatcher.utter_message(response="utter_complaint_sorry")
        ticket = create_ticket(tracker, reason)
        position = services().handoff.position(ticket.ticket_id) or 1
        dispatcher.utter_message(response="utter_handoff_created", ticket_id=ticket.ticket_id,
                                 position=position)
        return [SlotSet("offered_handoff", False), SlotSet("handoff_reason", None),
                SlotSet("handoff_ticket", ticket.ticket_id)]


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
