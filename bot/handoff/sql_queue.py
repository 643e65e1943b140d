"""The SQL both queue stores share; subclasses say how to connect and lock."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any, Dict, Iterator, List, Optional, Sequence

from bot.email.store import SQLEmailStore
from bot.feedback import SQLFeedback
from bot.handoff.agents import SQLAgentAccounts
from bot.handoff.models import OPEN_STATES, STATUSES, Note, Ticket
from bot.handoff.schema import (
    _COLUMNS,
    _CREATE_TABLE,
    SCHEMA,
    _iso,
    added_column,
    empty_value,
    from_row,
    schema_tables,
    to_row,
)
from bot.limits import SQLAttemptLimits
from bot.shop_events import SQLShopEvents
from bot.surveys.store import SQLSurveys


class SQLHandoffQueue(SQLAgentAccounts, SQLSurveys, SQLAttemptLimits, SQLShopEvents,
                      SQLFeedback, SQLEmailStore):
    """The queue over a DB-API connection; subclasses say how to connect and lock."""

    placeholder = "?"

    def __init__(self) -> None:
        self._lock = threading.RLock()

    # -- plumbing (per dialect) ---------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        raise NotImplementedError

    def _sql(self, query: str) -> str:
        return query if self.placeholder == "?" else query.replace("?", self.placeholder)

    def _columns(self, cursor: Any, table: str) -> List[str]:
        """The columns a table has in the database ([] when it does not exist)."""
        raise NotImplementedError

    def _create_schema(self, cursor: Any) -> None:
        """Create what is missing, and bring tables written by an earlier version up to the
        current columns: the new columns are added, and a ticket's promoted fields are filled
        from its JSON body, so that no ticket of an earlier version is lost or unreadable."""
        statements = [s for s in SCHEMA.split(";") if s.strip()]
        tables = [s for s in statements if _CREATE_TABLE.search(s)]
        for statement in tables:
            cursor.execute(statement)
        added: Dict[str, str] = {}  # the tickets columns added here, with their definitions
        for table, columns in schema_tables().items():
            have = set(self._columns(cursor, table))
            for name, definition in columns.items():
                if name not in have:
                    cursor.execute(f"ALTER TABLE {table} ADD COLUMN {name}"
                                   f" {added_column(definition)}")
                    if table == "tickets":
                        added[name] = definition
        if added:  # every ticket column is also a field of the ticket's JSON body (to_row)
            cursor.execute("SELECT ticket_id, body FROM tickets")
            for ticket_id, body in cursor.fetchall():
                values = json.loads(body or "{}")
                updates = {name: empty_value(definition) if values.get(name) is None
                           else values[name] for name, definition in added.items()}
                cursor.execute(self._sql(
                    f"UPDATE tickets SET {', '.join(f'{n} = ?' for n in updates)}"
                    " WHERE ticket_id = ?"), (*updates.values(), ticket_id))
        for statement in statements:
            if statement not in tables:
                cursor.execute(statement)

    def _one(self, cursor: Any, query: str, params: Sequence = ()) -> Optional[Dict[str, Any]]:
        cursor.execute(self._sql(query), tuple(params))
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row))

    def _all(self, cursor: Any, query: str, params: Sequence = ()) -> List[Dict[str, Any]]:
        cursor.execute(self._sql(query), tuple(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def _select_waiting_for_update(self) -> str:
        return ("SELECT * FROM tickets WHERE status = 'waiting'"
                " ORDER BY priority, created_at LIMIT 1")

    # -- the Protocol -------------------------------------------------------------------------

    def create(self, ticket: Ticket) -> Ticket:
        with self._transaction() as cur:
            existing = self._one(cur, "SELECT * FROM tickets WHERE conversation_id = ? AND"
                                      " status IN ('waiting', 'active')", (ticket.conversation_id,))
            if existing is not None:
                return from_row(existing)
            cur.execute(self._sql(f"INSERT INTO tickets ({', '.join(_COLUMNS)}) VALUES"
                                  f" ({', '.join('?' * len(_COLUMNS))})"), to_row(ticket))
        return ticket

    def get(self, ticket_id: str) -> Optional[Ticket]:
        with self._transaction() as cur:
            row = self._one(cur, "SELECT * FROM tickets WHERE ticket_id = ?", (ticket_id,))
        return from_row(row) if row else None

    def open_ticket_for(self, conversation_id: str) -> Optional[Ticket]:
        with self._transaction() as cur:
            row = self._one(cur, "SELECT * FROM tickets WHERE conversation_id = ? AND status IN"
                                 " ('waiting', 'active') ORDER BY created_at DESC",
                            (conversation_id,))
        return from_row(row) if row else None

    def list_open(self) -> List[Ticket]:
        return self.list_tickets(OPEN_STATES)

    def list_tickets(self, statuses: Sequence[str] = OPEN_STATES, limit: int = 200) -> List[Ticket]:
        wanted = [s for s in statuses if s in STATUSES] or list(OPEN_STATES)
        marks = ", ".join("?" * len(wanted))
        order = "priority, created_at" if set(wanted) <= set(OPEN_STATES) else "created_at DESC"
        with self._transaction() as cur:
            rows = self._all(cur, f"SELECT * FROM tickets WHERE status IN ({marks})"
                                  f" ORDER BY {order} LIMIT ?", (*wanted, int(limit)))
        return [from_row(row) for row in rows]

    def position(self, ticket_id: str) -> Optional[int]:
        with self._transaction() as cur:
            row = self._one(cur, "SELECT priority, created_at, status FROM tickets"
                                 " WHERE ticket_id = ?", (ticket_id,))
            if row is None or row["status"] != "waiting":
                return None
            ahead = self._one(cur, "SELECT COUNT(*) AS n FROM tickets WHERE status = 'waiting'"
                                   " AND ticket_id != ? AND (priority < ? OR (priority = ? AND"
                                   " created_at <= ?))",
                              (ticket_id, row["priority"], row["priority"], row["created_at"]))
        return int(ahead["n"]) + 1

    def claim(self, ticket_id: str, agent: str) -> Optional[Ticket]:
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE tickets SET status = 'active', agent = ?, claimed_at = ?"
                                  " WHERE ticket_id = ? AND status = 'waiting'"),
                        (agent, _iso(datetime.now()), ticket_id))
            won = cur.rowcount == 1
        return self.get(ticket_id) if won else None

    def claim_next(self, agent: str) -> Optional[Ticket]:
        with self._transaction() as cur:
            row = self._one(cur, self._select_waiting_for_update())
            if row is None:
                return None
            cur.execute(self._sql("UPDATE tickets SET status = 'active', agent = ?, claimed_at = ?"
                                  " WHERE ticket_id = ? AND status = 'waiting'"),
                        (agent, _iso(datetime.now()), row["ticket_id"]))
            won = cur.rowcount == 1
        return self.get(row["ticket_id"]) if won else None

    def release(self, ticket_id: str, agent: Optional[str] = None) -> Optional[Ticket]:
        with self._transaction() as cur:
            if agent:
                cur.execute(self._sql("UPDATE tickets SET agent = ? WHERE ticket_id = ? AND"
                                      " status = 'active'"), (agent, ticket_id))
            else:
                cur.execute(self._sql("UPDATE tickets SET status = 'waiting', agent = NULL,"
                                      " claimed_at = NULL WHERE ticket_id = ? AND"
                                      " status = 'active'"), (ticket_id,))
        return self.get(ticket_id)

    def resolve(self, ticket_id: str) -> Optional[Ticket]:
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE tickets SET status = 'resolved', resolved_at = ?"
                                  " WHERE ticket_id = ? AND status IN ('waiting', 'active')"),
                        (_iso(datetime.now()), ticket_id))
        return self.get(ticket_id)

    def cancel(self, ticket_id: str) -> Optional[Ticket]:
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE tickets SET status = 'cancelled', resolved_at = ?"
                                  " WHERE ticket_id = ? AND status = 'waiting'"),
                        (_iso(datetime.now()), ticket_id))
        return self.get(ticket_id)

    def set_status(self, ticket_id: str, status: str) -> Optional[Ticket]:
        if status not in STATUSES:
            raise ValueError(f"unknown ticket status {status!r}")
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE tickets SET status = ? WHERE ticket_id = ?"),
                        (status, ticket_id))
        return self.get(ticket_id)

    def update(self, ticket_id: str, **changes: Any) -> Optional[Ticket]:
        unknown = set(changes) - {"csat", "csat_comment", "followup_email", "after_hours",
                                  "summary", "slots", "language"}
        if unknown:
            raise ValueError(f"cannot change {sorted(unknown)}")
        with self._transaction() as cur:
            row = self._one(cur, "SELECT * FROM tickets WHERE ticket_id = ?", (ticket_id,))
            if row is None:
                return None
            ticket = replace(from_row(row), **changes)
            values = dict(zip(_COLUMNS, to_row(ticket)))
            cur.execute(self._sql("UPDATE tickets SET body = ?, language = ? WHERE ticket_id = ?"),
                        (values["body"], values["language"], ticket_id))
        return ticket

    def add_note(self, ticket_id: str, author: str, text: str) -> Note:
        note = Note(author, text[:4000], datetime.now())
        with self._transaction() as cur:
            cur.execute(self._sql("INSERT INTO ticket_notes (ticket_id, author, text, created_at)"
                                  " VALUES (?, ?, ?, ?)"),
                        (ticket_id, note.author, note.text, _iso(note.created_at)))
        return note

    def notes(self, ticket_id: str) -> List[Note]:
        with self._transaction() as cur:
            rows = self._all(cur, "SELECT author, text, created_at FROM ticket_notes WHERE"
                                  " ticket_id = ? ORDER BY created_at", (ticket_id,))
        return [Note(r["author"], r["text"], datetime.fromisoformat(r["created_at"]))
                for r in rows]

    def tickets_created(self, since: datetime, until: datetime) -> List[Ticket]:
        with self._transaction() as cur:
            rows = self._all(cur, "SELECT * FROM tickets WHERE created_at >= ? AND created_at < ?"
                                  " ORDER BY created_at", (_iso(since), _iso(until)))
        return [from_row(row) for row in rows]

    def handling_minutes(self, limit: int = 20) -> List[float]:
        with self._transaction() as cur:
            rows = self._all(cur, "SELECT claimed_at, resolved_at FROM tickets WHERE status ="
                                  " 'resolved' AND claimed_at IS NOT NULL ORDER BY resolved_at"
                                  " DESC LIMIT ?", (int(limit),))
        return [(datetime.fromisoformat(r["resolved_at"]) -
                 datetime.fromisoformat(r["claimed_at"])).total_seconds() / 60 for r in rows]
