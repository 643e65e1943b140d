"""The queue store for several consoles and Rasa servers: PostgreSQL.

``claim_next`` picks with ``SELECT ... FOR UPDATE SKIP LOCKED`` so that agents taking "next"
never wait on each other; row locks make the losers of a claim see the new status.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, List

from bot.handoff.sql_queue import SQLHandoffQueue


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
