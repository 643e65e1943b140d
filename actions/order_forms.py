"""One form per order task. The shared base class owns verification: order number plus the
email on the order (or a signed customer token), at most N tries in a conversation and a limit
on failures per order number, email and client across conversations (bot/shop/verification.py);
only then the task's own slots are asked, and only if the shop's rules allow the task for this
order. A verification holds for ``verified_minutes`` in the conversation that made it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    client_key,
    customer_id,
    latest_entity,
    services,
    verification_time,
    verified_order,
    verified_order_id,
    verifier,
)
from bot.shop import Decision, Order, ShopUnavailable, normalise_email, normalise_order_number
from bot.text.yes_no import starts_with_no

VERIFICATION_SLOTS = ("order_number", "email")
#: The handoff reason (and ticket reason) when the shop's system does not answer.
SHOP_UNAVAILABLE = "shop_unavailable"


def shop_unavailable(dispatcher: CollectingDispatcher) -> List[EventType]:
    """The shop's system did not answer: say so and offer a person. Nothing the shopper typed
    was wrong, so nothing counts against the verification limits."""
    dispatcher.utter_message(response="utter_shop_unavailable")
    return [SlotSet("offered_handoff", True), SlotSet("handoff_reason", SHOP_UNAVAILABLE)]


def verification_slots(tracker: Tracker) -> List[Text]:
    """The verification slots still to ask; empty once verified, out of tries or locked."""
    limit = services().settings.max_verification_attempts
    if int(tracker.get_slot("verification_failures") or 0) >= limit \
            or tracker.get_slot("verification_locked"):
        return []
    verified = verified_order_id(tracker)
    number = tracker.get_slot("order_number")
    if verified and (not number or number == verified):
        return []
    customer = customer_id(tracker)
    if customer and (not number or services().orders.owns(customer, number)):
        return ["order_number"]
    if verification_locked(tracker):
        return []
    return list(VERIFICATION_SLOTS)


def expired_verification(tracker: Tracker) -> List[EventType]:
    """Events that forget a verification that no longer holds, with the email that made it (a
    proof is not reused after its time); none while it holds or when there is none."""
    if not tracker.get_slot("verified_order") or verified_order_id(tracker):
        return []
    return [SlotSet("verified_order", None), SlotSet("verified_at", None), SlotSet("email", None)]


def verification_locked(tracker: Tracker) -> bool:
    """True while this client may not try again: then nothing is asked. (A locked order number
    or email is found when the pair is checked, ``_check``.)"""
    return verifier().lock(client_key(tracker)) is not None


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

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        # A verification that ran out during the form: the email is asked again.
        expired = expired_verification(tracker)
        tracker.add_slots(expired)
        try:
            return expired + await super().run(dispatcher, tracker, domain)
        except ShopUnavailable:  # the form ends; the task action stays silent (run below)
            return expired + shop_unavailable(dispatcher) + [SlotSet("requested_slot", None)]

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
            return {"order_number": number, "verified_order": number, **verification_time()}
        if "email" in tracker.slots_to_validate():
            # Number and email in one message: validate_email checks the pair, once.
            return {"order_number": number, "verified_order": None}
        # After a pair that matched nothing, a corrected number is checked with that email.
        email = tracker.get_slot("email") or tracker.get_slot("unmatched_email")
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

    def declined(self, slot: Text, tracker: Tracker) -> Dict[Text, Any]:
        """A "no" the classifier did not take for one ("hmm wait, no, don't cancel it") where
        the form asked ``slot``: the task is declined, never done (see bot/text/yes_no.py)."""
        if tracker.get_slot("requested_slot") != slot:
            return {}
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent in ("affirm", "deny"):  # the slot's own mappings read it
            return {}
        text = (tracker.latest_message or {}).get("text") or ""
        return {slot: False} if starts_with_no(text) else {}

    async def extract_address_confirmed(self, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self.declined("address_confirmed", tracker)

    async def extract_cancel_confirmed(self, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self.declined("cancel_confirmed", tracker)

    async def extract_change_confirmed(self, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self.declined("change_confirmed", tracker)

    async def extract_return_confirmed(self, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return self.declined("return_confirmed", tracker)

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
    """Verify the pair; on failure count it and say how many tries remain, without saying
    which of the two was wrong. The number is kept and the email asked again; the email is
    kept aside (``unmatched_email``), so that a corrected number is checked with it: the
    shopper corrects whichever was mistyped. When the pair may not be tried (or this failure
    was the last one allowed), the form ends and the task action says so
    (``utter_verification_locked``)."""
    result = verifier().verify(number, email, client_key(tracker))
    if result.order is not None:
        return {"verified_order": number, "verification_failures": 0, "unmatched_email": None,
                **verification_time()}
    if result.locked:
        return {"verification_locked": True, "order_number": None, "email": None,
                "unmatched_email": None, "verified_order": None}
    failures = int(tracker.get_slot("verification_failures") or 0) + 1
    remaining = services().settings.max_verification_attempts - failures
    if remaining > 0:
        dispatcher.utter_message(response="utter_verification_failed", remaining=remaining)
    return {"verification_failures": failures, "email": None, "unmatched_email": email,
            "verified_order": None}


def offer_handoff(dispatcher: CollectingDispatcher, reason: str) -> List[EventType]:
    """Ask whether the shopper wants a person; affirm then creates the ticket."""
    dispatcher.utter_message(response="utter_offer_handoff")
    return [SlotSet("offered_handoff", True), SlotSet("handoff_reason", reason)]


def not_verified(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """The form ended without a verified order: out of tries, or locked for a while. Either way
    a person is offered, who can check the shopper's identity in other ways."""
    reset: List[EventType] = [SlotSet("verification_failures", 0),
                              SlotSet("verification_locked", None),
                              SlotSet("order_number", None), SlotSet("email", None),
                              SlotSet("unmatched_email", None)]
    if tracker.get_slot("verification_locked") or verifier().refusal(client_key(tracker)):
        dispatcher.utter_message(response="utter_verification_locked")
        return reset + offer_handoff(dispatcher, "verification_locked")
    dispatcher.utter_message(response="utter_verification_gave_up")
    return reset + offer_handoff(dispatcher, "verification_failed")


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
        if tracker.get_slot("handoff_reason") == SHOP_UNAVAILABLE:
            return []  # the form has just told the shopper that the shop is not answering
        try:
            order: Optional[Order] = verified_order(tracker)
            if order is None:
                return not_verified(dispatcher, tracker)
            decision = self.decision(order)
            if not decision.allowed:
                return self.refuse(dispatcher, tracker, order, decision)
            return await self.act(dispatcher, tracker, order)
        except ShopUnavailable:
            return shop_unavailable(dispatcher)
