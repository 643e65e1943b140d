"""The console over a temporary queue store, with three accounts and a fake Rasa."""

import itertools
from dataclasses import replace

import pytest

from bot.console.app import COOKIE, create_app
from bot.handoff import SQLiteHandoffQueue, Ticket, TranscriptLine, new_ticket_id
from bot.settings import HandoffSettings, load_settings
from tests.fakes.conversations import FakeConversationControl

API_TOKEN = "integrator-secret"
_APP_NUMBERS = itertools.count()  # Sanic wants a new name for every app


@pytest.fixture
def queue(tmp_path):
    store = SQLiteHandoffQueue(tmp_path / "handoff.db")
    store.add_agent("alice", "alice-password", "agent", "Alice")
    store.add_agent("bob", "bob-password-1", "agent", "Bob")
    store.add_agent("tina", "tina-password", "trainer", "Tina")
    yield store
    store.close()


@pytest.fixture
def control():
    return FakeConversationControl()


@pytest.fixture
def settings():
    return replace(load_settings(env={}), handoff=replace(HandoffSettings(), api_token=API_TOKEN))


@pytest.fixture
def app(queue, control, orders, settings):
    return create_app(settings, queue, control, orders, name=f"console_{next(_APP_NUMBERS)}",
                      notify_interval=0)


def waiting_ticket(queue, conversation="shopper-1", reason="talk_to_human", text="help me"):
    ticket = Ticket(ticket_id=new_ticket_id(), conversation_id=conversation, reason=reason,
                    summary=f"Shopper asked for a person - last said: \"{text}\"",
                    language="fi", channel="socketio", order_number="10023",
                    order_verified=True, customer_id="C-1001",
                    transcript=[TranscriptLine("shopper", text, 1.0, "talk_to_human", 0.9)])
    return queue.create(ticket)


def login(app, username="alice", password="alice-password"):
    _, response = app.test_client.post("/login", json={"username": username,
                                                       "password": password})
    assert response.status == 200
    return {"cookies": {COOKIE: response.cookies[COOKIE]}, "headers": {"X-Console": "1"}}
