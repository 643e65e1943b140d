"""Feedback shoppers leave in the chat, kept for the support team.

Stored in the queue database beside the tickets (SQLite or PostgreSQL, as the settings say), so
that every process sees it and retention and erasure reach it with the rest.
"""

from __future__ import annotations

import time
from typing import Collection, List, Optional, Protocol, Tuple

FEEDBACK_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    conversation_id TEXT NOT NULL,
    text TEXT NOT NULL,
    channel TEXT NOT NULL,
    language TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_conversation ON feedback (conversation_id);
"""


class FeedbackStore(Protocol):
    """Where free-text feedback goes."""

    def add_feedback(self, conversation_id: str, text: str, channel: str, language: str,
                     now: Optional[float] = None) -> None:
        """Keep one piece of feedback."""

    def recent_feedback(self, limit: int = 50) -> List[Tuple[str, str, float]]:
        """(conversation id, text, unix time) of the newest feedback."""

    def delete_feedback_of(self, conversation_ids: Collection[str]) -> int:
        """Forget the feedback of these conversations (erasure); how many were removed."""

    def delete_feedback_before(self, unix_time: float) -> int:
        """Forget feedback given before this time (retention); how many were removed."""

    def feedback_mentioning(self, text: str) -> List[Tuple[str, str]]:
        """(conversation id, feedback text) of feedback that contains ``text``, any case."""


class SQLFeedback:
    """Mixin for the SQL queue stores: feedback in the ``feedback`` table."""

    def add_feedback(self, conversation_id: str, text: str, channel: str, language: str,
                     now: Optional[float] = None) -> None:
        with self._transaction() as cur:  # type: ignore[attr-defined]
            cur.execute(self._sql("INSERT INTO feedback VALUES (?, ?, ?, ?, ?)"),  # type: ignore
                        (conversation_id, text[:2000], channel, language,
                         time.time() if now is None else now))

    def recent_feedback(self, limit: int = 50) -> List[Tuple[str, str, float]]:
        with self._transaction() as cur:  # type: ignore[attr-defined]
            rows = self._all(cur, "SELECT conversation_id, text, created_at FROM feedback"  # type: ignore
                                  " ORDER BY created_at DESC LIMIT ?", (int(limit),))
        return [(r["conversation_id"], r["text"], float(r["created_at"])) for r in rows]

    def delete_feedback_of(self, conversation_ids: Collection[str]) -> int:
        ids = list(conversation_ids)
        removed = 0
        with self._transaction() as cur:  # type: ignore[attr-defined]
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" * len(chunk))
                cur.execute(self._sql(  # type: ignore[attr-defined]
                    f"DELETE FROM feedback WHERE conversation_id IN ({marks})"), chunk)
                removed += cur.rowcount or 0
        return removed

    def delete_feedback_before(self, unix_time: float) -> int:
        with self._transaction() as cur:  # type: ignore[attr-defined]
            cur.execute(self._sql("DELETE FROM feedback WHERE created_at < ?"),  # type: ignore
                        (unix_time,))
            return cur.rowcount or 0

    def feedback_mentioning(self, text: str) -> List[Tuple[str, str]]:
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace(
            "_", "\\_") + "%"
        with self._transaction() as cur:  # type: ignore[attr-defined]
            rows = self._all(cur, "SELECT conversation_id, text FROM feedback"  # type: ignore
                                  " WHERE lower(text) LIKE ? ESCAPE '\\'", (pattern,))
        return [(r["conversation_id"], r["text"]) for r in rows]
