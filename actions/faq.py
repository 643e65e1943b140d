"""Answer FAQs only when the chosen answer itself is confident; otherwise suggest or hand off.
An answer that covers the question only in general says so first and offers a person
("Our page ... doesn't mention sale items specifically")."""

from __future__ import annotations

import threading
from typing import List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import language, latest_entity, services
from bot.kb import AnswerCoverage
from bot.services import Services


def selected_answer(tracker: Tracker) -> tuple:
    """(faq key, confidence) the response selector chose for the latest message."""
    selector = (tracker.latest_message.get("response_selector") or {}).get("faq") or {}
    response = selector.get("response") or {}
    key = response.get("intent_response_key") or ""
    return (key.split("/", 1)[1] if "/" in key else None,
            float(response.get("confidence") or 0.0))


_coverage_lock = threading.Lock()
_coverage: List[Tuple[Services, AnswerCoverage]] = []


def coverage(svc: Services) -> AnswerCoverage:
    """What the KB's answers speak to, built once per services from the training data."""
    with _coverage_lock:
        if not _coverage or _coverage[0][0] is not svc:
            _coverage[:] = [(svc, AnswerCoverage.from_training_data(svc.kb_entries,
                                                                    svc.settings.nlu_dir))]
        return _coverage[0][1]


def _answer(dispatcher: CollectingDispatcher, key: str, topic: str = "",
            title: str = "") -> List[EventType]:
    """Give the KB answer; when it covers the question only in general (``topic`` is what it
    does not mention), say so first and offer a person."""
    if topic:
        dispatcher.utter_message(response="utter_faq_not_specific", topic=topic, title=title)
    dispatcher.utter_message(response=f"utter_faq/{key}")
    if not topic:
        return [SlotSet("last_faq", key)]
    dispatcher.utter_message(response="utter_offer_handoff")
    return [SlotSet("last_faq", key), SlotSet("offered_handoff", True),
            SlotSet("handoff_reason", "faq_not_specific")]


class ActionAnswerFaq(Action):
    """Answer, offer "did you mean" buttons from the KB search, or offer a person."""

    def name(self) -> Text:
        return "action_answer_faq"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        svc = services()
        chosen = latest_entity(tracker, "faq_key")  # a "did you mean" button was clicked
        if chosen and svc.kb_entry(chosen):
            return _answer(dispatcher, chosen)
        key, confidence = selected_answer(tracker)
        entry = svc.kb_entry(key) if key else None
        if entry is not None and confidence >= svc.settings.faq_confidence_threshold:
            lang = language(tracker)
            topic = coverage(svc).unmentioned(tracker.latest_message.get("text") or "", entry,
                                              lang)
            return _answer(dispatcher, entry.key, topic, entry.title_in(lang))
        text = tracker.latest_message.get("text") or ""
        hits = svc.kb_search.search(text, top=3, min_score=svc.settings.kb_search_min_score)
        if hits:
            buttons = [{"title": hit.entry.title_in(language(tracker)),
                        "payload": f'/faq{{"faq_key":"{hit.entry.key}"}}'} for hit in hits]
            dispatcher.utter_message(response="utter_faq_did_you_mean", buttons=buttons)
            return []
        dispatcher.utter_message(response="utter_faq_unknown")
        dispatcher.utter_message(response="utter_offer_handoff")
        return [SlotSet("offered_handoff", True), SlotSet("handoff_reason", "faq_unanswered")]
