"""The queue database's tables, how they grow between versions, and a ticket as a row.

One database holds the tickets and what lives beside them (agents, survey answers, shop events,
feedback, attempt limits, email threads); each part brings its own tables.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any, Dict, Optional

from bot.email.store import EMAIL_SCHEMA
from bot.feedback import FEEDBACK_SCHEMA
from bot.handoff.agents import AGENT_SCHEMA
from bot.handoff.models import Ticket, TranscriptLine
from bot.limits import LIMIT_SCHEMA
from bot.shop_events import SHOP_EVENTS_SCHEMA
from bot.surveys.store import SURVEY_SCHEMA

_COLUMNS = ("ticket_id", "conversation_id", "status", "priority", "reason", "language",
            "channel", "agent", "created_at", "claimed_at", "resolved_at", "body")
_DATETIMES = ("created_at", "claimed_at", "resolved_at")
_TICKET_FIELDS = {f.name for f in fields(Ticket)}

SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    status TEXT NOT NULL,
    priority INTEGER NOT NULL,
    reason TEXT NOT NULL,
    language TEXT NOT NULL,
    channel TEXT NOT NULL,
    agent TEXT,
    created_at TEXT NOT NULL,
    claimed_at TEXT,
    resolved_at TEXT,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_queue ON tickets (status, priority, created_at);
CREATE INDEX IF NOT EXISTS tickets_conversation ON tickets (conversation_id, status);
CREATE INDEX IF NOT EXISTS tickets_created ON tickets (created_at);
CREATE TABLE IF NOT EXISTS ticket_notes (
    ticket_id TEXT NOT NULL,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ticket_notes_ticket ON ticket_notes (ticket_id, created_at);
""" + AGENT_SCHEMA + SURVEY_SCHEMA + LIMIT_SCHEMA + SHOP_EVENTS_SCHEMA + FEEDBACK_SCHEMA \
    + EMAIL_SCHEMA


_CREATE_TABLE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+) \((.*)\)", re.S)


def schema_tables() -> Dict[str, Dict[str, str]]:
    """Every table of the schema with its columns' definitions, in order."""
    tables: Dict[str, Dict[str, str]] = {}
    for statement in SCHEMA.split(";"):
        match = _CREATE_TABLE.search(statement)
        if match:
            columns = (line.strip().rstrip(",") for line in match.group(2).splitlines())
            tables[match.group(1)] = {c.split()[0]: " ".join(c.split()[1:]) for c in columns if c}
    return tables


def empty_value(definition: str) -> Any:
    """What an added column holds where a row has no value for it: NULL where allowed."""
    if "NOT NULL" not in definition:
        return None
    return 0 if definition.startswith("INTEGER") else ""


def added_column(definition: str) -> str:
    """A column definition that ALTER TABLE ... ADD COLUMN accepts on a table with rows."""
    definition = definition.replace("PRIMARY KEY", "").strip()
    if "NOT NULL" in definition and "DEFAULT" not in definition:
        definition += f" DEFAULT {empty_value(definition)!r}"
    return definition


def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat() if value else None


def to_row(ticket: Ticket) -> tuple:
    """The ticket as a row of the ``tickets`` table."""
    body = asdict(ticket)
    for key in _DATETIMES:
        body[key] = _iso(getattr(ticket, key))
    return (ticket.ticket_id, ticket.conversation_id, ticket.status, ticket.priority,
            ticket.reason, ticket.language, ticket.channel, ticket.agent,
            _iso(ticket.created_at), _iso(ticket.claimed_at), _iso(ticket.resolved_at),
            json.dumps(body, default=str))


def from_row(row: Dict[str, Any]) -> Ticket:
    """A ticket from a row: the columns win over the JSON body."""
    body = json.loads(row["body"])
    for key in ("status", "priority", "agent", "created_at", "claimed_at", "resolved_at"):
        body[key] = row[key]
    for key in _DATETIMES:
        body[key] = datetime.fromisoformat(body[key]) if body.get(key) else None
    body["transcript"] = [TranscriptLine(**line) for line in body.get("transcript") or []]
    return Ticket(**{k: v for k, v in body.items() if k in _TICKET_FIELDS})
