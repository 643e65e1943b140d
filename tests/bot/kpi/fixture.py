"""A small set of conversations with known KPIs, written the way Rasa's SQL tracker store
writes them (same table, same columns, same JSON)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from zoneinfo import ZoneInfo

from bot.handoff import SQLiteHandoffQueue, Ticket
from bot.surveys import SurveyResponse

ZONE = ZoneInfo("Europe/Helsinki")
#: Monday 2 March 2026, 10:00 in Helsinki.
MONDAY_10 = datetime(2026, 3, 2, 10, 0, tzinfo=ZONE).timestamp()
DAY = 86400.0

EVENTS_TABLE = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER NOT NULL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255),
    action_name VARCHAR(255), data TEXT)
"""


class Conversations:
    """Writes events; every helper takes seconds after the conversation's start."""

    def __init__(self) -> None:
        self.rows: List[Tuple[str, str, float, Optional[str], Optional[str], str]] = []

    def add(self, sender: str, kind: str, t: float, intent: Optional[str] = None,
            action: Optional[str] = None, **data: Any) -> None:
        data = {"event": kind, "timestamp": t, **data}
        self.rows.append((sender, kind, t, intent, action, json.dumps(data)))

    def conversation(self, sender: str, start: float, channel: str, turns: List[Tuple],
                     language: Optional[str] = None, customer: Optional[str] = None) -> None:
        self.add(sender, "action", start - 1, action="action_session_start",
                 name="action_session_start")
        self.add(sender, "session_started", start - 1)
        if language:
            self.add(sender, "slot", start - 1, action="language", name="language",
                     value=language)
        if customer:
            self.add(sender, "slot", start - 1, action="customer_id", name="customer_id",
                     value=customer)
        for turn in turns:
            kind, offset = turn[0], start + turn[1]
            if kind == "user":
                self.add(sender, "user", offset, intent=turn[2], text=turn[3],
                         parse_data={"intent": {"name": turn[2], "confidence": 0.9}},
                         input_channel=channel)
            elif kind == "bot":
                metadata: Dict[str, Any] = {"utter_action": turn[2]} if turn[2] else {}
                if len(turn) > 3:
                    metadata["agent"] = turn[3]
                self.add(sender, "bot", offset, text="...", metadata=metadata)
            elif kind == "slot":
                self.add(sender, "slot", offset, action=turn[2], name=turn[2], value=turn[3])
            else:
                self.add(sender, "action", offset, action=turn[2], name=turn[2])

    def write(self, path: Path) -> str:
        db = sqlite3.connect(path)
        db.execute(EVENTS_TABLE)
        db.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name,"
                       " action_name, data) VALUES (?,?,?,?,?,?)", self.rows)
        db.commit()
        db.close()
        return f"sqlite:///{path}"


def local(t: float) -> datetime:
    return datetime.fromtimestamp(t)


def build(tmp_path: Path) -> Tuple[str, SQLiteHandoffQueue]:
    """Five conversations, two tickets, four survey answers; the expected KPIs are in tests."""
    c = Conversations()
    # 1: order status solved by the bot (en, widget).
    c.conversation("c1", MONDAY_10, "socketio", [
        ("user", 0, "order_status", "where is 10023"), ("bot", 1, "utter_order_status"),
        ("user", 20, "thank", "thanks"), ("bot", 30, "utter_ask_csat_bot")], language="en")
    # 2: an FAQ answer, then the shopper still wants a person (fi, Telegram).
    c.conversation("c2", MONDAY_10 + DAY, "telegram", [
        ("user", 0, "faq", "palautus?"), ("bot", 2, "utter_faq/return_policy"),
        ("user", 60, "talk_to_human", "ihminen"), ("action", 61, "action_handoff"),
        ("slot", 61, "handoff_ticket", "H-2"),
        ("bot", 62, "utter_handoff_created"), ("bot", 181, None, "alice")], language="fi")
    # 3 and 4: the same customer asks about an order twice within a week (repeat contact).
    for sender, day in (("c3", 2), ("c4", 4)):
        c.conversation(sender, MONDAY_10 + day * DAY, "socketio", [
            ("user", 0, "order_status", "my order?"), ("bot", 3, "utter_ask_order_number"),
            ("user", 10, "inform", "10031"), ("bot", 12, "utter_order_status")],
            language="en", customer="C7")
    # 5: a complaint about a return goes to a person (en, widget).
    c.conversation("c5", MONDAY_10 + 5 * DAY, "socketio", [
        ("user", 0, "return_item", "i want to return my boots"),
        ("bot", 1, "utter_ask_order_number"),
        ("user", 30, "complaint", "this is ridiculous"), ("action", 31, "action_handoff"),
        ("slot", 31, "handoff_ticket", "H-5")],
        language="en")
    url = c.write(tmp_path / "tracker.db")

    queue = SQLiteHandoffQueue(tmp_path / "handoff.db")
    queue.create(Ticket("H-2", "c2", "talk_to_human", "s", language="fi", channel="telegram",
                        created_at=local(MONDAY_10 + DAY + 61)))
    queue.claim("H-2", "alice")
    with queue._transaction() as cur:  # fixed times instead of "now"
        cur.execute("UPDATE tickets SET claimed_at = ?, resolved_at = ?, status = 'resolved'"
                    " WHERE ticket_id = 'H-2'", (local(MONDAY_10 + DAY + 100).isoformat(),
                                                  local(MONDAY_10 + DAY + 600).isoformat()))
    queue.create(Ticket("H-5", "c5", "complaint", "s", priority=1,
                        created_at=local(MONDAY_10 + 5 * DAY + 31)))
    for kind, conversation, score, language, channel, t, faq in (
            ("csat", "c1", 5, "en", "socketio", MONDAY_10 + 40, []),
            ("csat", "c2", 1, "fi", "telegram", MONDAY_10 + DAY + 700, ["return_policy"]),
            ("nps", "c1", 10, "en", "socketio", MONDAY_10 + 50, []),
            ("nps", "c3", 3, "en", "socketio", MONDAY_10 + 2 * DAY + 50, [])):
        queue.record_survey(SurveyResponse(kind, "bot", conversation,
                                           f"conversation:{conversation}", score, language,
                                           channel, faq_keys=faq, created_at=local(t)))
    queue.record_survey(SurveyResponse("csat", "bot", "c4", "customer:C7", None, "en",
                                       "socketio", declined=True,
                                       created_at=local(MONDAY_10 + 4 * DAY + 60)))
    return url, queue
