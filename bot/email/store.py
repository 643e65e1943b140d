"""What the email channel keeps in the queue's database (SQLite file or PostgreSQL), so that a
restart forgets nothing: each conversation's email thread, and which resolved tickets were
already rated by email.

``SQLEmailStore`` is a mixin of the handoff queue store, like the survey answers, so that one
connection (and one transaction discipline) serves tickets and their email threads. This module
imports nothing of the rest of the assistant: the queue store mixes it in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, Iterator, Optional, Protocol, Tuple

EMAIL_SCHEMA = """
CREATE TABLE IF NOT EXISTS email_threads (
    conversation_id TEXT PRIMARY KEY,
    address TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_id TEXT NOT NULL,
    thread_refs TEXT NOT NULL,
    language TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS email_threads_address ON email_threads (address);
CREATE TABLE IF NOT EXISTS email_ratings (
    ticket_id TEXT PRIMARY KEY,
    rating INTEGER NOT NULL,
    rated_at TEXT NOT NULL
);
"""

_MAX_REFERENCES = 20  # a References header of a long thread keeps its root and latest ids


@dataclass(frozen=True)
class EmailThread:
    """Where a person's answer in a conversation goes: the shopper's latest email.

    Attributes:
        conversation_id: ``email:<address>``.
        address: The shopper's address (the From of their latest email).
        subject: That email's subject.
        message_id: That email's Message-ID (an answer's In-Reply-To).
        references: The References an answer carries: the thread, then that email.
        language: The conversation's language.
        updated_at: When the shopper last wrote.
    """

    conversation_id: str
    address: str
    subject: str
    message_id: str
    references: Tuple[str, ...]
    language: str
    updated_at: datetime = field(default_factory=datetime.now)

    @property
    def thread(self) -> Tuple[str, ...]:
        """The References of an answer (the same name as :attr:`InboundEmail.thread`)."""
        return self.references


class EmailStore(Protocol):
    """The email channel's memory in the queue's database."""

    def remember_thread(self, thread: EmailThread) -> None:
        """Keep (or replace) the conversation's thread."""

    def email_thread(self, conversation_id: str) -> Optional[EmailThread]:
        """The conversation's thread (None when the address never wrote)."""

    def record_email_rating(self, ticket_id: str, rating: int,
                            when: Optional[datetime] = None) -> bool:
        """Keep a ticket's rating given by email; False when the ticket already has one
        (the first rating wins, also when two arrive at the same moment)."""


def references_of(references: Tuple[str, ...]) -> str:
    """The References as stored: the root and the latest ids, space-separated."""
    kept = references if len(references) <= _MAX_REFERENCES else (
        references[:1] + references[-(_MAX_REFERENCES - 1):])
    return " ".join(ref for ref in kept if ref and " " not in ref)


class SQLEmailStore:
    """The email tables over the host store's ``_transaction``, ``_sql`` and ``_one``."""

    def _transaction(self) -> Iterator[Any]:  # provided by the host store
        raise NotImplementedError

    def _sql(self, query: str) -> str:  # provided by the host store
        raise NotImplementedError

    def _one(self, cursor: Any, query: str, params: Any = ()) -> Optional[Dict[str, Any]]:
        raise NotImplementedError  # provided by the host store

    def remember_thread(self, thread: EmailThread) -> None:
        with self._transaction() as cur:
            cur.execute(self._sql(
                "INSERT INTO email_threads (conversation_id, address, subject, message_id,"
                " thread_refs, language, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (conversation_id) DO UPDATE SET address = excluded.address,"
                " subject = excluded.subject, message_id = excluded.message_id,"
                " thread_refs = excluded.thread_refs, language = excluded.language,"
                " updated_at = excluded.updated_at"),
                (thread.conversation_id, thread.address, thread.subject[:300],
                 thread.message_id[:500], references_of(thread.references)[:10_000],
                 thread.language, thread.updated_at.isoformat()))

    def email_thread(self, conversation_id: str) -> Optional[EmailThread]:
        with self._transaction() as cur:
            row = self._one(cur, "SELECT * FROM email_threads WHERE conversation_id = ?",
                            (conversation_id,))
        if row is None:
            return None
        return EmailThread(conversation_id=row["conversation_id"], address=row["address"],
                           subject=row["subject"], message_id=row["message_id"],
                           references=tuple(row["thread_refs"].split()),
                           language=row["language"],
                           updated_at=datetime.fromisoformat(row["updated_at"]))

    def record_email_rating(self, ticket_id: str, rating: int,
                            when: Optional[datetime] = None) -> bool:
        with self._transaction() as cur:
            cur.execute(self._sql("INSERT INTO email_ratings (ticket_id, rating, rated_at)"
                                  " VALUES (?, ?, ?) ON CONFLICT (ticket_id) DO NOTHING"),
                        (ticket_id, rating, (when or datetime.now()).isoformat()))
            return cur.rowcount == 1
