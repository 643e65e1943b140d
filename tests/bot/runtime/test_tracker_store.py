"""The cached SQL tracker store gives back exactly what Rasa's SQL tracker store gives back."""

import asyncio
import sqlite3

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    EntitiesAdded,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.runtime.tracker_store import CachedSQLTrackerStore
from bot.settings import load_settings

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, order_status]
entities: [order_number]
slots:
  language: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  order_number: {type: text, mappings: [{type: from_entity, entity: order_number}]}
responses:
  utter_greet: [{text: hi}]
""")


def run(coroutine):
    return asyncio.run(coroutine)


def dicts(tracker):
    return [event.as_dict() for event in tracker.events]


def user(text, intent, entities=()):
    return UserUttered(text, {"name": intent, "confidence": 0.9},
                       entities=[dict(e) for e in entities])


@pytest.fixture
def stores(tmp_path):
    db = str(tmp_path / "tracker.db")
    return (SQLTrackerStore(DOMAIN, dialect="sqlite", db=db),
            CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=db))


def turn(tracker, text, intent, *extra):
    tracker.update(user(text, intent))
    for event in extra:
        tracker.update(event)
    tracker.update(ActionExecuted("action_listen"))


def test_same_conversation_as_the_sql_store_across_turns_and_sessions(stores):
    plain, cached = stores
    tracker = DialogueStateTracker("anna", DOMAIN.slots)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    turn(tracker, "hi", "greet", SlotSet("language", "fi"), ActionExecuted("utter_greet"))
    run(cached.save(tracker))
    for index in range(5):
        tracker = run(cached.retrieve("anna"))
        assert dicts(tracker) == dicts(run(plain.retrieve("anna")))
        turn(tracker, f"order {index}", "order_status",
             EntitiesAdded([{"entity": "order_number", "value": str(index)}]))
        run(cached.save(tracker))
    tracker = run(cached.retrieve("anna"))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    run(cached.save(tracker))
    from_cache, from_db = run(cached.retrieve("anna")), run(plain.retrieve("anna"))
    assert dicts(from_cache) == dicts(from_db)
    assert from_cache.current_state() == from_db.current_state()
    assert not any(isinstance(e, UserUttered) for e in from_cache.events)  # new session only


def test_events_written_by_another_server_are_seen(stores):
    plain, cached = stores
    tracker = DialogueStateTracker("mikko", DOMAIN.slots)
    turn(tracker, "hi", "greet")
    run(cached.save(tracker))
    other = run(plain.retrieve("mikko"))
    turn(other, "where is 10025", "order_status", SlotSet("order_number", "10025"))
    run(plain.save(other))
    assert run(cached.retrieve("mikko")).get_slot("order_number") == "10025"
    assert dicts(run(cached.retrieve("mikko"))) == dicts(run(plain.retrieve("mikko")))


def test_a_turn_that_was_never_saved_does_not_leak_into_the_next(stores):
    _, cached = stores
    tracker = DialogueStateTracker("aylin", DOMAIN.slots)
    turn(tracker, "hi", "greet")
    run(cached.save(tracker))
    failed = run(cached.retrieve("aylin"))
    turn(failed, "lost", "greet", SlotSet("language", "tr"))
    failed.latest_message.entities.append({"entity": "order_number", "value": "1"})
    again = run(cached.retrieve("aylin"))
    assert again.get_slot("language") is None
    assert again.latest_message.text == "hi" and again.latest_message.entities == []


def test_unknown_conversation_and_the_cache_limit(tmp_path):
    store = CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"),
                                  cached_conversations=2)
    assert run(store.retrieve("nobody")) is None
    for sender in ("a", "b", "c"):
        tracker = DialogueStateTracker(sender, DOMAIN.slots)
        turn(tracker, "hi", "greet")
        run(store.save(tracker))
    assert store.cache_info() == {"conversations": 2, "capacity": 2}
    assert run(store.retrieve("a")).latest_message.text == "hi"  # read back from the database


def test_sqlite_runs_with_a_write_ahead_log(tmp_path):
    store = CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "t.db"))
    tracker = DialogueStateTracker("a", DOMAIN.slots)
    turn(tracker, "hi", "greet")
    run(store.save(tracker))
    mode = sqlite3.connect(tmp_path / "t.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_the_review_inbox_finds_the_cached_store_database(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: bot.runtime.tracker_store.CachedSQLTrackerStore\n"
                         "  dialect: sqlite\n  db: /data/tracker.db\n")
    settings = load_settings(env={}, endpoints_file=endpoints)
    assert settings.tracker_store_url == "sqlite:////data/tracker.db"


@pytest.fixture(scope="module")
def postgres():
    from bot.tools.localservers import PostgresServer, postgres_bin

    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (scripts/install-test-deps.sh)")
    server = PostgresServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """The options of a SQL tracker store on a new database of either kind."""
    if request.param == "sqlite":
        return {"dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    server = request.getfixturevalue("postgres")
    name = f"t{abs(hash(str(tmp_path)))}"
    server.new_database(name)
    return {"dialect": "postgresql", "host": "127.0.0.1", "port": server.port, "db": name,
            "username": server.user}


@pytest.mark.parametrize("plain_sql", [True, False], ids=["plain SQL", "SQLAlchemy queries"])
def test_replicas_taking_turns_in_turn_read_what_the_sql_store_reads(database, plain_sql):
    """Three cached stores on one database, as behind a round-robin load balancer: each
    catches up with the others' turns, across a new session too; also with SQLAlchemy's
    queries, which databases other than PostgreSQL and SQLite get."""
    plain = SQLTrackerStore(DOMAIN, **database)
    replicas = [CachedSQLTrackerStore(DOMAIN, **database) for _ in range(3)]
    if not plain_sql:
        for replica in replicas:
            replica._sql = None
    tracker = DialogueStateTracker("ayse", DOMAIN.slots)
    turn(tracker, "hi", "greet", SlotSet("language", "tr"))
    for replica in replicas:
        run(replica.save(tracker))
        tracker = run(replica.retrieve("ayse"))
    for index in range(9):
        replica = replicas[index % 3]
        tracker = run(replica.retrieve("ayse"))
        assert dicts(tracker) == dicts(run(plain.retrieve("ayse")))
        if index == 5:
            tracker.update(ActionExecuted("action_session_start"))
            tracker.update(SessionStarted())
            tracker.update(ActionExecuted("action_listen"))
        turn(tracker, f"order {index}", "order_status", SlotSet("order_number", str(index)))
        run(replica.save(tracker))
    for replica in replicas:
        from_cache, from_db = run(replica.retrieve("ayse")), run(plain.retrieve("ayse"))
        assert dicts(from_cache) == dicts(from_db)
        assert from_cache.get_slot("order_number") == "8"
        assert [e.text for e in from_cache.events if isinstance(e, UserUttered)] == [
            "order 5", "order 6", "order 7", "order 8"]


def test_a_long_conversation_with_new_sessions_reads_back_as_the_sql_store_reads_it(stores):
    """The remembered session is continued with each turn's events only, and begins anew
    with a session start, also one stamped before the turn's other events."""
    plain, cached = stores
    tracker = DialogueStateTracker("long", DOMAIN.slots)
    turn(tracker, "hi", "greet")
    run(cached.save(tracker))
    for index in range(40):
        tracker = run(cached.retrieve("long"))
        assert dicts(tracker) == dicts(run(plain.retrieve("long"))), index
        if index % 13 == 12:
            start = SessionStarted()
            tracker.update(ActionExecuted("action_session_start"))
            tracker.update(start)
            tracker.update(ActionExecuted("action_listen"))
            if index == 25:  # a start stamped later than the events after it
                start.timestamp += 60
        turn(tracker, f"order {index}", "order_status", SlotSet("order_number", str(index)))
        run(cached.save(tracker))
    from_cache, from_db = run(cached.retrieve("long")), run(plain.retrieve("long"))
    assert dicts(from_cache) == dicts(from_db)
    assert from_cache.current_state() == from_db.current_state()


def test_an_erased_conversation_is_not_continued_from_memory(database):
    """A conversation erased from the database and begun again through another replica
    reads back without anything said before the erasure."""
    plain = SQLTrackerStore(DOMAIN, **database)
    cached = CachedSQLTrackerStore(DOMAIN, **database)
    tracker = DialogueStateTracker("erased", DOMAIN.slots)
    turn(tracker, "my order is 10025", "order_status", SlotSet("order_number", "10025"))
    run(cached.save(tracker))
    assert run(cached.retrieve("erased")).get_slot("order_number") == "10025"
    with plain.session_scope() as session:
        session.query(plain.SQLEvent).filter(plain.SQLEvent.sender_id == "erased").delete()
        session.commit()
    again = DialogueStateTracker("erased", DOMAIN.slots)
    turn(again, "hi", "greet")
    run(plain.save(again))
    back = run(cached.retrieve("erased"))
    assert back.get_slot("order_number") is None
    assert [e.text for e in back.events if isinstance(e, UserUttered)] == ["hi"]
    assert dicts(back) == dicts(run(plain.retrieve("erased")))


def test_a_restarted_database_server_costs_no_turn(postgres):
    """Connections pooled before PostgreSQL restarted are replaced on first use: the next
    read and write succeed, and nothing is stored twice."""
    name = "restarted"
    postgres.new_database(name)
    options = {"dialect": "postgresql", "host": "127.0.0.1", "port": postgres.port,
               "db": name, "username": postgres.user}
    cached = CachedSQLTrackerStore(DOMAIN, **options)
    tracker = DialogueStateTracker("restart", DOMAIN.slots)
    turn(tracker, "hi", "greet")
    run(cached.save(tracker))
    postgres.halt()
    postgres.resume()
    tracker = run(cached.retrieve("restart"))
    turn(tracker, "where is 10025", "order_status", SlotSet("order_number", "10025"))
    run(cached.save(tracker))
    plain = SQLTrackerStore(DOMAIN, **options)
    assert dicts(run(cached.retrieve("restart"))) == dicts(run(plain.retrieve("restart")))
    assert [e.text for e in run(plain.retrieve("restart")).events
            if isinstance(e, UserUttered)] == ["hi", "where is 10025"]


def test_a_save_of_many_events_at_once(database):
    """More events than one INSERT statement takes are all stored, in order."""
    plain = SQLTrackerStore(DOMAIN, **database)
    cached = CachedSQLTrackerStore(DOMAIN, **database)
    tracker = DialogueStateTracker("many", DOMAIN.slots)
    for index in range(CachedSQLTrackerStore.INSERT_BATCH // 2 + 10):
        turn(tracker, f"order {index}", "order_status")
    run(cached.save(tracker))
    assert dicts(run(plain.retrieve("many"))) == dicts(tracker)
    assert dicts(run(cached.retrieve("many"))) == dicts(tracker)
