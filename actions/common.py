"""Small helpers the actions share: who the shopper is, which order, which language."""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import date, datetime
from typing import Any, Dict, List, Optional, Tuple, Union

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.handoff.hours import TeamHours
from bot.i18n import format_date, format_money, language_or_default, status_name
from bot.limits import Limit
from bot.services import Services, get_services
from bot.settings import Settings
from bot.shop import Order, OrderVerifier, normalise_order_number, still_verified
from bot.shop.customer_tokens import customer_from_metadata

#: Slots that belong to one task and are cleared when a new task starts.
TASK_SLOTS = (
    "new_address", "address_confirmed", "cancel_confirmed", "change_request", "change_confirmed",
    "change_hint", "return_reason", "return_confirmed", "payment_method", "payment_details",
    "payment_problem", "unmatched_email",
)


def services() -> Services:
    """The process-wide services."""
    return get_services()


_hours_lock = threading.Lock()
_hours: List[Tuple[Settings, TeamHours]] = []


def settings_now() -> Settings:
    """The settings, with the team's hours and holidays as the endpoints file says now (they
    may change while the assistant runs: ``TeamHours``)."""
    settings = services().settings
    with _hours_lock:
        if not _hours or _hours[0][0] is not settings:
            _hours[:] = [(settings, TeamHours.of(settings))]
        hours = _hours[0][1].current()
    return settings if hours is settings.handoff else dataclasses.replace(settings, handoff=hours)


def customer_id(tracker: Tracker) -> Optional[str]:
    """The customer vouched for by a valid signed token on the latest message, else None."""
    settings = services().settings
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    return customer_from_metadata(metadata, settings.customer_token_secret,
                                  settings.customer_token_max_age_seconds)


def channel(tracker: Tracker) -> str:
    """The input channel of the latest message."""
    return tracker.get_latest_input_channel() or "rest"


def language(tracker: Tracker) -> str:
    """The conversation's language (English until one is detected)."""
    return language_or_default(tracker.get_slot("language"))


def latest_entity(tracker: Tracker, entity: str) -> Optional[str]:
    """The last value of an entity in the latest message."""
    values = list(tracker.get_latest_entity_values(entity))
    return str(values[-1]) if values else None


def client_key(tracker: Tracker) -> str:
    """Who is asking, for the limits on attempts: the hashed client identifier the channel put
    on the message, else this conversation."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    key = metadata.get("client_key")
    return str(key) if key else f"sender:{tracker.sender_id}"


def verifier() -> OrderVerifier:
    """Order verification within the limits of the settings."""
    svc = services()
    limits = svc.settings.limits
    return OrderVerifier(svc.orders, svc.limits,
                         Limit(limits.verify_failures, limits.verify_window_seconds))


def verification_time() -> Dict[str, float]:
    """The slot that dates a verification made now (set with ``verified_order``)."""
    return {"verified_at": time.time()}


def verified_order_id(tracker: Tracker) -> Optional[str]:
    """The order number this conversation has proven is the shopper's, while the proof holds
    (``verified_minutes``); slots are per conversation, and only actions set these two."""
    return still_verified(tracker.get_slot("verified_order"), tracker.get_slot("verified_at"),
                          time.time(), services().settings.limits.verified_minutes)


def verified_order(tracker: Tracker) -> Optional[Order]:
    """The order the shopper has proven is theirs in this conversation, fresh from the shop."""
    order_id = verified_order_id(tracker)
    if not order_id:
        return None
    return services().orders.shop.get_order(order_id)


#: Intents of messages the bot did not understand.
NOT_UNDERSTOOD_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})


def entity_order_number(tracker: Tracker) -> Optional[str]:
    """An order number the shopper typed in the latest message."""
    return normalise_order_number(latest_entity(tracker, "order_number"))


def unclear_entity(tracker: Tracker, entity: str) -> Optional[str]:
    """The last value of an entity in the shopper's previous message, when the bot did not
    understand that message: "10033, and no automated rubbish" fell back, so the number in
    it is not asked again when the next message says what the shopper wants."""
    users = [event for event in tracker.events if event.get("event") == "user"]
    if len(users) < 2:
        return None
    previous = users[-2].get("parse_data") or {}
    if (previous.get("intent") or {}).get("name") not in NOT_UNDERSTOOD_INTENTS:
        return None
    values = [item.get("value") for item in previous.get("entities") or []
              if item.get("entity") == entity and item.get("value")]
    return str(values[-1]) if values else None


def reset_task_slots() -> List[Dict[str, Any]]:
    """Events that clear every per-task slot."""
    return [SlotSet(name, None) for name in TASK_SLOTS]


def money(tracker: Tracker, amount: float, currency: str = "EUR") -> str:
    """A price as shoppers read it in the conversation's language."""
    return format_money(amount, currency, language(tracker))


def when(tracker: Tracker, value: Optional[Union[date, datetime]]) -> str:
    """A date as shoppers read it in the conversation's language."""
    return format_date(value, language(tracker))


def status_text(tracker: Tracker, value: str) -> str:
    """An order state in the conversation's language."""
    return status_name(value, language(tracker))
