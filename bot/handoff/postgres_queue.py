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

    def _live_connection(self) -> Any:
        """A pooled connection that still reaches the server: after a database restart the
        pool's old connections are dead, and each would otherwise fail one request."""
        import psycopg2

        for _ in range(self._pool.maxconn + 1):
            connection = self._pool.getconn()
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                connection.rollback()
                return connection
            except psycopg2.Error:
                self._pool.putconn(connection, close=True)
        return self._pool.getconn()

    @contextmanager
    def _transaction(self) -> Iterator[Any]:
        connection = self._live_connection()
        broken = False
        try:
            with connection:  # commits on success, rolls back on error
                with connection.cursor() as cursor:
                    yield cursor
        except Exception:
            broken = bool(connection.closed)
            raise
        finally:
            self._pool.putconn(connection, close=broken)
