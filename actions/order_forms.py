"""One form per order task. The shared base class owns verification: order number plus the
email on the order (or a signed customer token), at most N tries; only then the task's own
slots are asked, and only if the shop's rules allow the task for this order."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import customer_id, latest_entity, services, verified_order
from bot.shop import Decision, Order, normalise_email, normalise_order_number

VERIFICATION_SLOTS = ("order_number", "email")


def verification_slots(tracker: Tracker) -> List[Text]:
    """The verification slots still to ask; empty once verified or out of tries."""
    limit = services().settings.max_verification_attempts
    if int(tracker.get_slot("verification_failures") or 0) >= limit:
        return []
    verified = tracker.get_slot("verified_order")
    number = tracker.get_slot("order_number")
    if verified and (not number or number == verified):
        return []
    customer = customer_id(tracker)
    if customer and (not number or services().orders.owns(customer, number)):
        return ["order_number"]
    return list(VERIFICATION_SLOTS)


class OrderFormValidation(FormValidationAction, ABC):
    """Base of every order form's validation action."""

    #: Slots the task asks once the order is verified and the task allowed.
    task_slots: Tuple[Text, ...] = ()

    @abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""

    def decision(self, order: Order) -> Decision:
        """Whether the shop's rules allow this task for the order."""
        return Decision(True)

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        pending = verification_slots(tracker)
        if pending:
            return pending
        order = verified_order(tracker)
        if order is None or not self.task_slots or not self.decision(order).allowed:
            return []
        return list(self.task_slots)

    def validate_order_number(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        number = normalise_order_number(value if isinstance(value, str) else str(value or ""))
        if number is None:
            dispatcher.utter_message(response="utter_invalid_order_number")
            return {"order_number": None}
        customer = customer_id(tracker)
        if customer and services().orders.owns(customer, number):
            return {"order_number": number, "verified_order": number}
        email = tracker.get_slot("email")
        if email:
            return {"order_number": number, **_check(number, email, dispatcher, tracker)}
        return {"order_number": number, "verified_order": None}

    async def extract_email(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> Dict[Text, Any]:
        """An answer with an "@" that the entity extractors did not take for an email (a typo,
        letters like "ä"): still the shopper's answer, so that it is checked and answered
        (``validate_email``) instead of the question coming again without a word."""
        if tracker.get_slot("requested_slot") != "email" or latest_entity(tracker, "email"):
            return {}
        text = (tracker.latest_message or {}).get("text") or ""
        words = [word for word in text.split() if "@" in word]
        return {"email": words[0]} if words else {}

    def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> Dict[Text, Any]:
        email = normalise_email(value if isinstance(value, str) else None)
        if email is None:
            dispatcher.utter_message(response="utter_invalid_email")
            return {"email": None}
        number = tracker.get_slot("order_number")
        if not number:
            return {"email": email}
        return {"email": email, **_check(number, email, dispatcher, tracker)}


def _check(number: str, email: str, dispatcher: CollectingDispatcher,
           tracker: Tracker) -> Dict[Text, Any]:
    """Verify the pair; on failure count it, forget both and say how many tries remain."""
    if services().orders.verify(number, email=email) is not None:
        return {"verified_order": number, "verification_failures": 0}
    failures = int(tracker.get_slot("verification_failures") or 0) + 1
    remaining = services().settings.max_verification_attempts - failures
    if remaining > 0:
        dispatcher.utter_message(response="utter_verification_failed", remaining=remaining)
    return {"verification_failures": failures, "order_number": None, "email": None,
            "verified_order": None}


def offer_handoff(dispatcher: CollectingDispatcher, reason: str) -> List[EventType]:
    """Ask whether the shopper wants a person; affirm then creates the ticket."""
    dispatcher.utter_message(response="utter_offer_handoff")
    return [SlotSet("offered_handoff", True), SlotSet("handoff_reason", reason)]


class OrderTaskAction(Action, ABC):
    """Base of the actions that run when an order form completes."""

    @abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""

    def decision(self, order: Order) -> Decision:
        return Decision(True)

    def refuse(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: Order,
               decision: Decision) -> List[EventType]:
        """Explain why the task is not possible for this order."""
        return []

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  order: Order) -> List[EventType]:
        """Carry out the task for a verified order."""
        raise NotImplementedError

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        order: Optional[Order] = verified_order(tracker)
        if order is None:
            dispatcher.utter_message(response="utter_verification_gave_up")
            return [SlotSet("verification_failures", 0), SlotSet("order_number", None),
                    SlotSet("email", None)] + offer_handoff(dispatcher, "verification_failed")
        decision = self.decision(order)
        if not decision.allowed:
            return self.refuse(dispatcher, tracker, order, decision)
        return await self.act(dispatcher, tracker, order)
