"""Satisfaction surveys: CSAT when a conversation is resolved, NPS once per period, follow-ups
after shop events. Every answer is stored with what the conversation was about, and only when
the conversation was asked (slot ``survey_pending``, set by the action that asks): a rating
nobody asked for is answered like any unexpected message and not stored."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import channel, customer_id, language, latest_entity, services
from actions.replies import greet, not_understood, response_in_language
from bot.surveys import (
    SurveyResponse,
    bot_resolved,
    current_session,
    faq_keys_of,
    human_took_part,
    intents_of,
    may_ask,
    nps_due,
    opens_session,
    parse_score,
    shopper_key,
)


def shopper(tracker: Tracker) -> str:
    """Whom the survey memory is about: the verified customer, else this conversation."""
    return shopper_key(customer_id(tracker) or tracker.get_slot("customer_id"), tracker.sender_id)


def surveys_allowed(tracker: Tracker) -> bool:
    """False while the shopper's "no thanks" to surveys is remembered."""
    svc = services()
    return may_ask(svc.surveys.survey_prefs(shopper(tracker)), datetime.now(),
                   svc.settings.surveys.decline_days)


def answer_for(tracker: Tracker, kind: str, score: Optional[int], source: str,
               declined: bool = False) -> SurveyResponse:
    """A survey answer carrying the conversation's intents, FAQ answers, channel and language."""
    session = current_session(tracker.events)
    ticket_id = tracker.get_slot("csat_ticket")
    return SurveyResponse(
        kind=kind, source=source, conversation_id=tracker.sender_id, shopper=shopper(tracker),
        score=score, declined=declined, language=language(tracker), channel=channel(tracker),
        human=bool(ticket_id) or human_took_part(session), intents=intents_of(session),
        faq_keys=faq_keys_of(session), ticket_id=ticket_id,
        order_number=tracker.get_slot("survey_order") or tracker.get_slot("verified_order"))


def pending(tracker: Tracker, kind: str) -> bool:
    """True when the conversation was asked this survey question and has not answered it."""
    return tracker.get_slot("survey_pending") == kind


def source_of(tracker: Tracker) -> str:
    """Why the rating was asked (bot, human, delivery, return)."""
    return tracker.get_slot("survey_source") or ("human" if tracker.get_slot("csat_ticket")
                                                 else "bot")


class ClosingAction(Action, ABC):
    """The shopper closes ("thanks", "bye"): ask for a one-tap rating first when the bot solved
    something in this conversation, else just answer politely. Never while a form still waits
    for an answer ("ok thanks" at "Do you want to cancel order ...?"): the question comes again,
    and a rating would ask about a task that is not finished."""

    reply = "utter_goodbye"

    @abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if tracker.active_loop_name is None and bot_resolved(tracker.events) \
                and surveys_allowed(tracker):
            dispatcher.utter_message(response="utter_ask_csat_bot")
            return [SlotSet("survey_source", "bot"), SlotSet("survey_pending", "csat")]
        dispatcher.utter_message(response=self.reply)
        return []


class ActionGoodbye(ClosingAction):
    reply = "utter_goodbye"

    def name(self) -> Text:
        return "action_goodbye"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        # "moikka", "hei hei": hello and goodbye in one word; the first message is a hello.
        if opens_session(tracker.events):
            return greet(dispatcher, tracker)
        return await super().run(dispatcher, tracker, domain)


class ActionThank(ClosingAction):
    reply = "utter_you_are_welcome"

    def name(self) -> Text:
        return "action_thank"


class ActionAskCsat(Action):
    """The person is done: the bot is back and asks for a 1-5 rating (unless declined)."""

    def name(self) -> Text:
        return "action_ask_csat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_back_to_bot")
        ticket = tracker.get_slot("handoff_ticket")
        # The ticket is resolved: whatever the bot asked before the person came (the
        # after-hours email, an order form) no longer applies and is not asked again.
        done: List[EventType] = [ActiveLoop(None), SlotSet("requested_slot", None),
                                 SlotSet("handoff_ticket", None)]
        if not surveys_allowed(tracker):
            return done
        # The ticket travels with the question: the email channel makes rating links for it.
        dispatcher.utter_message(response="utter_ask_csat", csat_ticket=ticket)
        return done + [SlotSet("csat_ticket", ticket), SlotSet("survey_source", "human"),
                       SlotSet("survey_pending", "csat")]


class ActionStoreCsat(Action):
    """Keep the rating with the conversation (and the ticket it rates); maybe ask NPS."""

    def name(self) -> Text:
        return "action_store_csat"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if not pending(tracker, "csat"):
            return not_understood(dispatcher, tracker)
        svc = services()
        rating = parse_score(latest_entity(tracker, "rating"), "csat")
        if rating is None:
            dispatcher.utter_message(response="utter_ask_csat")
            return []
        answer = svc.surveys.record_survey(answer_for(tracker, "csat", rating, source_of(tracker)))
        if answer.ticket_id:
            svc.handoff.update(answer.ticket_id, csat=rating)
        dispatcher.utter_message(response="utter_csat_sorry" if rating <= 2
                                 else "utter_csat_thanks")
        who = shopper(tracker)
        now = datetime.now()
        next_question = None
        if nps_due(svc.surveys.survey_prefs(who), now, svc.settings.surveys.nps_period_days,
                   svc.settings.surveys.decline_days):
            svc.surveys.mark_nps_asked(who, now)
            dispatcher.utter_message(response="utter_ask_nps")
            next_question = "nps"
        return [SlotSet("survey_response", answer.response_id), SlotSet("csat_ticket", None),
                SlotSet("survey_source", None), SlotSet("survey_pending", next_question)]


class ActionStoreNps(Action):
    """Keep the 0-10 "would you recommend us" score."""

    def name(self) -> Text:
        return "action_store_nps"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if not pending(tracker, "nps"):
            return not_understood(dispatcher, tracker)
        score = parse_score(latest_entity(tracker, "score"), "nps")
        if score is None:
            dispatcher.utter_message(response="utter_ask_nps")
            return []
        answer = services().surveys.record_survey(answer_for(tracker, "nps", score, "bot"))
        dispatcher.utter_message(response="utter_nps_thanks")
        return [SlotSet("survey_response", answer.response_id), SlotSet("survey_pending", None)]


class ActionDeclineSurvey(Action):
    """"No thanks": remember it, and stop asking. Only a declined question counts in the
    survey figures; "no surveys please" at any other time is still honoured."""

    def name(self) -> Text:
        return "action_decline_survey"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        svc = services()
        svc.surveys.decline_surveys(shopper(tracker))
        asked = tracker.get_slot("survey_pending")
        if asked:
            svc.surveys.record_survey(answer_for(tracker, asked, None, source_of(tracker),
                                                 declined=True))
        dispatcher.utter_message(response="utter_survey_declined")
        return [SlotSet("survey_source", None), SlotSet("csat_ticket", None),
                SlotSet("survey_order", None), SlotSet("survey_pending", None)]


class ValidateSurveyCommentForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_survey_comment_form"

    def validate_survey_comment(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> dict:
        text = value.strip() if isinstance(value, str) else ""
        if not text or text.startswith("/"):
            dispatcher.utter_message(response="utter_ask_survey_comment")
            return {"survey_comment": None}
        return {"survey_comment": text[:2000]}


class ActionStoreSurveyComment(Action):
    """Attach the comment to the rating just given (or keep it as feedback)."""

    def name(self) -> Text:
        return "action_store_survey_comment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        svc = services()
        comment = tracker.get_slot("survey_comment") or ""
        response_id = tracker.get_slot("survey_response")
        if not (response_id and svc.surveys.comment_survey(response_id, comment)):
            svc.feedback.add_feedback(tracker.sender_id, comment, channel(tracker),
                                      language(tracker))
        dispatcher.utter_message(response="utter_survey_comment_thanks")
        return [SlotSet("survey_comment", None)]


class ActionFollowupSurvey(Action):
    """Run by the console when the shop reports a delivery or a received return."""

    def name(self) -> Text:
        return "action_followup_survey"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        svc = services()
        event = svc.shop_events.latest_shop_event(tracker.sender_id,
                                                  ("delivered", "return_received"))
        if event is None or not surveys_allowed(tracker):
            return []
        lang = event.get("language") or tracker.get_slot("language") or "en"
        name = ("utter_followup_delivered" if event["kind"] == "delivered"
                else "utter_followup_return")
        variation = response_in_language(domain, name, lang)
        dispatcher.utter_message(text=variation["text"].format(order_id=event["order_number"]),
                                 buttons=variation.get("buttons") or [])
        source = "delivery" if event["kind"] == "delivered" else "return"
        events: List[EventType] = [SlotSet("survey_source", source),
                                   SlotSet("survey_order", event["order_number"]),
                                   SlotSet("survey_pending", "csat")]
        if event.get("language"):
            events.append(SlotSet("language", lang))
        return events
