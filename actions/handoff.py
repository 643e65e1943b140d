"""Hand the conversation to a person with a ticket that holds the whole context (one open ticket
per conversation, a limited number of new ones per client); keep the shopper informed while
they wait; ask for a rating when the person is done."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import services
from actions.order_forms import offer_handoff
from actions.replies import announce, create_ticket, wait
from bot.shop import normalise_email

_INTENT_REASONS = {"talk_to_human", "complaint", "payment_issue"}


class ActionHandoff(Action):
    """Create the ticket and tell the shopper a person is coming."""

    def name(self) -> Text:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        understood = tracker.latest_message.get("intent") or {}
        intent = understood.get("name")
        reason = intent if intent in _INTENT_REASONS else (
            tracker.get_slot("handoff_reason") or "talk_to_human")
        if intent == "complaint":
            dispatcher.utter_message(response="utter_complaint_sorry")
            if float(understood.get("confidence") or 0.0) < \
                    services().settings.complaint_ticket_confidence:
                return offer_handoff(dispatcher, "complaint")
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
                                     wait=wait(ticket))
        return []


class ActionQueueStatus(Action):
    """ "How long is the wait?": the place in the queue and the wait, that a person already has
    the conversation, or, with no ticket open, an offer of one."""

    def name(self) -> Text:
        return "action_queue_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        ticket = services().handoff.open_ticket_for(tracker.sender_id)
        if ticket is None:
            dispatcher.utter_message(response="utter_queue_not_waiting")
            return offer_handoff(dispatcher, "talk_to_human")
        position = services().handoff.position(ticket.ticket_id)
        if position is None:
            dispatcher.utter_message(response="utter_queue_taken")
        else:
            dispatcher.utter_message(response="utter_queue_update", position=position,
                                     wait=wait(ticket))
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
