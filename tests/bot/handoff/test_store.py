from datetime import datetime, timedelta

from bot.handoff import SQLiteHandoffQueue, Ticket, TranscriptLine, new_ticket_id, priority_for


def ticket(conversation: str, reason: str = "talk_to_human", minutes_ago: int = 0) -> Ticket:
    return Ticket(ticket_id=new_ticket_id(), conversation_id=conversation, reason=reason,
                  summary="s", priority=priority_for(reason),
                  created_at=datetime(2026, 3, 18, 12) - timedelta(minutes=minutes_ago),
                  transcript=[TranscriptLine("shopper", "help", 1.0, "talk_to_human", 0.9)])


def test_tickets_survive_a_restart(tmp_path):
    queue = SQLiteHandoffQueue(tmp_path / "handoff.db")
    created = queue.create(ticket("c1"))
    queue.close()
    reopened = SQLiteHandoffQueue(tmp_path / "handoff.db")
    assert reopened.get(created.ticket_id) == created
    assert reopened.open_ticket_for("c1").transcript[0].text == "help"


def test_queue_position_puts_urgent_and_older_first(tmp_path):
    queue = SQLiteHandoffQueue(tmp_path / "handoff.db")
    old = queue.create(ticket("a", minutes_ago=10))
    new = queue.create(ticket("b", minutes_ago=1))
    urgent = queue.create(ticket("c", reason="complaint", minutes_ago=0))
    assert [queue.position(t.ticket_id) for t in (urgent, old, new)] == [1, 2, 3]
    queue.set_status(old.ticket_id, "active")
    assert queue.position(old.ticket_id) is None
    assert queue.position(new.ticket_id) == 2


def test_one_open_ticket_per_conversation(tmp_path):
    queue = SQLiteHandoffQueue(tmp_path / "handoff.db")
    first = queue.create(ticket("a"))
    assert queue.create(ticket("a")).ticket_id == first.ticket_id
    queue.set_status(first.ticket_id, "resolved")
    assert queue.create(ticket("a")).ticket_id != first.ticket_id
