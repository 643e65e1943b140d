"""Greeting, not understanding, feedback."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel, language, services
from actions.replies import greet, not_understood


class ActionGreet(Action):
    """Greet a verified customer by name, everyone else politely."""

    def name(self) -> Text:
        return "action_greet"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        return greet(dispatcher, tracker)


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
