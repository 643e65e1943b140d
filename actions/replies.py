"""Replies more than one action gives: the greeting, the handoff announcement, "not
understood", and a response in a language the conversation has not switched to yet. No action
classes here."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    NOT_UNDERSTOOD_INTENTS,
    channel,
    client_key,
    customer_id,
    language,
    services,
    settings_now,
    verified_order_id,
    when,
)
from bot.handoff import Ticket, next_opening
from bot.handoff.tickets import PersonRequest, request_person, wait_minutes
from bot.surveys import current_session
from bot.text.language import requested_language


def greet(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Greet a verified customer by name, everyone else politely; a second greeting in the
    session ("hello??", "anyone there") gets no second introduction."""
    if greeted_before(tracker.events):
        dispatcher.utter_message(response="utter_greet_again")
        return []
    customer = services().orders.customer(customer_id(tracker))
    if customer:
        dispatcher.utter_message(response="utter_greet_name", first_name=customer.first_name)
        return [SlotSet("customer_id", customer.customer_id)]
    dispatcher.utter_message(response="utter_greet")
    return []


def greeted_before(events: List[Dict[str, Any]]) -> bool:
    """True when the bot has already greeted in this session: with the greeting action, or with
    the goodbye action answering the session's first message ("moikka" opening a chat)."""
    users = 0
    for event in current_session(events):
        if event.get("event") == "user":
            users += 1
        elif event.get("event") == "action" and (
                event.get("name") == "action_greet"
                or (event.get("name") == "action_goodbye" and users == 1)):
            return True
    return False


def create_ticket(tracker: Tracker, reason: str) -> Optional[Ticket]:
    """Store a ticket for this conversation (or find its open one); None when this client has
    opened as many tickets as the limit allows lately."""
    svc = services()
    customer = customer_id(tracker) or tracker.get_slot("customer_id")
    person = svc.orders.customer(customer) if customer else None
    request = PersonRequest(
        conversation_id=tracker.sender_id, reason=reason, events=tracker.events,
        slots=tracker.current_slot_values(), verified_order=verified_order_id(tracker),
        language=language(tracker), channel=channel(tracker), client=client_key(tracker),
        customer_id=customer,
        customer_name=f"{person.first_name} {person.last_name}" if person else None,
        customer_email=person.email if person else None)
    return request_person(svc.handoff, svc.limits, settings_now(), request).ticket


def wait(ticket: Ticket) -> int:
    """Estimated minutes until an agent takes this ticket."""
    svc = services()
    return wait_minutes(svc.handoff, svc.agents, ticket.ticket_id,
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
        opening = next_opening(settings_now().handoff)
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
                             position=position, wait=wait(ticket))
    if not svc.agents.agents_online():
        dispatcher.utter_message(response="utter_handoff_nobody_online")
    return events


def misunderstood_in_a_row(events: List[Dict[str, Any]]) -> int:
    """How many of the latest shopper messages in a row the bot did not understand."""
    count = 0
    for event in reversed(events):
        if event.get("event") == "session_started":
            break
        if event.get("event") != "user":
            continue
        if not str(event.get("text") or "").strip() or requested_language(event.get("text")):
            continue  # an empty message or a language request is not a misunderstanding
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent not in NOT_UNDERSTOOD_INTENTS:
            break
        count += 1
    return count


def not_understood(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """Say so honestly; after two misunderstandings in a row, offer a person."""
    if not (tracker.latest_message.get("text") or "").strip():
        dispatcher.utter_message(response="utter_empty_message")
        return []
    if requested_language(tracker.latest_message.get("text") or ""):
        # "in English please": the language slot is already switched; say so in it.
        dispatcher.utter_message(response="utter_language_switched")
        return []
    if misunderstood_in_a_row(tracker.events) >= 2:
        dispatcher.utter_message(response="utter_still_not_understood")
        dispatcher.utter_message(response="utter_offer_handoff")
        return [SlotSet("offered_handoff", True), SlotSet("handoff_reason", "misunderstanding")]
    intent = (tracker.latest_message.get("intent") or {}).get("name")
    dispatcher.utter_message(
        response="utter_out_of_scope" if intent == "out_of_scope" else "utter_please_rephrase")
    return []


def response_in_language(domain: DomainDict, name: str, language: str) -> Dict[Text, Any]:
    """The variation of a response for a language (the default one when there is none).

    Needed when a message goes out before the conversation's language slot can be set."""
    variations = (domain.get("responses") or {}).get(name) or [{"text": ""}]
    for variation in variations:
        for condition in variation.get("condition") or []:
            if condition.get("name") == "language" and condition.get("value") == language:
                return variation
    return next((v for v in variations if not v.get("condition")), variations[0])
