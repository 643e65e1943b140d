"""Both queue stores (SQLite and a real PostgreSQL) for tests that must behave the same on each."""

import pytest

from bot.handoff import PostgresHandoffQueue, SQLiteHandoffQueue
from bot.tools.localservers import postgres


@pytest.fixture(scope="session")
def pg_server():
    yield from postgres()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """The handoff queue store (tickets, agents, surveys) on SQLite, then on PostgreSQL."""
    if request.param == "sqlite":
        queue = SQLiteHandoffQueue(tmp_path / "handoff.db")
    else:
        server = request.getfixturevalue("pg_server")
        queue = PostgresHandoffQueue(server.new_database(f"t_{tmp_path.name[-20:]}".lower()),
                                     pool_size=40)
    yield queue
    queue.close()
