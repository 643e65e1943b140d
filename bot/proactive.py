"""Proactive help triggered by the shop: signed events such as an abandoned cart."""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from bot.i18n import LANGUAGES

SIGNATURE_HEADER = "X-Signature"
MAX_ITEMS = 20
CHANNELS = ("socketio", "latest", "telegram", "facebook", "slack", "twilio", "shop_app")


def sign(secret: str, body: bytes) -> str:
    """The signature header value the shop sends: ``sha256=<hex HMAC of the raw body>``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_ok(secret: str, body: bytes, header: Optional[str]) -> bool:
    """True when the header carries a valid signature of the body (constant-time check)."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body), header.strip())


@dataclass(frozen=True)
class AbandonedCart:
    """What the shop tells us: whose session, which cart, which items."""

    session_id: str
    cart_id: str
    items: Tuple[str, ...]
    language: Optional[str] = None
    channel: str = "socketio"  # the widget; a session that never wrote has no latest channel


def _json_object(body: bytes) -> Dict[str, Any]:
    try:
        data: Any = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError("the body must be JSON") from error
    if not isinstance(data, dict):
        raise ValueError("the body must be a JSON object")
    return data


def _channel(data: Dict[str, Any]) -> str:
    channel = data.get("channel") or "socketio"
    if channel not in CHANNELS:
        raise ValueError(f"'channel' must be one of {', '.join(CHANNELS)}")
    return channel


def parse_abandoned_cart(body: bytes) -> AbandonedCart:
    """Read and check the event; ValueError names what is wrong."""
    data = _json_object(body)
    session_id, cart_id = data.get("session_id"), data.get("cart_id")
    for name, value in (("session_id", session_id), ("cart_id", cart_id)):
        if not isinstance(value, str) or not 0 < len(value) <= 200:
            raise ValueError(f"'{name}' must be a non-empty string")
    items = data.get("items") or []
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ValueError("'items' must be a list of product names")
    language = data.get("language")
    channel = _channel(data)
    return AbandonedCart(session_id, cart_id,
                         tuple(i.strip()[:80] for i in items[:MAX_ITEMS] if i.strip()),
                         language if isinstance(language, str) else None, channel)


#: Shop events that lead to a follow-up question.
ORDER_EVENTS = ("delivered", "return_received")


@dataclass(frozen=True)
class OrderEvent:
    """The shop reports that an order arrived or that a return was received."""

    session_id: str
    kind: str
    order_number: str
    language: Optional[str] = None
    channel: str = "socketio"

    @property
    def key(self) -> str:
        """One follow-up per order and kind of event."""
        return f"{self.kind}:{self.order_number}"


def parse_order_event(body: bytes) -> OrderEvent:
    """Read and check a delivery or return event; ValueError names what is wrong."""
    data = _json_object(body)
    session_id = data.get("session_id")
    if not isinstance(session_id, str) or not 0 < len(session_id) <= 200:
        raise ValueError("'session_id' must be a non-empty string")
    kind = data.get("event")
    if kind not in ORDER_EVENTS:
        raise ValueError(f"'event' must be one of {', '.join(ORDER_EVENTS)}")
    number = str(data.get("order_number") or "").strip()
    if not number.isdigit() or len(number) > 12:
        raise ValueError("'order_number' must be the order's number")
    language = data.get("language")
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"'language' must be one of {', '.join(LANGUAGES)}")
    return OrderEvent(session_id, kind, number, language, _channel(data))


def describe_items(items: List[str]) -> str:
    """'Rain jacket, Wool socks and 2 more'."""
    if len(items) <= 2:
        return ", ".join(items)
    return f"{items[0]}, {items[1]} +{len(items) - 2}"
