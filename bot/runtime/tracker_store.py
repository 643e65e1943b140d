"""Rasa's SQL tracker store with the current session of recent conversations kept in memory.

Rasa's ``SQLTrackerStore`` reads and deserialises every event of the conversation's session on
each message, which costs tens of milliseconds once a conversation has a few hundred events.
:class:`CachedSQLTrackerStore` writes exactly what the SQL store writes and keeps the session's
events, as they read back from the database, in a bounded in-memory cache. A cached session
is used only while the newest event id in the database is still the one this process wrote or
read last, so other Rasa replicas writing to the same database are seen at once; only the
events they added are read.

Configured in ``endpoints.yml``::

    tracker_store:
      type: bot.runtime.tracker_store.CachedSQLTrackerStore
      dialect: sqlite        # or postgresql, ...: every option of Rasa's SQL tracker store
      db: var/tracker.db
      cached_conversations: 10000   # 0: no cache
      sqlite_wal: true               # SQLite only: write-ahead log, see _write_ahead_log
"""

from __future__ import annotations

import copy
import json
import operator
import threading
from collections import OrderedDict
from itertools import compress, repeat
from typing import Any, Callable, Dict, List, Optional, Sequence, Text, Tuple, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.runtime.store_errors import StoreUnavailable, unavailable_on_connection_errors

#: Positional placeholders of the DB-API parameter styles.
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s"}

#: Seconds a new connection to a database server may take before the turn fails.
CONNECT_TIMEOUT_SECONDS = 5

#: A cached session: the newest event id of the conversation, its session's events and the
#: timestamp of their latest session start.
_Entry = Tuple[int, List[Event], Optional[float]]

_timestamp = operator.attrgetter("timestamp")
_T = TypeVar("_T")


def session_events(events: Sequence[Event]) -> List[Event]:
    """The events Rasa's SQL store returns for the latest session of these events.

    The same rule as its query: every event at or after the latest ``session_started``
    timestamp, or all of them when the conversation has no session start yet.
    """
    # Walked in C (itertools, operator): this runs on every save of a growing session.
    events = list(events)
    starts = list(compress(events, map(isinstance, events, repeat(SessionStarted))))
    if not starts:
        return events
    latest = max(map(_timestamp, starts))
    return list(compress(events, map(operator.ge, map(_timestamp, events), repeat(latest))))


def latest_session_start(events: Sequence[Event]) -> Optional[float]:
    """The timestamp of the latest ``session_started`` among ``events`` (``None``: none)."""
    starts = list(compress(events, map(isinstance, events, repeat(SessionStarted))))
    return max(map(_timestamp, starts)) if starts else None


def session_continued(session: List[Event], latest_start: Optional[float],
                      added: Sequence[Event]) -> Optional[List[Event]]:
    """``session_events(session + added)`` for ``session``, a result of :func:`session_events`
    whose latest session start is at ``latest_start``, looking at the added events only;
    ``None`` when one of them starts a session.

    Every event of ``session`` is at or after that start (all are kept when there is none),
    so only the added events are filtered by its timestamp.
    """
    if any(issubclass(kind, SessionStarted) for kind in set(map(type, added))):
        return None
    if latest_start is None:
        return [*session, *added]
    return [*session, *(event for event in added if event.timestamp >= latest_start)]


def _write_ahead_log(connection: Any, _record: Any) -> None:
    """SQLite in write-ahead-log mode: a commit no longer waits for a full disk sync.

    A crash of the process loses nothing; a power cut can lose the last turns, never the
    database. Readers (the review inbox) no longer block the writer.
    """
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _own_latest_message(events: Sequence[Event]) -> List[Event]:
    """The events with the latest user message copied.

    Events are shared between trackers, as in ``DialogueStateTracker.copy``; the latest user
    message is the one event a turn changes in place (entities added to it), so each tracker
    gets its own.
    """
    own = list(events)
    for index in range(len(own) - 1, -1, -1):
        if isinstance(own[index], UserUttered):
            own[index] = copy.deepcopy(own[index])
            break
    return own


class _Statements:
    """The event table's plain SQL of one database (``None`` for databases other than
    PostgreSQL and SQLite, whose SQLAlchemy queries are used instead)."""

    COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")

    def __init__(self, table: str, placeholder: str) -> None:
        p = placeholder
        self.table, self.placeholder = table, p
        self.newest = f"SELECT max(id) FROM {table} WHERE sender_id = {p}"
        #: Part 0: the newest id; part 1: the remembered newest row, if still there; part 2:
        #: the rows after it, in order.
        self.since = (f"SELECT 0, max(id), NULL FROM {table} WHERE sender_id = {p}"
                      f" UNION ALL SELECT 1, id, NULL FROM {table} WHERE id = {p}"
                      f" AND sender_id = {p}"
                      f" UNION ALL SELECT 2, id, data FROM {table} WHERE sender_id = {p}"
                      f" AND id > {p} ORDER BY 1, 2")
        self._inserts: Dict[int, str] = {}

    @classmethod
    def for_engine(cls, engine: Any, table: Any) -> Optional["_Statements"]:
        placeholder = _PLACEHOLDERS.get(engine.dialect.paramstyle)
        if placeholder is None or engine.dialect.name not in ("postgresql", "sqlite"):
            return None
        return cls(engine.dialect.identifier_preparer.format_table(table), placeholder)

    def insert(self, rows: int) -> str:
        """``rows`` rows in one statement, returning their ids (both databases know
        ``RETURNING``: PostgreSQL, SQLite from 3.35)."""
        statement = self._inserts.get(rows)
        if statement is None:
            values = "(" + ", ".join([self.placeholder] * len(self.COLUMNS)) + ")"
            statement = (f"INSERT INTO {self.table} ({', '.join(self.COLUMNS)}) VALUES "
                         + ", ".join([values] * rows) + " RETURNING id")
            self._inserts[rows] = statement
        return statement


class CachedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that remembers the current session of recent conversations."""

    #: Rows written by one INSERT statement (well under every database's parameter limit).
    INSERT_BATCH = 500

    def __init__(self, *args: Any, cached_conversations: int = 10000,
                 sqlite_wal: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # One open connection per thread instead of a new one for every read and write.
            self.engine = sa.create_engine(self.engine.url,
                                           poolclass=sa.pool.SingletonThreadPool)
            if sqlite_wal:
                sa.event.listen(self.engine, "connect", _write_ahead_log)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        else:
            self._reconnecting_engine()
        self._capacity = max(0, int(cached_conversations))
        self._cache: "OrderedDict[Text, _Entry]" = OrderedDict()
        self._lock = threading.Lock()
        self._sql = _Statements.for_engine(self.engine, self.SQLEvent.__table__)

    def _reconnecting_engine(self) -> None:
        """A database server's engine that survives the server's restart.

        Rasa's engine hands out pooled connections without checking them: after a restart of
        PostgreSQL each stale one fails a turn. Here a read or write that finds its pooled
        connection dead is run once more on a new connection (SQLAlchemy then replaces the
        whole pool): :meth:`_in_session`. That costs nothing while the server is up, unlike
        checking each connection before use (a round trip per read and write). A connection
        attempt gives up after ``CONNECT_TIMEOUT_SECONDS``, so that while the server is down
        a turn fails at once instead of hanging (with ``StoreUnavailable``:
        bot/runtime/store_errors.py). Rasa's pool settings (``SQL_POOL_SIZE`` ...) are kept.
        """
        from rasa.core.tracker_store import create_engine_kwargs

        url = self.engine.url
        options = create_engine_kwargs(url)
        if self.engine.dialect.name == "postgresql":
            options["connect_args"] = {**options.get("connect_args", {}),
                                       "connect_timeout": CONNECT_TIMEOUT_SECONDS}
        self.engine.dispose()
        self.engine = sa.create_engine(url, **options)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def _in_session(self, work: Callable[[Any], _T]) -> _T:
        """``work(session)`` in a session of its own, run a second time when the first found
        its pooled connection dead (the database server restarted since it was opened).

        Running it again is safe for reads, and for :meth:`save`: a write that did not
        commit left nothing, and one whose commit went through before the connection broke
        is seen by the second run, which then adds nothing twice.

        Raises:
            StoreUnavailable: the database cannot be reached.
        """
        for attempt in (1, 2):
            try:
                with unavailable_on_connection_errors(), self.session_scope() as session:
                    return work(session)
            except StoreUnavailable as error:
                cause = error.__cause__
                if attempt == 2 or not getattr(cause, "connection_invalidated", False):
                    raise
        raise AssertionError("unreachable")

    def _newest_id(self, session: Any, sender_id: Text) -> Optional[int]:
        """The id of the conversation's newest stored event (``None`` when it has none).

        Sent as plain SQL on the session's connection rather than compiled by SQLAlchemy's
        query layer each time (which cost more than the query).
        """
        if self._sql is None:  # a database without the plain statements
            statement = sa.select(sa.func.max(self.SQLEvent.id)).where(
                self.SQLEvent.sender_id == sa.bindparam("sender"))
            return session.execute(statement, {"sender": sender_id}).scalar()
        return session.connection().exec_driver_sql(self._sql.newest, (sender_id,)).scalar()

    def _caught_up(self, session: Any, sender_id: Text,
                   entry: _Entry) -> Tuple[bool, Optional[int], Optional[List[Event]]]:
        """Whether the remembered session ``entry`` is still usable, with the newest stored
        id and the session with the events stored since (by another replica) added; one
        round trip.

        Behind a round-robin load balancer each replica sees every third turn of a
        conversation: reading the whole session again each time cost more with every turn.
        Events are stored with growing ids while the conversation's lock is held, so the
        rows after the remembered newest id are exactly the missing ones, as long as the
        remembered newest row is still there (the conversation was not erased since).
        """
        known = entry[0]
        if self._sql is None:  # only whether nothing was stored since
            newest_id = self._newest_id(session, sender_id)
            return newest_id is not None and newest_id == known, newest_id, entry[1]
        newest_id, known_kept, rows = None, False, []
        for part, event_id, data in session.connection().exec_driver_sql(
                self._sql.since, (sender_id, known, sender_id, sender_id, known)):
            if part == 0:
                newest_id = event_id
            elif part == 1:
                known_kept = True
            else:
                rows.append(data)
        if newest_id is None or not known_kept:
            return False, newest_id, None
        if not rows:
            return True, newest_id, entry[1]
        added = [Event.from_parameters(json.loads(data)) for data in rows]
        events = session_continued(entry[1], entry[2], added)
        if events is None:
            events = session_events(entry[1] + added)
            self._remember(sender_id, newest_id, events)
        else:
            self._remember(sender_id, newest_id, events, entry[2])
        return True, newest_id, events

    def _read(self, session: Any, sender_id: Text) -> Optional[List[Event]]:
        """The events of the conversation's latest session (``None``: nothing stored)."""
        entry = self._cached(sender_id)
        if entry is not None:
            usable, newest_id, events = self._caught_up(session, sender_id, entry)
            if usable:
                return events
        else:
            newest_id = self._newest_id(session, sender_id)
        if newest_id is None:
            self._remember(sender_id, None, [])
            return None
        rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        if not rows:
            self._remember(sender_id, None, [])
            return None
        events = [Event.from_parameters(json.loads(row.data)) for row in rows]
        self._remember(sender_id, newest_id, events)
        return events

    def _remember(self, sender_id: Text, newest_id: Optional[int], events: List[Event],
                  latest_start: Any = ...) -> None:
        """Keep a session's events (a result of :func:`session_events`); ``latest_start``
        is their latest session start's timestamp when already known."""
        if not self._capacity:
            return
        if latest_start is ... and newest_id is not None and events:
            latest_start = latest_session_start(events)
        with self._lock:
            if newest_id is None or not events:
                self._cache.pop(sender_id, None)
                return
            self._cache[sender_id] = (newest_id, events, latest_start)
            self._cache.move_to_end(sender_id)
            while len(self._cache) > self._capacity:
                self._cache.popitem(last=False)

    def _cached(self, sender_id: Text) -> Optional[_Entry]:
        with self._lock:
            entry = self._cache.get(sender_id)
            if entry is not None:
                self._cache.move_to_end(sender_id)
            return entry

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        """The tracker of the conversation's latest session, from memory when still current."""
        events = self._in_session(lambda session: self._read(session, sender_id))
        if events is None or not self.domain:
            return None
        return DialogueStateTracker.from_events(sender_id, _own_latest_message(events),
                                                self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events (as the SQL store does) and remember the session.

        When the remembered session is still the newest in the database, its length is the
        number of stored session events, so the count query Rasa's store runs is skipped; the
        new rows' ids come from the insert itself.
        """
        await self.stream_events(tracker)
        self._in_session(lambda session: self._write(session, tracker))

    def _write(self, session: Any, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        newest_id = self._newest_id(session, sender_id)
        entry = self._cached(sender_id)
        if entry is not None and newest_id is not None and entry[0] == newest_id:
            stored = len(entry[1])
        else:
            entry = None
            stored = self._event_query(session, sender_id,
                                       fetch_events_from_all_sessions=False).count()
        all_events = list(tracker.events)
        known = all_events[:stored]
        added: List[Event] = []
        rows = []
        for event in all_events[stored:]:
            data = event.as_dict()
            serialised = json.dumps(data)
            rows.append((sender_id, event.type_name, data.get("timestamp"),
                         data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                         data.get("name"), serialised))
            # What a later read from the database will give back.
            added.append(Event.from_parameters(json.loads(serialised)))
        if rows:
            newest_id = self._insert(session, rows)
        session.commit()
        continued = (session_continued(known, entry[2], added)
                     if entry is not None else None)
        if continued is None:
            self._remember(sender_id, newest_id, session_events(known + added))
        else:
            self._remember(sender_id, newest_id, continued, entry[2])

    def _insert(self, session: Any, rows: List[Tuple[Any, ...]]) -> int:
        """Insert event rows (in the columns of ``_Statements.COLUMNS``); the newest id."""
        if self._sql is None:
            objects = [self.SQLEvent(**dict(zip(_Statements.COLUMNS, row))) for row in rows]
            session.add_all(objects)
            session.flush()
            return max(each.id for each in objects)
        connection = session.connection()
        newest = 0
        for start in range(0, len(rows), self.INSERT_BATCH):
            batch = rows[start:start + self.INSERT_BATCH]
            parameters = [value for row in batch for value in row]
            ids = connection.exec_driver_sql(self._sql.insert(len(batch)), tuple(parameters))
            newest = max(newest, *(event_id for (event_id,) in ids))
        return newest

    def forget(self, sender_id: Optional[Text] = None) -> None:
        """Drop one conversation (or all) from memory; the database is not touched."""
        with self._lock:
            if sender_id is None:
                self._cache.clear()
            else:
                self._cache.pop(sender_id, None)

    def cache_info(self) -> Dict[str, int]:
        """How many conversations are held in memory, and the limit."""
        with self._lock:
            return {"conversations": len(self._cache), "capacity": self._capacity}
