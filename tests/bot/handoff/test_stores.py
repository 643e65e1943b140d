"""Both queue stores behave the same, and claiming is safe under concurrency."""

import threading
from datetime import datetime, timedelta

import pytest

from bot.handoff import (
    Ticket,
    TranscriptLine,
    new_ticket_id,
    priority_for,
)


def ticket(conversation, reason="talk_to_human", minutes_ago=0):
    return Ticket(ticket_id=new_ticket_id(), conversation_id=conversation, reason=reason,
                  summary="s", priority=priority_for(reason), language="nb",
                  created_at=datetime(2026, 3, 18, 12) - timedelta(minutes=minutes_ago),
                  transcript=[TranscriptLine("shopper", "hei", 1.0, "greet", 0.9)])


def test_lifecycle(store):
    created = store.create(ticket("c1"))
    assert store.get(created.ticket_id).transcript[0].text == "hei"
    assert store.position(created.ticket_id) == 1
    assert store.claim(created.ticket_id, "alice").agent == "alice"
    assert store.claim(created.ticket_id, "bob") is None
    store.add_note(created.ticket_id, "alice", "called the warehouse")
    assert store.notes(created.ticket_id)[0].text == "called the warehouse"
    assert store.release(created.ticket_id, agent="bob").agent == "bob"
    assert store.release(created.ticket_id).status == "waiting"
    store.claim(created.ticket_id, "alice")
    done = store.resolve(created.ticket_id)
    assert done.status == "resolved" and done.resolved_at is not None
    assert store.update(created.ticket_id, csat=4).csat == 4
    assert store.get(created.ticket_id).csat == 4
    assert len(store.handling_minutes()) == 1


def test_queue_order_and_cancel(store):
    old = store.create(ticket("a", minutes_ago=10))
    urgent = store.create(ticket("b", reason="payment_issue"))
    assert [t.ticket_id for t in store.list_open()] == [urgent.ticket_id, old.ticket_id]
    assert store.claim_next("alice").ticket_id == urgent.ticket_id
    assert store.cancel(old.ticket_id).status == "cancelled"
    assert store.claim_next("bob") is None


def test_agents_and_sessions(store):
    store.add_agent("alice", "correct horse", "admin", "Alice")
    assert store.authenticate("alice", "wrong") is None
    agent = store.authenticate("ALICE", "correct horse")
    token = store.start_session(agent)
    assert store.session_agent(token).role == "admin"
    assert [a.username for a in store.agents_online()] == ["alice"]
    store.end_session(token)
    assert store.session_agent(token) is None
    with pytest.raises(ValueError):
        store.add_agent("x", "short")


def test_many_agents_clicking_claim_at_once_give_one_winner(store):
    target = store.create(ticket("contested"))
    winners = []
    barrier = threading.Barrier(20)

    def click(agent):
        barrier.wait()
        if store.claim(target.ticket_id, agent) is not None:
            winners.append(agent)

    threads = [threading.Thread(target=click, args=(f"agent{i}",)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1
    assert store.get(target.ticket_id).agent == winners[0]


def test_take_next_never_hands_a_ticket_out_twice(store):
    for i in range(30):
        store.create(ticket(f"c{i}", minutes_ago=i))
    taken = []
    lock = threading.Lock()
    barrier = threading.Barrier(10)

    def work(agent):
        barrier.wait()
        while True:
            claimed = store.claim_next(agent)
            if claimed is None:
                return
            with lock:
                taken.append(claimed.ticket_id)

    threads = [threading.Thread(target=work, args=(f"agent{i}",)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 30 and len(set(taken)) == 30


OLD_TICKETS = """CREATE TABLE tickets (
    ticket_id TEXT PRIMARY KEY,
    conversation_id TEXT NOT NULL,
    status TEXT NOT NULL,
    priority INTEGER NOT NULL,
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL,
    body TEXT NOT NULL
)"""


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_a_queue_written_by_an_earlier_version_is_upgraded(dialect, request, tmp_path):
    """The first versions kept language, channel and agent only in the JSON body: opening
    such a store adds the columns, keeps its tickets and takes new ones."""
    import json
    import sqlite3

    from bot.handoff import PostgresHandoffQueue, SQLiteHandoffQueue
    from bot.handoff.schema import to_row

    waiting = ticket("old-conversation")
    body = json.loads(to_row(waiting)[-1])
    row = (waiting.ticket_id, waiting.conversation_id, "waiting", waiting.priority,
           waiting.reason, body["created_at"], json.dumps(body))
    if dialect == "sqlite":
        path = tmp_path / "handoff.db"
        with sqlite3.connect(path) as db:
            db.execute(OLD_TICKETS)
            db.execute("INSERT INTO tickets VALUES (?, ?, ?, ?, ?, ?, ?)", row)
        open_store = lambda: SQLiteHandoffQueue(path)  # noqa: E731
    else:
        import psycopg2

        dsn = request.getfixturevalue("pg_server").new_database(f"u_{tmp_path.name[-20:]}".lower())
        with psycopg2.connect(dsn) as db, db.cursor() as cursor:
            cursor.execute(OLD_TICKETS)
            cursor.execute("INSERT INTO tickets VALUES (%s, %s, %s, %s, %s, %s, %s)", row)
        open_store = lambda: PostgresHandoffQueue(dsn)  # noqa: E731
    store = open_store()
    try:
        kept = store.get(waiting.ticket_id)
        assert kept.language == "nb" and kept.transcript[0].text == "hei"
        new = store.create(ticket("new-conversation", reason="complaint"))
        assert store_ids(store) == [new.ticket_id, waiting.ticket_id]
    finally:
        store.close()
    again = open_store()  # a second start changes nothing
    try:
        assert store_ids(again) == [new.ticket_id, waiting.ticket_id]
    finally:
        again.close()


def store_ids(store):
    return [t.ticket_id for t in store.list_open()]
