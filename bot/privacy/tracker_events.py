"""Conversations in Rasa's SQL tracker store: the ``events`` table that Rasa's
``SQLTrackerStore`` (and ``bot.runtime.tracker_store.CachedSQLTrackerStore``) writes, one
row per event with the conversation's ``sender_id``, a unix ``timestamp`` and the event as
JSON in ``data``.

Read and written with plain SQL through SQLAlchemy, so any database the tracker store can use
works (SQLite, PostgreSQL, ...). A running Rasa server notices the deletions: its cached
session is used only while the conversation's newest event id is unchanged.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Collection, Dict, Iterator, Optional, Set

import jwt
import sqlalchemy as sa

from bot.privacy.base import Counts, Cutoffs, Shopper, chunks, like_pattern
from bot.shop.customer_tokens import ALGORITHM, METADATA_KEY

#: Slots that hold a shopper's email address or customer id (domain.yml).
EMAIL_SLOTS = ("email", "followup_email")
CUSTOMER_SLOT = "customer_id"

_SENDERS = sa.bindparam("senders", expanding=True)
_DELETE = sa.text("DELETE FROM events WHERE sender_id IN :senders").bindparams(_SENDERS)
_COUNT = sa.text("SELECT COUNT(DISTINCT sender_id) FROM events WHERE sender_id IN :senders"
                 ).bindparams(_SENDERS)


def token_subject(token: Any, secret: str) -> Optional[str]:
    """The customer id of a customer token signed with ``secret``, expired or not.

    Erasure looks for every conversation the customer had, also those whose tokens have long
    expired; a token that is not signed with the secret names nobody.
    """
    if not isinstance(token, str) or not token or not secret:
        return None
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM],
                            options={"verify_exp": False, "verify_iat": False,
                                     "verify_nbf": False, "require": ["sub"]})
    except jwt.PyJWTError:
        return None
    subject = claims.get("sub")
    return subject if isinstance(subject, str) else None


class TrackerEvents:
    """The conversations of Rasa's SQL tracker store at a SQLAlchemy URL."""

    def __init__(self, url: str, customer_token_secret: str = "") -> None:
        self.url = sa.engine.make_url(url)
        self.customer_token_secret = customer_token_secret

    @contextmanager
    def _connection(self) -> Iterator[Optional[sa.engine.Connection]]:
        """A connection to the tracker database, or None while it holds no conversation yet
        (an SQLite file is never created here)."""
        sqlite = self.url.get_backend_name() == "sqlite"
        if sqlite and not Path(self.url.database or "").exists():
            yield None
            return
        # Rasa may be writing a turn; wait for its lock instead of failing at once.
        engine = sa.create_engine(self.url, future=True,
                                  connect_args={"timeout": 30} if sqlite else {})
        try:
            with engine.connect() as connection:
                if not sa.inspect(connection).has_table("events"):
                    yield None
                else:
                    yield connection
        finally:
            engine.dispose()

    def conversations_of(self, shopper: Shopper) -> Set[str]:
        """Conversations in which the shopper's email address was written (by anyone, in any
        event), or that set the customer-id slot or carried a customer token for them."""
        found: Set[str] = set()
        with self._connection() as connection:
            if connection is None:
                return found
            if shopper.email:
                rows = connection.execute(sa.text(
                    "SELECT sender_id, data FROM events WHERE lower(data) LIKE :pattern"
                    " ESCAPE '!'"), {"pattern": like_pattern(shopper.email)})
                found |= {sender for sender, data in rows if shopper.mentioned_in(data or "")}
            if shopper.customer_id:
                found |= self._customer_slots(connection, shopper.customer_id)
                found |= self._customer_tokens(connection, shopper.customer_id)
        return found

    def _customer_slots(self, connection: sa.engine.Connection, customer_id: str) -> Set[str]:
        rows = connection.execute(sa.text(
            "SELECT sender_id, data FROM events WHERE type_name = 'slot' AND lower(data) LIKE"
            " :pattern ESCAPE '!'"), {"pattern": like_pattern(customer_id)})
        found = set()
        for sender, data in rows:
            event = _json(data)
            if event.get("name") == CUSTOMER_SLOT and str(event.get("value")) == customer_id:
                found.add(sender)
        return found

    def _customer_tokens(self, connection: sa.engine.Connection, customer_id: str) -> Set[str]:
        if not self.customer_token_secret:
            return set()
        rows = connection.execute(sa.text(
            "SELECT sender_id, data FROM events WHERE type_name = 'user' AND data LIKE"
            " :pattern"), {"pattern": f"%{METADATA_KEY}%"})
        subjects: Dict[str, Optional[str]] = {}  # a session sends the same token every turn
        found = set()
        for sender, data in rows:
            token = (_json(data).get("metadata") or {}).get(METADATA_KEY)
            if not isinstance(token, str):
                continue
            if token not in subjects:
                subjects[token] = token_subject(token, self.customer_token_secret)
            if subjects[token] == customer_id:
                found.add(sender)
        return found

    def erase(self, shopper: Shopper, conversations: Collection[str]) -> Counts:
        """Delete every event of these conversations."""
        removed = {"conversations": 0, "conversation_events": 0}
        with self._connection() as connection:
            if connection is None:
                return removed
            for batch in chunks(sorted(set(conversations))):
                removed["conversations"] += connection.execute(
                    _COUNT, {"senders": batch}).scalar() or 0
                removed["conversation_events"] += connection.execute(
                    _DELETE, {"senders": batch}).rowcount or 0
                connection.commit()
        return removed

    def purge(self, cutoffs: Cutoffs) -> Counts:
        """Delete the conversations whose latest event is older than the conversation limit.

        Only events from before the limit go, so a shopper who comes back to an old
        conversation while the purge runs keeps the new turn.
        """
        removed = {"conversations": 0, "conversation_events": 0}
        before = cutoffs.conversations.timestamp()
        with self._connection() as connection:
            if connection is None:
                return removed
            old = [row[0] for row in connection.execute(sa.text(
                "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :before"),
                {"before": before})]
            connection.rollback()  # end the read before the deletes take the write lock
            delete = sa.text("DELETE FROM events WHERE sender_id IN :senders AND timestamp <"
                             " :before").bindparams(_SENDERS)
            for batch in chunks(old):
                removed["conversation_events"] += connection.execute(
                    delete, {"senders": batch, "before": before}).rowcount or 0
                connection.commit()
            removed["conversations"] = len(old)
        return removed


def _json(data: Optional[str]) -> Dict[str, Any]:
    try:
        value = json.loads(data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
