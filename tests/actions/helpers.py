"""Build Rasa SDK trackers the way the Rasa server sends them to the action server."""

from __future__ import annotations

import time
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

DOMAIN: Dict[str, Any] = {}


def user_event(text: str, intent: str, confidence: float = 0.95,
               entities: Optional[List[Dict[str, Any]]] = None,
               metadata: Optional[Dict[str, Any]] = None, timestamp: float = 1.0) -> Dict:
    parse = {"text": text, "intent": {"name": intent, "confidence": confidence},
             "entities": entities or []}
    return {"event": "user", "text": text, "timestamp": timestamp, "parse_data": parse,
            "input_channel": "rest", "metadata": metadata or {}}


def bot_event(text: str, timestamp: float = 1.5) -> Dict:
    return {"event": "bot", "text": text, "timestamp": timestamp}


def tracker(slots: Optional[Dict[str, Any]] = None, text: str = "hello",
            intent: str = "greet", confidence: float = 0.95,
            entities: Optional[List[Dict[str, Any]]] = None,
            metadata: Optional[Dict[str, Any]] = None,
            events: Optional[List[Dict[str, Any]]] = None,
            response_selector: Optional[Dict[str, Any]] = None,
            active_loop: Optional[str] = None, sender: str = "shopper-1") -> Tracker:
    """A tracker whose latest message is ``text``; earlier ``events`` come first."""
    latest = user_event(text, intent, confidence, entities, metadata, timestamp=10.0)
    if response_selector:
        latest["parse_data"]["response_selector"] = response_selector
    history = list(events or []) + [latest]
    message = dict(latest["parse_data"])
    message["metadata"] = metadata or {}
    return Tracker(sender, dict(slots or {}), message, history, False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def entity(name: str, value: str) -> Dict[str, Any]:
    return {"entity": name, "value": value, "start": 0, "end": len(value)}


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    """The response names the action dispatched, in order."""
    return [message.get("response") for message in dispatcher.messages]


def slot_events(events: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The slots the action set, last value wins."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def verified(order_id: str) -> Dict[str, Any]:
    """The slots of an order verified just now in the conversation."""
    return {"verified_order": order_id, "verified_at": time.time()}
