"""Greeting, not understanding, feedback."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel, customer_id, language, services
from actions.replies import not_understood


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


class ActionNotUnderstood(Action):
    """Say so honestly; after two misunderstandings in a row, offer a person."""

    def name(self) -> Text:
        return "action_not_understood"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        return not_understood(dispatcher, tracker)


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
