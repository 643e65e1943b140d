"""Greeting, not understanding, feedback."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel, customer_id, language, services
from bot.text.language import requested_language

#: What a shopper said that the bot did not understand.
NOT_UNDERSTOOD = {"nlu_fallback", "out_of_scope"}


class ActionGreet(Action):
    """Greet a verified customer by name, everyone else politely."""

    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if greeted_before(tracker.events):  # "hello??", "anyone there": no second introduction
            dispatcher.utter_message(response="utter_greet_again")
            return []
        customer = services().orders.customer(customer_id(tracker))
        if customer:
            dispatcher.utter_message(response="utter_greet_name", first_name=customer.first_name)
            return [SlotSet("customer_id", customer.customer_id)]
        dispatcher.utter_message(response="utter_greet")
        return []


def greeted_before(events: List[Dict[str, Any]]) -> bool:
    """True when the bot has already greeted in this session."""
    for event in reversed(events):
        if event.get("event") == "session_started":
            return False
        if event.get("event") == "action" and event.get("name") == "action_greet":
            return True
    return False


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
        if intent not in NOT_UNDERSTOOD:
            break
        count += 1
    return count


class ActionNotUnderstood(Action):
    """Say so honestly; after two misunderstandings in a row, offer a person."""

    def name(self) -> Text:
        return "action_not_understood"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
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


class ActionStoreFeedback(Action):
    """Keep the shopper's feedback for the support team and thank them."""

    def name(self) -> Text:
        return "action_store_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        text = (tracker.latest_message.get("text") or "").strip()
        if text and not text.startswith("/"):
            services().feedback.add_feedback(tracker.sender_id, text, channel(tracker),
                                             language(tracker))
        dispatcher.utter_message(response="utter_feedback_thanks")
        return []
