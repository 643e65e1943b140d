"""Nobody can flood the queue: one open ticket per conversation, a few new ones per client."""

import logging
from datetime import datetime, timedelta

import pytest

from bot.handoff import SQLiteHandoffQueue, Ticket, new_ticket_id, take_ticket
from bot.limits import Limit

LIMIT = Limit(3, 3600)


@pytest.fixture
def queue(tmp_path):
    store = SQLiteHandoffQueue(tmp_path / "handoff.db")
    yield store
    store.close()


def ticket(conversation):
    return Ticket(ticket_id=new_ticket_id(), conversation_id=conversation,
                  reason="talk_to_human", summary="Shopper asked for a person.")


def test_asking_again_in_a_conversation_returns_its_open_ticket(queue):
    first = take_ticket(queue, queue, ticket("conv-1"), "client-a", LIMIT)
    again = take_ticket(queue, queue, ticket("conv-1"), "client-a", LIMIT)
    assert first.new and not again.new
    assert again.ticket.ticket_id == first.ticket.ticket_id
    assert len(queue.list_open()) == 1


def test_a_client_opens_a_limited_number_of_tickets(queue, caplog):
    for n in range(3):
        assert take_ticket(queue, queue, ticket(f"conv-{n}"), "client-a", LIMIT).new
    with caplog.at_level(logging.WARNING, logger="bot.handoff.intake"):
        refused = take_ticket(queue, queue, ticket("conv-9"), "client-a", LIMIT)
    assert refused.ticket is None and refused.retry_after > 0
    assert len(queue.list_open()) == 3
    assert "client-a" not in caplog.text and "conv-9" not in caplog.text
    # The open ones are still answered, and other clients still get through.
    assert take_ticket(queue, queue, ticket("conv-0"), "client-a", LIMIT).ticket is not None
    assert take_ticket(queue, queue, ticket("conv-x"), "client-b", LIMIT).new


def test_withdrawing_and_asking_again_counts_each_time(queue):
    for _ in range(3):
        taken = take_ticket(queue, queue, ticket("conv-1"), "client-a", LIMIT)
        queue.cancel(taken.ticket.ticket_id)
    assert take_ticket(queue, queue, ticket("conv-1"), "client-b", LIMIT).ticket is None


def test_the_limit_ends_with_its_window(queue):
    now = datetime(2026, 3, 18, 12, 0)
    for n in range(3):
        take_ticket(queue, queue, ticket(f"conv-{n}"), "client-a", LIMIT, now=now)
    later = now + timedelta(hours=1, seconds=1)
    assert take_ticket(queue, queue, ticket("conv-9"), "client-a", LIMIT, now=now).ticket is None
    assert take_ticket(queue, queue, ticket("conv-9"), "client-a", LIMIT, now=later).new
