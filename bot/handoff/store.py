"""Where handoff tickets live: a Protocol, the embedded SQLite store and a PostgreSQL store.

Both stores share the SQL; claiming is a conditional ``UPDATE ... WHERE status = 'waiting'``,
so exactly one agent wins however many click at once (SQLite serialises writers; PostgreSQL
row locks make the losers see the new status). ``claim_next`` on PostgreSQL picks with
``SELECT ... FOR UPDATE SKIP LOCKED`` so that agents taking "next" never wait on each other.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import uuid
from contextlib import contextmanager
from dataclasses import asdict, fields, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Protocol, Sequence, Union

from bot.handoff.agents import AGENT_SCHEMA, SQLAgentAccounts
from bot.handoff.models import OPEN_STATES, STATUSES, URGENT_REASONS, Note, Ticket, TranscriptLine
from bot.limits import LIMIT_SCHEMA, SQLAttemptLimits
from bot.surveys.store import SURVEY_SCHEMA, SQLSurveys


class HandoffQueue(Protocol):
    """The queue of conversations waiting for a person, and their tickets."""

    def create(self, ticket: Ticket) -> Ticket:
        """Store a new ticket (or return the conversation's open one) and give it back."""

    def get(self, ticket_id: str) -> Optional[Ticket]:
        """The ticket with this id."""

    def open_ticket_for(self, conversation_id: str) -> Optional[Ticket]:
        """The conversation's waiting or active ticket, if any."""

    def list_open(self) -> List[Ticket]:
        """Waiting and active tickets, most urgent and oldest first."""

    def list_tickets(self, statuses: Sequence[str] = OPEN_STATES, limit: int = 200) -> List[Ticket]:
        """Tickets in the given states, most urgent and oldest first."""

    def position(self, ticket_id: str) -> Optional[int]:
        """1-based place of a waiting ticket in the queue; None if it is not waiting."""

    def claim(self, ticket_id: str, agent: str) -> Optional[Ticket]:
        """Give a waiting ticket to an agent; None if someone else was first."""

    def claim_next(self, agent: str) -> Optional[Ticket]:
        """Give the most urgent waiting ticket to an agent."""

    def release(self, ticket_id: str, agent: Optional[str] = None) -> Optional[Ticket]:
        """Put an active ticket back in the queue, or hand it to another agent."""

    def resolve(self, ticket_id: str) -> Optional[Ticket]:
        """Close a ticket as resolved."""

    def cancel(self, ticket_id: str) -> Optional[Ticket]:
        """The shopper no longer needs a person."""

    def set_status(self, ticket_id: str, status: str) -> Optional[Ticket]:
        """Move a ticket to any state (administrative)."""

    def update(self, ticket_id: str, **changes: Any) -> Optional[Ticket]:
        """Change ticket fields such as ``csat`` or ``followup_email``."""

    def add_note(self, ticket_id: str, author: str, text: str) -> Note:
        """Keep an internal note on a ticket."""

    def notes(self, ticket_id: str) -> List[Note]:
        """The ticket's internal notes, oldest first."""

    def handling_minutes(self, limit: int = 20) -> List[float]:
        """Claim-to-resolution minutes of the most recently resolved tickets."""

    def tickets_created(self, since: datetime, until: datetime) -> List[Ticket]:
        """Every ticket created in ``[since, until)``, oldest first (for the KPIs)."""


def new_ticket_id() -> str:
    """A short, unguessable ticket reference like ``H-3F9A2C1B``."""
    return "H-" + uuid.uuid4().hex[:8].upper()


def priority_for(reason: str) -> int:
    """Complaints and payment problems go first."""
    return 1 if reason in URGENT_REASONS else 2


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
CREATE TABLE IF NOT EXISTS proactive_events (
    cart_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '{}'
);
""" + AGENT_SCHEMA + SURVEY_SCHEMA + LIMIT_SCHEMA


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


class SQLHandoffQueue(SQLAgentAccounts, SQLSurveys, SQLAttemptLimits):
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
        with self._transaction() as cur:
            if self._one(cur, query, params) is not None:
                return False
            cur.execute(self._sql("INSERT INTO proactive_events VALUES (?, ?, ?, ?)"),
                        (key, conversation_id, now.isoformat(), json.dumps(body)))
        return True

    def latest_shop_event(self, conversation_id: str,
                          kinds: Sequence[str]) -> Optional[Dict[str, Any]]:
        """The conversation's most recent shop event of one of these kinds."""
        with self._transaction() as cur:
            rows = self._all(cur, "SELECT body FROM proactive_events WHERE conversation_id = ?"
                                  " ORDER BY created_at DESC LIMIT 20", (conversation_id,))
        for row in rows:
            body = json.loads(row["body"])
            if body.get("kind") in kinds:
                return body
        return None

    def latest_cart(self, conversation_id: str) -> Optional[Dict[str, Any]]:
        """Items and language of the shopper's most recent abandoned cart."""
        return self.latest_shop_event(conversation_id, ("cart",))

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


class SQLiteHandoffQueue(SQLHandoffQueue):
    """Tickets in a SQLite file; every write is committed before the shopper is told."""

    def __init__(self, path: Union[str, Path]) -> None:
        super().__init__()
        self._path = str(path)
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None,
                                   timeout=30)
        if self._path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = FULL")
        with self._transaction() as cursor:
            self._create_schema(cursor)

    def _columns(self, cursor: Any, table: str) -> List[str]:
        cursor.execute(f"PRAGMA table_info({table})")
        return [row[1] for row in cursor.fetchall()]

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        with self._lock:
            cursor = self._db.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")


class PostgresHandoffQueue(SQLHandoffQueue):
    """Tickets in PostgreSQL, for several console or Rasa instances sharing one queue."""

    placeholder = "%s"

    def __init__(self, dsn: str, pool_size: int = 8) -> None:
        super().__init__()
        from psycopg2.pool import ThreadedConnectionPool

        self._pool = ThreadedConnectionPool(1, pool_size, dsn)
        with self._transaction() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(424242)")  # one schema creator at a time
            self._create_schema(cur)

    def _columns(self, cursor: Any, table: str) -> List[str]:
        cursor.execute("SELECT column_name FROM information_schema.columns"
                       " WHERE table_schema = current_schema() AND table_name = %s", (table,))
        return [row[0] for row in cursor.fetchall()]

    def close(self) -> None:
        self._pool.closeall()

    def _select_waiting_for_update(self) -> str:
        return ("SELECT * FROM tickets WHERE status = 'waiting'"
                " ORDER BY priority, created_at LIMIT 1 FOR UPDATE SKIP LOCKED")

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        connection = self._pool.getconn()
        try:
            with connection:  # commits on success, rolls back on error
                with connection.cursor() as cursor:
                    yield cursor
        finally:
            self._pool.putconn(connection)
