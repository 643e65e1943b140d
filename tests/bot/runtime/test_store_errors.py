"""A tracker store whose database cannot be reached fails the turn instead of answering from
a blank conversation in memory (Rasa's fail-safe wrapper, as patched by install())."""

import asyncio
import socket

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime import install
from bot.runtime.store_errors import StoreUnavailable
from bot.runtime.tracker_store import CachedSQLTrackerStore

DOMAIN = Domain.from_yaml('version: "3.1"\nintents: [greet]\n')


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def unreachable(tmp_path):
    """A cached store on SQLite, then pointed at a PostgreSQL that is not running."""
    install()
    store = CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
    store.engine = sa.create_engine(
        f"postgresql://nobody@127.0.0.1:{closed_port()}/rasa",
        connect_args={"connect_timeout": 2})
    store.sessionmaker = sa.orm.session.sessionmaker(bind=store.engine)
    return FailSafeTrackerStore(store)


def test_reading_a_conversation_fails_clearly_when_the_database_is_down(unreachable):
    with pytest.raises(StoreUnavailable):
        asyncio.run(unreachable.retrieve("rest:someone"))


def test_a_turn_is_not_kept_in_memory_when_it_cannot_be_stored(unreachable):
    tracker = DialogueStateTracker.from_events(
        "rest:someone", [UserUttered("hi", {"name": "greet"}), ActionExecuted("action_listen")])
    with pytest.raises(StoreUnavailable):
        asyncio.run(unreachable.save(tracker))
    assert asyncio.run(unreachable.fallback_tracker_store.retrieve("rest:someone")) is None


def test_other_errors_keep_rasas_fallback(tmp_path):
    install()

    class Broken(CachedSQLTrackerStore):
        async def retrieve(self, sender_id):
            raise ValueError("a bug, not an outage")

    store = FailSafeTrackerStore(Broken(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db")))
    assert asyncio.run(store.retrieve("rest:someone")) is None
