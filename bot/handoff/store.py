"""Where handoff tickets live: a Protocol and the embedded SQLite store."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from dataclasses import asdict, replace
from datetime import datetime
from pathlib import Path
from typing import List, Optional, Protocol, Union

from bot.handoff.models import URGENT_REASONS, Ticket, TranscriptLine

OPEN_STATES = ("waiting", "active")


class HandoffQueue(Protocol):
    """The queue of conversations waiting for a person."""

    def create(self, ticket: Ticket) -> Ticket:
        """Store a new ticket (or return the conversation's open one) and give it back."""

    def get(self, ticket_id: str) -> Optional[Ticket]:
        """The ticket with this id."""

    def open_ticket_for(self, conversation_id: str) -> Optional[Ticket]:
        """The conversation's waiting or active ticket, if any."""

    def list_open(self) -> List[Ticket]:
        """Waiting and active tickets, most urgent and oldest first."""

    def position(self, ticket_id: str) -> Optional[int]:
        """1-based place of a waiting ticket in the queue; None if it is not waiting."""

    def set_status(self, ticket_id: str, status: str) -> Optional[Ticket]:
        """Move a ticket to waiting, active, resolved or cancelled."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    status TEXT NOT NULL,
    priority INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tickets_open ON tickets (status, priority, created_at);
CREATE INDEX IF NOT EXISTS tickets_conversation ON tickets (conversation_id, status);
"""


def new_ticket_id() -> str:
    """A short, unguessable ticket reference like ``H-3F9A2C1B``."""
    return "H-" + uuid.uuid4().hex[:8].upper()


def priority_for(reason: str) -> int:
    """Complaints and payment problems go first."""
    return 1 if reason in URGENT_REASONS else 2


def _to_row(ticket: Ticket) -> tuple:
    body = asdict(ticket)
    body["created_at"] = ticket.created_at.isoformat()
    return (ticket.ticket_id, ticket.conversation_id, ticket.status, ticket.priority,
            ticket.reason, ticket.created_at.isoformat(), json.dumps(body, default=str))


def _from_row(row: sqlite3.Row) -> Ticket:
    body = json.loads(row["body"])
    body["transcript"] = [TranscriptLine(**line) for line in body.get("transcript", [])]
    body["created_at"] = datetime.fromisoformat(body["created_at"])
    body["status"] = row["status"]
    return Ticket(**body)


class SQLiteHandoffQueue:
    """Tickets in a SQLite file; every write is committed before the shopper is told."""

    def __init__(self, path: Union[str, Path]) -> None:
        self._path = str(path)
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        if self._path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def create(self, ticket: Ticket) -> Ticket:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                existing = self._db.execute(
                    "SELECT * FROM tickets WHERE conversation_id = ? AND status IN (?, ?)",
                    (ticket.conversation_id, *OPEN_STATES),
                ).fetchone()
                if existing is None:
                    self._db.execute("INSERT INTO tickets VALUES (?,?,?,?,?,?,?)",
                                     _to_row(ticket))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return _from_row(existing) if existing is not None else ticket

    def get(self, ticket_id: str) -> Optional[Ticket]:
        with self._lock:
            row = self._db.execute("SELECT * FROM tickets WHERE ticket_id = ?",
                                   (ticket_id,)).fetchone()
        return _from_row(row) if row else None

    def open_ticket_for(self, conversation_id: str) -> Optional[Ticket]:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM tickets WHERE conversation_id = ? AND status IN (?, ?)",
                (conversation_id, *OPEN_STATES),
            ).fetchone()
        return _from_row(row) if row else None

    def list_open(self) -> List[Ticket]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM tickets WHERE status IN (?, ?) ORDER BY priority, created_at",
                OPEN_STATES,
            ).fetchall()
        return [_from_row(row) for row in rows]

    def position(self, ticket_id: str) -> Optional[int]:
        with self._lock:
            row = self._db.execute(
                "SELECT priority, created_at, status FROM tickets WHERE ticket_id = ?",
                (ticket_id,),
            ).fetchone()
            if row is None or row["status"] != "waiting":
                return None
            ahead = self._db.execute(
                "SELECT COUNT(*) FROM tickets WHERE status = 'waiting' AND ticket_id != ? AND"
                " (priority < ? OR (priority = ? AND created_at <= ?))",
                (ticket_id, row["priority"], row["priority"], row["created_at"]),
            ).fetchone()[0]
        return int(ahead) + 1

    def set_status(self, ticket_id: str, status: str) -> Optional[Ticket]:
        if status not in ("waiting", "active", "resolved", "cancelled"):
            raise ValueError(f"unknown ticket status {status!r}")
        with self._lock:
            self._db.execute("UPDATE tickets SET status = ? WHERE ticket_id = ?",
                             (status, ticket_id))
        ticket = self.get(ticket_id)
        return replace(ticket, status=status) if ticket else None
