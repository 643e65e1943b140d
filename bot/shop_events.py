"""What the assistant remembers of the shop's events (abandoned carts, deliveries, returns):
each is acted on once, and a shopper is not nudged twice in a short while."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, Dict, Optional, Protocol, Sequence

SHOP_EVENTS_SCHEMA = """
CREATE TABLE IF NOT EXISTS proactive_events (
    cart_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '{}'
);
"""


class ShopEvents(Protocol):
    """The shop's events per conversation, shared by every process."""

    def remember_cart(self, cart_id: str, conversation_id: str, min_gap_minutes: int = 60,
                      items: Sequence[str] = (), language: Optional[str] = None) -> bool:
        """True the first time a cart is seen, unless the shopper got a nudge recently."""

    def remember_shop_event(self, key: str, conversation_id: str, body: Dict[str, Any],
                            min_gap_minutes: Optional[int] = None) -> bool:
        """Keep a shop event once; False when it was seen before or the shopper was nudged."""

    def latest_shop_event(self, conversation_id: str,
                          kinds: Sequence[str]) -> Optional[Dict[str, Any]]:
        """The conversation's most recent shop event of one of these kinds."""

    def latest_cart(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        """Items and language of the shopper's most recent abandoned cart."""


class SQLShopEvents:
    """Mixin for the SQL queue stores: events in the ``proactive_events`` table."""

    def remember_cart(self, cart_id: str, conversation_id: str, min_gap_minutes: int = 60,
                      items: Sequence[str] = (), language: Optional[str] = None) -> bool:
        """True the first time a cart is seen, unless the shopper got a nudge recently."""
        return self.remember_shop_event(
            cart_id, conversation_id, {"kind": "cart", "items": list(items), "language": language},
            min_gap_minutes=min_gap_minutes)

    def remember_shop_event(self, key: str, conversation_id: str, body: Dict[str, Any],
                            min_gap_minutes: Optional[int] = None) -> bool:
        """Keep a shop event (e.g. ``delivered:10023``) once; False when it was seen before,
        or when the shopper got a proactive message in the last ``min_gap_minutes``."""
        now = datetime.now()
        query, params = "SELECT cart_id FROM proactive_events WHERE cart_id = ?", [key]
        if min_gap_minutes is not None:
            query += " OR (conversation_id = ? AND created_at >= ?)"
            params += [conversation_id, (now - timedelta(minutes=min_gap_minutes)).isoformat()]
        with self._transaction() as cur:  # type: ignore[attr-defined]
            if self._one(cur, query, params) is not None:  # type: ignore[attr-defined]
                return False
            insert = self._sql("INSERT INTO proactive_events VALUES (?, ?, ?, ?)")  # type: ignore
            cur.execute(insert, (key, conversation_id, now.isoformat(), json.dumps(body)))
        return True

    def latest_shop_event(self, conversation_id: str,
                          kinds: Sequence[str]) -> Optional[Dict[str, Any]]:
        """The conversation's most recent shop event of one of these kinds."""
        with self._transaction() as cur:  # type: ignore[attr-defined]
            rows = self._all(cur, "SELECT body FROM proactive_events"  # type: ignore
                                  " WHERE conversation_id = ? ORDER BY created_at DESC LIMIT 20",
                             (conversation_id,))
        for row in rows:
            body = json.loads(row["body"])
            if body.get("kind") in kinds:
                return body
        return None

    def latest_cart(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        """Items and language of the shopper's most recent abandoned cart."""
        return self.latest_shop_event(conversation_id, ("cart",))
