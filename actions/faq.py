"""Answer FAQs only when the chosen answer itself is confident; otherwise suggest or hand off."""

from __future__ import annotations

from typing import List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import language, latest_entity, services


def selected_answer(tracker: Tracker) -> tuple:
    """(faq key, confidence) the response selector chose for the latest message."""
    selector = (tracker.latest_message.get("response_selector") or {}).get("faq") or {}
    response = selector.get("response") or {}
    key = response.get("intent_response_key") or ""
    return (key.split("/", 1)[1] if "/" in key else None,
            float(response.get("confidence") or 0.0))


def _answer(dispatcher: CollectingDispatcher, key: str) -> List[EventType]:
    dispatcher.utter_message(response=f"utter_faq/{key}")
    return [SlotSet("last_faq", key)]


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
        if key and confidence >= svc.settings.faq_confidence_threshold and svc.kb_entry(key):
            return _answer(dispatcher, key)
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
