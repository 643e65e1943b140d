"""Conversations as the KPIs see them, read from Rasa's SQL tracker store.

One Rasa session is one conversation. The reader streams the ``events`` table once, in id
order, and reads only the columns it needs; JSON is parsed only for the slots it keeps
(language, customer, the handoff ticket), everything else comes from columns or a cheap
pattern match.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, Iterator, List, Optional, Protocol, Tuple

import sqlalchemy as sa

from bot.surveys.policy import HANDOFF_SLOT

_CHANNEL = re.compile(r'"input_channel": "([A-Za-z0-9_]+)"')
_FAQ = re.compile(r'"utter_action": "utter_faq/([A-Za-z0-9_]+)"')
_AGENT = re.compile(r'"agent": "')

#: (sender_id, type_name, timestamp, intent_name, action_name, data)
Row = Tuple[str, str, float, Optional[str], Optional[str], Optional[str]]


@dataclass
class Conversation:
    """What happened in one session, with times in Unix seconds."""

    conversation_id: str
    started: float
    ended: float = 0.0
    shopper: str = ""
    language: str = "en"
    channel: str = "unknown"
    intents: List[str] = field(default_factory=list)
    faq_answers: List[Tuple[str, float]] = field(default_factory=list)
    user_times: List[float] = field(default_factory=list)
    first_bot_reply: Optional[float] = None
    last_bot_message: Optional[float] = None
    handoff_at: Optional[float] = None
    first_agent_reply: Optional[float] = None


class EventSource(Protocol):
    """Rows of the tracker store's ``events`` table in id order."""

    def rows(self, since: float, until: float) -> Iterator[Row]:
        """Events with ``since <= timestamp < until``."""


class SQLEventSource:
    """Rasa's SQL tracker store (SQLite or PostgreSQL), given its SQLAlchemy URL."""

    def __init__(self, url: str, batch: int = 20_000) -> None:
        self.url = url
        self.batch = batch

    def rows(self, since: float, until: float) -> Iterator[Row]:
        engine = sa.create_engine(self.url)
        # The raw DB-API cursor (server-side on PostgreSQL) streams plain tuples; the JSON is
        # fetched only for the events whose content matters.
        query = ("SELECT sender_id, type_name, timestamp, intent_name, action_name,"
                 " CASE WHEN type_name IN ('user', 'bot') OR action_name IN"
                 f" ('language', 'customer_id', '{HANDOFF_SLOT}') THEN data END"
                 " FROM events WHERE timestamp >= {p} AND timestamp < {p} AND type_name IN"
                 " ('user', 'bot', 'slot', 'session_started') ORDER BY id")
        connection = engine.raw_connection()
        try:
            if engine.dialect.name == "postgresql":
                cursor = connection.cursor(name="kpi_events")
                cursor.itersize = self.batch
                cursor.execute(query.format(p="%s"), (since, until))
            else:
                cursor = connection.cursor()
                cursor.execute(query.format(p="?"), (since, until))
            while True:
                chunk = cursor.fetchmany(self.batch)
                if not chunk:
                    break
                yield from chunk
        except engine.dialect.dbapi.Error as error:
            if "no such table" not in str(error) and "does not exist" not in str(error):
                raise  # no conversation yet is fine; anything else is not
        finally:
            connection.close()
            engine.dispose()


def _slot_value(data: Optional[str]) -> Any:
    try:
        return json.loads(data or "{}").get("value")
    except ValueError:
        return None


def read_conversations(rows: Iterable[Row]) -> List[Conversation]:
    """Fold the events into conversations (sessions with at least one shopper message)."""
    sessions = _Sessions()
    for sender, kind, stamp, intent, action, data in rows:
        stamp = float(stamp or 0.0)
        if kind == "session_started":
            sessions.close(sender)
        elif kind == "slot":
            sessions.set_slot(sender, action, data, stamp)
        else:
            conversation = sessions.conversation_of(sender, kind, stamp)
            if conversation is None:
                continue  # bot messages before the shopper wrote (proactive) start nothing
            conversation.ended = max(conversation.ended, stamp)
            if kind == "user":
                _add_user_message(conversation, stamp, intent, data)
            elif kind == "bot":
                _add_bot_message(conversation, stamp, data)
    return sessions.finish()


class _Sessions:
    """The fold's state: each sender's open conversation, and the language and customer
    known from their slots (which outlive a session)."""

    def __init__(self) -> None:
        self.open: Dict[str, Conversation] = {}
        self.language: Dict[str, str] = {}
        self.customer: Dict[str, str] = {}
        self.done: List[Conversation] = []

    def close(self, sender: str) -> None:
        """End the sender's conversation; it counts if the shopper wrote in it."""
        conversation = self.open.pop(sender, None)
        if conversation is not None and conversation.user_times:
            self.done.append(conversation)

    def set_slot(self, sender: str, slot: Optional[str], data: Optional[str],
                 stamp: float) -> None:
        """Keep the language, the customer and when the conversation was handed off."""
        conversation = self.open.get(sender)
        if slot == "language":
            value = _slot_value(data)
            if isinstance(value, str) and value:
                self.language[sender] = value
                if conversation is not None:
                    conversation.language = value
        elif slot == "customer_id":
            value = _slot_value(data)
            if isinstance(value, str) and value:
                self.customer[sender] = value
                if conversation is not None:
                    conversation.shopper = f"customer:{value}"
        elif slot == HANDOFF_SLOT and conversation is not None and _slot_value(data):
            if conversation.handoff_at is None:
                conversation.handoff_at = stamp

    def conversation_of(self, sender: str, kind: str, stamp: float) -> Optional[Conversation]:
        """The sender's open conversation; a shopper's message starts one."""
        conversation = self.open.get(sender)
        if conversation is None and kind == "user":
            conversation = self.open[sender] = Conversation(
                sender, stamp, language=self.language.get(sender, "en"),
                shopper=f"customer:{self.customer[sender]}" if sender in self.customer
                else f"conversation:{sender}")
        return conversation

    def finish(self) -> List[Conversation]:
        """Every conversation, the open ones closed, in the order they started."""
        for sender in list(self.open):
            self.close(sender)
        self.done.sort(key=lambda c: c.started)
        return self.done


def _add_user_message(conversation: Conversation, stamp: float, intent: Optional[str],
                      data: Optional[str]) -> None:
    """A shopper's message: its time, the channel (from the first) and a new intent."""
    conversation.user_times.append(stamp)
    if conversation.channel == "unknown" and data:
        found = _CHANNEL.search(data)
        if found:
            conversation.channel = found.group(1)
    if intent and intent not in conversation.intents:
        conversation.intents.append(intent)


def _add_bot_message(conversation: Conversation, stamp: float, data: Optional[str]) -> None:
    """A message to the shopper: an agent's first reply, or the bot's replies and FAQ answers."""
    if data and _AGENT.search(data):
        if conversation.first_agent_reply is None:
            conversation.first_agent_reply = stamp
        return
    if conversation.first_bot_reply is None:
        conversation.first_bot_reply = stamp
    conversation.last_bot_message = stamp
    if data:
        found = _FAQ.search(data)
        if found:
            conversation.faq_answers.append((found.group(1), stamp))
