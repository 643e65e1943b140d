"""``POST /api/privacy/erase`` through Sanic's test client."""

from dataclasses import replace

import pytest

from bot.console.app import COOKIE, create_app
from bot.settings import HandoffSettings
from tests.bot.privacy.conftest import retrieve
from tests.fakes.conversations import FakeConversationControl

TOKEN = "integrator-token-of-the-privacy-tests"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
AS_ALICE = dict(BEARER, **{"X-Agent": "alice"})  # the ticket API acts for an agent account
pytestmark = pytest.mark.parametrize("store", ["sqlite"], indirect=True)


@pytest.fixture
def app(world, request):
    world.queue.add_agent("alice", "alice-password", "agent", "Alice")
    world.queue.add_agent("ada", "ada-password-1", "admin", "Ada")
    settings = replace(world.settings, handoff=replace(HandoffSettings(), api_token=TOKEN))
    name = "privacy_" + "".join(c if c.isalnum() else "_" for c in request.node.name)
    return create_app(settings, world.queue, FakeConversationControl(), name=name[:60],
                      notify_interval=0)


def session(app, username, password):
    _, response = app.test_client.post("/login", json={"username": username,
                                                       "password": password})
    return {"cookies": {COOKIE: response.cookies[COOKIE]}, "headers": {"X-Console": "1"}}


def erase(app, **kwargs):
    _, response = app.test_client.post("/api/privacy/erase", **kwargs)
    return response


def test_only_the_integrator_or_an_admin_may_erase(app, world):
    assert erase(app, json={"sender": "anna-chat"}).status == 401
    wrong = {"Authorization": "Bearer guess"}
    assert erase(app, json={"sender": "anna-chat"}, headers=wrong).status == 401
    assert erase(app, json={"sender": "anna-chat"},
                 **session(app, "alice", "alice-password")).status == 403
    assert retrieve(world.tracker, "anna-chat") is not None  # nothing was touched
    response = erase(app, json={"sender": "anna-chat"}, **session(app, "ada", "ada-password-1"))
    assert response.status == 200 and response.json["conversations"] == 1
    assert retrieve(world.tracker, "anna-chat") is None


@pytest.mark.parametrize("body", [
    {"data": "email=anna@example.com"}, {"json": ["anna-chat"]}, {"json": {}},
    {"json": {"sender": "anna-chat", "email": "anna@example.com"}},
    {"json": {"name": "Anna"}}, {"json": {"email": "anna"}}, {"json": {"customer_id": 1001}},
])
def test_a_malformed_request_is_refused(app, world, body):
    response = erase(app, headers=BEARER, **body)
    assert response.status == 400 and response.json["error"]
    assert retrieve(world.tracker, "anna-chat") is not None


def test_erasure_answers_what_was_removed(app, world):
    response = erase(app, json={"email": "anna@example.com"}, headers=BEARER)

    assert response.status == 200
    assert response.json["conversations"] == 3 and response.json["failed"] == []
    removed = response.json["removed"]
    assert removed["tickets"] == 2 and removed["conversation_events"] > 0
    assert removed["feedback"] == 1 and removed["survey_answers"] == 2
    _, ticket = app.test_client.get(f"/api/tickets/{world.tickets['anna'].ticket_id}",
                                    headers=AS_ALICE)
    assert ticket.status == 404
    _, other = app.test_client.get(f"/api/tickets/{world.tickets['mikko'].ticket_id}",
                                   headers=AS_ALICE)
    assert other.status == 200
