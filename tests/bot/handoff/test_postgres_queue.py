"""The PostgreSQL queue store after its server dropped every connection (a restart)."""

import psycopg2

from bot.handoff import PostgresHandoffQueue
from tests.bot.console.conftest import waiting_ticket


def test_dead_pooled_connections_are_replaced_without_a_failed_request(pg_server):
    dsn = pg_server.new_database("t_dropped_connections")
    queue = PostgresHandoffQueue(dsn, pool_size=4)
    try:
        ticket = waiting_ticket(queue, "rest:before-the-restart")
        with psycopg2.connect(dsn) as admin, admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                           " WHERE datname = current_database() AND pid <> pg_backend_pid()")
        assert queue.get(ticket.ticket_id).ticket_id == ticket.ticket_id  # the first try works
        assert [t.ticket_id for t in queue.list_open()] == [ticket.ticket_id]
    finally:
        queue.close()
