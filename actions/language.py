"""Keep the conversation's language: runs after every shopper message, before any reply."""

from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import Tracker, ValidationAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.text.language import choose_language

#: Slots whose answer is the shopper's own text (mapped ``from_text`` in domain.yml): an
#: address or a product name says little about the language the shopper speaks.
FREE_TEXT_SLOTS = {"new_address", "change_request", "return_reason", "product",
                   "payment_method", "payment_details", "survey_comment"}


class ValidatePredefinedSlots(ValidationAction):
    """Rasa calls this global slot-mapping action on every turn."""

    def name(self) -> Text:
        return "action_validate_slot_mappings"

    def domain_slots(self, domain: DomainDict) -> list:
        # Runs on every turn, so the domain is not sent to it (selective domain): the slot it
        # fills is named here instead of being read from the domain.
        return ["language"]

    async def extract_language(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        message = tracker.latest_message or {}
        current = tracker.get_slot("language")
        metadata = message.get("metadata") or {}
        reported = metadata.get("language") if isinstance(metadata, dict) else None
        chosen = choose_language(current, message.get("text") or "", message.get("language"),
                                 reported if isinstance(reported, str) else None,
                                 free_text=tracker.get_slot("requested_slot") in FREE_TEXT_SLOTS)
        return {"language": chosen} if chosen != current else {}
