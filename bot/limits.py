"""Limits on repeated attempts (failed verifications, failed logins, new tickets) that hold
across processes and replicas, because they are counted in the shared queue database.

Keys name what is limited, e.g. ``("verify-email", "anna@example.com")``; only a hash of each
key is stored, so the table holds no email address, order number or client address.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Protocol, Sequence, Tuple

Key = Tuple[str, str]

LIMIT_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    key_hash TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attempts_key ON attempts (key_hash, at);
"""


@dataclass(frozen=True)
class Limit:
    """At most ``count`` attempts per ``window_seconds`` for one key."""

    count: int
    window_seconds: float


class AttemptLimits(Protocol):
    """Counts attempts per key in a sliding window, shared by every process."""

    def record(self, keys: Sequence[Key], now: Optional[datetime] = None) -> None:
        """Count one attempt against every key."""

    def retry_after(self, keys: Sequence[Key], limit: Limit,
                    now: Optional[datetime] = None) -> Optional[float]:
        """Seconds until the keys may try again, or None while every key is under the limit."""

    def clear(self, keys: Sequence[Key]) -> None:
        """Forget a key's attempts (e.g. after a successful login)."""


def key_hash(key: Key) -> str:
    """What the table stores for a key: a hash, never the value itself."""
    kind, value = key
    return hashlib.sha256(f"{kind}\x00{str(value).strip().lower()}".encode()).hexdigest()


class SQLAttemptLimits:
    """Mixin for the SQL queue stores: attempts in the ``attempts`` table of the same database."""

    def record(self, keys: Sequence[Key], now: Optional[datetime] = None) -> None:
        at = (now or datetime.now()).isoformat()
        with self._transaction() as cur:  # type: ignore[attr-defined]
            for key in keys:
                cur.execute(self._sql("INSERT INTO attempts VALUES (?, ?)"),  # type: ignore
                            (key_hash(key), at))

    def retry_after(self, keys: Sequence[Key], limit: Limit,
                    now: Optional[datetime] = None) -> Optional[float]:
        now = now or datetime.now()
        since = (now - timedelta(seconds=limit.window_seconds)).isoformat()
        wait: Optional[float] = None
        with self._transaction() as cur:  # type: ignore[attr-defined]
            for key in keys:
                rows = self._all(cur, "SELECT at FROM attempts WHERE key_hash = ? AND at >= ?"  # type: ignore
                                      " ORDER BY at", (key_hash(key), since))
                if len(rows) >= limit.count:
                    # Free again when enough of the window's attempts have aged out.
                    oldest = datetime.fromisoformat(rows[len(rows) - limit.count]["at"])
                    seconds = (oldest + timedelta(seconds=limit.window_seconds) - now
                               ).total_seconds()
                    wait = max(wait or 0.0, max(seconds, 1.0))
        return wait

    def clear(self, keys: Sequence[Key]) -> None:
        with self._transaction() as cur:  # type: ignore[attr-defined]
            for key in keys:
                cur.execute(self._sql("DELETE FROM attempts WHERE key_hash = ?"),  # type: ignore
                            (key_hash(key),))

    def purge_attempts(self, older_than: datetime) -> int:
        """Drop attempts older than any window (kept small by the daily purge)."""
        with self._transaction() as cur:  # type: ignore[attr-defined]
            cur.execute(self._sql("DELETE FROM attempts WHERE at < ?"),  # type: ignore
                        (older_than.isoformat(),))
            return cur.rowcount or 0
