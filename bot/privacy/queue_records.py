"""Shopper data in the handoff queue's database: tickets and their notes, survey answers,
review items, shop events (abandoned carts, deliveries), rate-limit attempts and the email
channel's threads.

Each part works through the queue store's own transaction and SQL helpers, the way the review
inbox does, so the same statements run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any, Collection, ContextManager, Dict, Iterable, List, Protocol, Sequence, Set

from bot.privacy.base import Counts, Cutoffs, Shopper, chunks, like_pattern

#: Ticket states that are over; open tickets are never purged, however old.
CLOSED_STATES = ("resolved", "cancelled")


class QueueDatabase(Protocol):
    """The helpers of the SQL queue stores (``bot.handoff.sql_queue.SQLHandoffQueue``)."""

    def _transaction(self) -> ContextManager[Any]:
        """A cursor inside one committed transaction."""

    def _sql(self, query: str) -> str:
        """The query with ``?`` placeholders in the driver's style."""

    def _all(self, cursor: Any, query: str, params: Sequence = ()) -> List[Dict[str, Any]]:
        """Every row of a query, as dicts."""

    def _columns(self, cursor: Any, table: str) -> List[str]:
        """The table's columns ([] when it does not exist)."""


class _QueueTables:
    """Shared plumbing: deletes by a list of values, in chunks, in the caller's transaction."""

    def __init__(self, queue: QueueDatabase) -> None:
        self.queue = queue

    def _delete_in(self, cursor: Any, table: str, column: str, values: Iterable[str]) -> int:
        removed = 0
        for batch in chunks(sorted(set(values))):
            marks = ", ".join("?" * len(batch))
            cursor.execute(self.queue._sql(f"DELETE FROM {table} WHERE {column} IN ({marks})"),
                           tuple(batch))
            removed += cursor.rowcount or 0
        return removed

    def _select_in(self, cursor: Any, query: str, values: Iterable[str],
                   extra: Sequence = ()) -> List[Dict[str, Any]]:
        """Rows of ``query``, whose ``{marks}`` is filled with one placeholder per value."""
        rows: List[Dict[str, Any]] = []
        for batch in chunks(sorted(set(values))):
            rows += self.queue._all(cursor, query.format(marks=", ".join("?" * len(batch))),
                                    (*batch, *extra))
        return rows


class TicketRecords(_QueueTables):
    """Handoff tickets (transcript, slots, follow-up email) and the agents' notes on them."""

    def conversations_of(self, shopper: Shopper) -> Set[str]:
        """Conversations whose tickets carry the email address or the customer id."""
        needle = shopper.email or shopper.customer_id or ""
        with self.queue._transaction() as cur:
            rows = self.queue._all(cur, "SELECT conversation_id, body FROM tickets WHERE"
                                        " lower(body) LIKE ? ESCAPE '!'", (like_pattern(needle),))
        found = set()
        for row in rows:
            body = json.loads(row["body"] or "{}")
            slots = body.get("slots") or {}
            if shopper.mentioned_in(row["body"]) or (shopper.customer_id and shopper.customer_id
                                                     in (body.get("customer_id"),
                                                         slots.get("customer_id"))):
                found.add(row["conversation_id"])
        return found

    def erase(self, shopper: Shopper, conversations: Collection[str]) -> Counts:
        """Delete the conversations' tickets, open or closed, with their notes."""
        with self.queue._transaction() as cur:
            tickets = [row["ticket_id"] for row in self._select_in(
                cur, "SELECT ticket_id FROM tickets WHERE conversation_id IN ({marks})",
                conversations)]
            return self._delete_tickets(cur, tickets)

    def purge(self, cutoffs: Cutoffs) -> Counts:
        """Delete resolved and cancelled tickets closed before the ticket limit."""
        with self.queue._transaction() as cur:
            tickets = [row["ticket_id"] for row in self.queue._all(
                cur, "SELECT ticket_id FROM tickets WHERE status IN (?, ?) AND"
                     " COALESCE(resolved_at, created_at) < ?",
                (*CLOSED_STATES, cutoffs.tickets.isoformat()))]
            return self._delete_tickets(cur, tickets)

    def _delete_tickets(self, cursor: Any, tickets: List[str]) -> Counts:
        notes = self._delete_in(cursor, "ticket_notes", "ticket_id", tickets)
        return {"tickets": self._delete_in(cursor, "tickets", "ticket_id", tickets),
                "ticket_notes": notes}


class SurveyRecords(_QueueTables):
    """Survey answers (scores, comments) and the per-shopper survey memory."""

    def conversations_of(self, shopper: Shopper) -> Set[str]:
        """Conversations the customer answered surveys in, or whose comments give the email."""
        with self.queue._transaction() as cur:
            if shopper.customer_id:
                rows = self._select_in(cur, "SELECT conversation_id FROM survey_responses WHERE"
                                            " shopper IN ({marks})", shopper.survey_keys)
                return {row["conversation_id"] for row in rows}
            rows = self.queue._all(cur, "SELECT conversation_id, comment FROM survey_responses"
                                        " WHERE lower(comment) LIKE ? ESCAPE '!'",
                                   (like_pattern(shopper.email or ""),))
        return {row["conversation_id"] for row in rows if shopper.mentioned_in(row["comment"])}

    def erase(self, shopper: Shopper, conversations: Collection[str]) -> Counts:
        """Delete the answers given in these conversations or by the customer, and what the
        survey logic remembers about them."""
        keys = shopper.survey_keys + [f"conversation:{c}" for c in conversations]
        with self.queue._transaction() as cur:
            answers = self._delete_in(cur, "survey_responses", "conversation_id", conversations)
            answers += self._delete_in(cur, "survey_responses", "shopper", keys)
            prefs = self._delete_in(cur, "survey_prefs", "shopper", keys)
        return {"survey_answers": answers, "survey_prefs": prefs}

    def purge(self, cutoffs: Cutoffs) -> Counts:
        """Delete answers older than the survey limit, and survey memory that no longer
        has an effect."""
        memory = cutoffs.survey_memory.isoformat()
        with self.queue._transaction() as cur:
            cur.execute(self.queue._sql("DELETE FROM survey_responses WHERE created_at < ?"),
                        (cutoffs.surveys.isoformat(),))
            answers = cur.rowcount or 0
            cur.execute(self.queue._sql(
                "DELETE FROM survey_prefs WHERE (declined_at IS NULL OR declined_at < ?) AND"
                " (nps_asked_at IS NULL OR nps_asked_at < ?)"), (memory, memory))
            prefs = cur.rowcount or 0
        return {"survey_answers": answers, "survey_prefs": prefs}


class ReviewRecords(_QueueTables):
    """The trainers' review inbox: shopper messages with their context (bot.review.inbox).

    Messages labelled there were masked before they became training examples; the items
    themselves hold the original text.
    """

    def _exists(self, cursor: Any) -> bool:
        return bool(self.queue._columns(cursor, "review_items"))  # made by the first refresh

    def conversations_of(self, shopper: Shopper) -> Set[str]:
        """Conversations whose reviewed messages or their context give the email address."""
        if not shopper.email:
            return set()
        pattern = like_pattern(shopper.email)
        with self.queue._transaction() as cur:
            if not self._exists(cur):
                return set()
            rows = self.queue._all(cur, "SELECT conversation_id, text, context FROM review_items"
                                        " WHERE lower(text) LIKE ? ESCAPE '!' OR lower(context)"
                                        " LIKE ? ESCAPE '!'", (pattern, pattern))
        return {row["conversation_id"] for row in rows
                if shopper.mentioned_in(row["text"]) or shopper.mentioned_in(row["context"])}

    def erase(self, shopper: Shopper, conversations: Collection[str]) -> Counts:
        """Delete the review items of these conversations."""
        with self.queue._transaction() as cur:
            if not self._exists(cur):
                return {"review_items": 0}
            return {"review_items": self._delete_in(cur, "review_items", "conversation_id",
                                                    conversations)}

    def purge(self, cutoffs: Cutoffs) -> Counts:
        """Delete review items whose message is older than the review limit."""
        with self.queue._transaction() as cur:
            if not self._exists(cur):
                return {"review_items": 0}
            cur.execute(self.queue._sql("DELETE FROM review_items WHERE created_at < ?"),
                        (cutoffs.review.isoformat(timespec="seconds"),))
            return {"review_items": cur.rowcount or 0}


class ShopEventRecords(_QueueTables):
    """Shop events kept per conversation: abandoned carts (their items), deliveries, returns."""

    def conversations_of(self, shopper: Shopper) -> Set[str]:
        """None: shop events name a conversation, never an email address or customer."""
        return set()

    def erase(self, shopper: Shopper, conversations: Collection[str]) -> Counts:
        """Delete the shop events of these conversations."""
        with self.queue._transaction() as cur:
            return {"shop_events": self._delete_in(cur, "proactive_events", "conversation_id",
                                                   conversations)}

    def purge(self, cutoffs: Cutoffs) -> Counts:
        """Delete shop events older than the conversation limit."""
        with self.queue._transaction() as cur:
            cur.execute(self.queue._sql("DELETE FROM proactive_events WHERE created_at < ?"),
                        (cutoffs.conversations.isoformat(),))
            return {"shop_events": cur.rowcount or 0}


class AttemptRecords:
    """Rate-limit attempts (bot.limits): hashed keys, needed only inside the limit windows."""

    def __init__(self, queue: Any) -> None:
        self.queue = queue

    def conversations_of(self, shopper: Shopper) -> Set[str]:
        """None: attempts keep only hashes, never a conversation."""
        return set()

    def erase(self, shopper: Shopper, conversations: Collection[str]) -> Counts:
        """Nothing to erase by shopper: the keys are hashes and go with the daily purge."""
        return {}

    def purge(self, cutoffs: Cutoffs) -> Counts:
        """Delete attempts older than the longest limit window."""
        return {"attempts": self.queue.purge_attempts(cutoffs.attempts)}


class EmailThreadRecords(_QueueTables):
    """The email channel's threads: each conversation's latest email (address, subject,
    Message-IDs), kept so that a person's answer is threaded; and which tickets were rated by
    email (no personal data, removed with the thread)."""

    def conversations_of(self, shopper: Shopper) -> Set[str]:
        """The email conversations of the shopper's address."""
        if not shopper.email:
            return set()
        with self.queue._transaction() as cur:
            rows = self.queue._all(cur, "SELECT conversation_id FROM email_threads WHERE"
                                        " address = ?", (shopper.email,))
        return {row["conversation_id"] for row in rows}

    def erase(self, shopper: Shopper, conversations: Collection[str]) -> Counts:
        """Delete the threads of these conversations and of the shopper's address."""
        with self.queue._transaction() as cur:
            removed = self._delete_in(cur, "email_threads", "conversation_id", conversations)
            if shopper.email:
                removed += self._delete_in(cur, "email_threads", "address", [shopper.email])
        return {"email_threads": removed}

    def purge(self, cutoffs: Cutoffs) -> Counts:
        """Delete threads whose shopper has not written since the ticket limit, and ratings
        of tickets that are gone."""
        with self.queue._transaction() as cur:
            cur.execute(self.queue._sql("DELETE FROM email_threads WHERE updated_at < ?"),
                        (cutoffs.tickets.isoformat(),))
            threads = cur.rowcount or 0
            cur.execute("DELETE FROM email_ratings WHERE ticket_id NOT IN"
                        " (SELECT ticket_id FROM tickets)")
        return {"email_threads": threads}
