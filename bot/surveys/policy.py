"""When to ask a survey question, and what the answered conversation was about.

Pure functions over Rasa tracker events (dicts, as the action server receives them).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence

from bot.surveys.models import SurveyPrefs

#: Intents that ask the bot to do or explain something (a "task" worth rating).
TASK_INTENTS = frozenset({
    "order_status", "change_address", "cancel_order", "change_order", "return_item",
    "refund_status", "payment_issue", "product_info", "recommend_products", "faq",
})
#: Intents that are about the survey itself or small talk; not topics of the conversation.
NOT_TOPICS = frozenset({
    "greet", "goodbye", "thank", "affirm", "deny", "stop", "csat", "nps", "survey_decline",
    "survey_comment", "bot_challenge", "nlu_fallback", "out_of_scope", "inform", "restart",
    "queue_status",
})
#: Bot messages that are survey questions.
SURVEY_QUESTIONS = frozenset({"utter_ask_csat", "utter_ask_csat_bot", "utter_ask_nps",
                              "utter_followup_delivered", "utter_followup_return"})
#: Set whenever a ticket is opened (talk_to_human, complaints, payment problems, an accepted
#: offer of a person): the one sign of a handoff in the conversation, whichever action did it.
HANDOFF_SLOT = "handoff_ticket"


def current_session(events: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The events since the latest ``session_started``."""
    for index in range(len(events) - 1, -1, -1):
        if events[index].get("event") == "session_started":
            return list(events[index + 1:])
    return list(events)


def opens_session(events: Sequence[Dict[str, Any]]) -> bool:
    """True when the latest user message is the first of its session: a "bye" there is a
    greeting (in Finnish and Norwegian the same words say both)."""
    return sum(1 for event in current_session(events) if event.get("event") == "user") <= 1


def _utter_action(event: Dict[str, Any]) -> str:
    return str((event.get("metadata") or {}).get("utter_action") or "")


def intents_of(events: Iterable[Dict[str, Any]]) -> List[str]:
    """The conversation's topics: the intents the shopper raised, first mention first."""
    seen: List[str] = []
    for event in events:
        if event.get("event") != "user":
            continue
        name = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if name and name not in NOT_TOPICS and name not in seen:
            seen.append(name)
    return seen


def faq_keys_of(events: Iterable[Dict[str, Any]]) -> List[str]:
    """The knowledge-base answers the bot gave, first answer first."""
    keys: List[str] = []
    for event in events:
        if event.get("event") == "bot" and _utter_action(event).startswith("utter_faq/"):
            key = _utter_action(event).split("/", 1)[1]
            if key not in keys:
                keys.append(key)
    return keys


def human_took_part(events: Iterable[Dict[str, Any]]) -> bool:
    """True when an agent wrote in the conversation."""
    return any(event.get("event") == "bot" and (event.get("metadata") or {}).get("agent")
               for event in events)


def handed_off(events: Iterable[Dict[str, Any]]) -> bool:
    """True when a ticket was opened or a person took over in these events."""
    return any((event.get("event") == "slot" and event.get("name") == HANDOFF_SLOT
                and event.get("value")) or event.get("event") == "pause" for event in events)


def survey_asked(events: Iterable[Dict[str, Any]]) -> bool:
    """True when a survey question was already asked in these events."""
    return any(event.get("event") == "bot" and _utter_action(event) in SURVEY_QUESTIONS
               for event in events)


def bot_resolved(events: Sequence[Dict[str, Any]]) -> bool:
    """The bot took care of a task in this session without a person, and has not asked yet.

    A conversation counts as resolved by the bot when the shopper raised a task (an order
    question, a return, an FAQ ...) that the bot answered, no ticket was opened, and the shopper
    is closing (the caller asks on "thanks" or "bye").
    """
    session = current_session(events)
    if survey_asked(session):
        return False
    if handed_off(session):
        return False
    return any(topic in TASK_INTENTS for topic in intents_of(session))


def may_ask(prefs: SurveyPrefs, now: datetime, decline_days: int) -> bool:
    """False while the shopper's "no thanks" is remembered."""
    return prefs.declined_at is None or now - prefs.declined_at >= timedelta(days=decline_days)


def nps_due(prefs: SurveyPrefs, now: datetime, period_days: int, decline_days: int) -> bool:
    """At most one NPS question per shopper per period, and none after a "no thanks"."""
    if not may_ask(prefs, now, decline_days):
        return False
    return prefs.nps_asked_at is None or now - prefs.nps_asked_at >= timedelta(days=period_days)


def shopper_key(customer_id: Optional[str], conversation_id: str) -> str:
    """Who answers: the shop's customer when known, else the conversation (a widget session)."""
    return f"customer:{customer_id}" if customer_id else f"conversation:{conversation_id}"


def parse_score(raw: Optional[str], kind: str) -> Optional[int]:
    """A score the shopper gave (button or typed), or None when it is not one."""
    text = (raw or "").strip()
    if not text.isdigit():
        return None
    value = int(text)
    low, high = (1, 5) if kind == "csat" else (0, 10)
    return value if low <= value <= high else None
