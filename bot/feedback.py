"""Feedback shoppers leave in the chat, kept for the support team."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Collection, List, Optional, Protocol, Tuple, Union


class FeedbackStore(Protocol):
    """Where free-text feedback goes."""

    def add(self, conversation_id: str, text: str, channel: str, language: str) -> None:
        """Keep one piece of feedback."""

    def recent(self, limit: int = 50) -> List[Tuple[str, str, float]]:
        """(conversation id, text, unix time) of the newest feedback."""


class SQLiteFeedbackStore:
    """Feedback in a SQLite file."""

    def __init__(self, path: Union[str, Path]) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS feedback (conversation_id TEXT NOT NULL, text TEXT NOT"
            " NULL, channel TEXT NOT NULL, language TEXT NOT NULL, created_at REAL NOT NULL)"
        )

    def add(self, conversation_id: str, text: str, channel: str, language: str,
            now: Optional[float] = None) -> None:
        with self._lock:
            self._db.execute("INSERT INTO feedback VALUES (?,?,?,?,?)",
                             (conversation_id, text[:2000], channel, language,
                              time.time() if now is None else now))

    def recent(self, limit: int = 50) -> List[Tuple[str, str, float]]:
        with self._lock:
            return list(self._db.execute(
                "SELECT conversation_id, text, created_at FROM feedback"
                " ORDER BY created_at DESC LIMIT ?", (limit,)))

    def delete_conversations(self, conversation_ids: Collection[str]) -> int:
        """Forget the feedback of these conversations (erasure); return how many were removed."""
        ids = list(conversation_ids)
        removed = 0
        with self._lock:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ", ".join("?" * len(chunk))
                removed += self._db.execute(
                    f"DELETE FROM feedback WHERE conversation_id IN ({marks})", chunk).rowcount
        return removed

    def delete_older_than(self, unix_time: float) -> int:
        """Forget feedback given before this time (retention); return how many were removed."""
        with self._lock:
            return self._db.execute("DELETE FROM feedback WHERE created_at < ?",
                                    (unix_time,)).rowcount

    def conversations_mentioning(self, text: str) -> List[Tuple[str, str]]:
        """(conversation id, feedback text) of feedback that contains ``text``, any case."""
        with self._lock:
            return list(self._db.execute(
                "SELECT conversation_id, text FROM feedback WHERE instr(lower(text), ?) > 0",
                (text.lower(),)))
