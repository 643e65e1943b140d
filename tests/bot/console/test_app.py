"""The agent console and integrator API through Sanic's test client."""

import json
from dataclasses import replace

from bot.console.app import create_app
from bot.settings import load_settings
from tests.bot.console.conftest import API_TOKEN, login, waiting_ticket


def test_console_needs_a_login(app):
    _, response = app.test_client.get("/", allow_redirects=False)
    assert response.status in (302, 303) and response.headers["location"] == "/login"
    _, response = app.test_client.get("/api/tickets")
    assert response.status == 401
    _, response = app.test_client.post("/login", json={"username": "alice", "password": "x"})
    assert response.status == 401


def test_agent_sees_the_queue_with_context(app, queue):
    ticket = waiting_ticket(queue)
    auth = login(app)
    _, response = app.test_client.get("/api/tickets", **auth)
    item = response.json["tickets"][0]
    assert item["ticket_id"] == ticket.ticket_id and item["position"] == 1
    assert item["language"] == "fi" and item["wait_minutes"] >= 1
    _, response = app.test_client.get(f"/api/tickets/{ticket.ticket_id}", **auth)
    detail = response.json
    assert detail["order"]["order_id"] == "10023" and detail["order"]["status"] == "shipped"
    assert detail["customer"]["first_name"] == "Anna"
    assert detail["transcript"][0]["text"] == "help me"


def test_language_filter(app, queue):
    waiting_ticket(queue, "a")
    auth = login(app)
    _, response = app.test_client.get("/api/tickets?language=tr", **auth)
    assert response.json["tickets"] == []


def test_claim_reply_resolve(app, queue, control):
    ticket = waiting_ticket(queue)
    auth = login(app)
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/claim", **auth)
    assert response.status == 200 and response.json["agent"] == "alice"
    assert ("take_over", "shopper-1", "Alice") in control.calls
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/reply",
                                       json={"text": "Hi Anna, checking now"}, **auth)
    assert response.status == 200
    assert ("send", "shopper-1", "Hi Anna, checking now") in control.calls
    _, response = app.test_client.get(f"/api/tickets/{ticket.ticket_id}", **auth)
    assert response.json["transcript"][-1]["sender"] == "agent"
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/resolve", **auth)
    assert response.json["status"] == "resolved"
    assert ("hand_back", "shopper-1", "action_ask_csat") in control.calls


def test_only_the_owner_replies_and_a_second_claim_loses(app, queue):
    ticket = waiting_ticket(queue)
    alice, bob = login(app), login(app, "bob", "bob-password-1")
    app.test_client.post(f"/api/tickets/{ticket.ticket_id}/claim", **alice)
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/claim", **bob)
    assert response.status == 409 and "alice" in response.json["error"]
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/reply",
                                       json={"text": "hi"}, **bob)
    assert response.status == 409


def test_transfer_to_an_agent_and_back_to_the_queue(app, queue, control):
    ticket = waiting_ticket(queue)
    alice, bob = login(app), login(app, "bob", "bob-password-1")
    app.test_client.post(f"/api/tickets/{ticket.ticket_id}/claim", **alice)
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/transfer",
                                       json={"agent": "bob"}, **alice)
    assert response.json["agent"] == "bob"
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/transfer",
                                       json={"agent": None}, **bob)
    assert response.json["status"] == "waiting" and response.json["position"] == 1
    assert ("hand_back", "shopper-1", "action_queue_update") in control.calls


def test_notes_and_canned_responses(app, queue):
    ticket = waiting_ticket(queue)
    auth = login(app)
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/notes",
                                       json={"text": "VIP customer"}, **auth)
    assert response.status == 201
    _, response = app.test_client.get(f"/api/tickets/{ticket.ticket_id}", **auth)
    assert response.json["notes"][0]["text"] == "VIP customer"
    _, response = app.test_client.get(
        f"/api/canned?language=en&q=tracking&ticket={ticket.ticket_id}", **auth)
    texts = [c["text"] for c in response.json["canned"]]
    assert texts and "10023" in texts[0] and "posti" in texts[0].lower()
    _, response = app.test_client.get(f"/api/canned?language=en&ticket={ticket.ticket_id}",
                                      **auth)
    greeting = next(c for c in response.json["canned"] if c["title"] == "Greeting")
    assert greeting["text"].startswith("Hi Anna, this is Alice")


def test_bad_input_is_refused(app, queue):
    ticket = waiting_ticket(queue)
    auth = login(app)
    app.test_client.post(f"/api/tickets/{ticket.ticket_id}/claim", **auth)
    for body in ({}, {"text": ""}, {"text": 5}, {"text": "x" * 5000}):
        _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/reply", json=body,
                                           **auth)
        assert response.status == 400
    _, response = app.test_client.post("/api/tickets/H-NOPE/claim", **auth)
    assert response.status == 404


def test_cookie_posts_need_the_console_header(app, queue):
    ticket = waiting_ticket(queue)
    auth = login(app)
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/claim",
                                       cookies=auth["cookies"])
    assert response.status == 401
    assert queue.get(ticket.ticket_id).status == "waiting"


def test_trainers_cannot_work_the_queue(app, queue):
    waiting_ticket(queue)
    auth = login(app, "tina", "tina-password")
    _, response = app.test_client.get("/api/tickets", **auth)
    assert response.status == 403


def test_integrator_api_with_bearer_token(app, queue):
    ticket = waiting_ticket(queue)
    headers = {"Authorization": f"Bearer {API_TOKEN}", "X-Agent": "bob"}
    _, response = app.test_client.get("/api/tickets", headers=headers)
    assert response.json["tickets"][0]["ticket_id"] == ticket.ticket_id
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/claim", headers=headers)
    assert response.json["agent"] == "bob"
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/reply",
                                       json={"text": "hello from our desk"}, headers=headers)
    assert response.status == 200
    _, response = app.test_client.get("/api/tickets",
                                      headers={"Authorization": "Bearer wrong"})
    assert response.status == 401


def test_pages_send_security_headers(app):
    _, response = app.test_client.get("/login")
    assert "default-src 'self'" in response.headers["content-security-policy"]


def test_canned_responses_exist_in_every_language_and_read_well_without_a_name():
    from bot.handoff.canned import canned_problems, load_canned
    from bot.settings import PROJECT_ROOT

    catalog = load_canned(PROJECT_ROOT / "data" / "canned")
    assert canned_problems(catalog) == []
    closing = next(c for c in catalog["en"] if c.key == "closing")
    assert closing.render({}) == "Thank you for contacting Northwind Outfitters. Have a great day!"


def test_abandoned_cart_event_needs_a_signature_and_nudges_once(queue, control, orders):
    from bot.proactive import sign

    settings = replace(load_settings(env={}), shop_events_secret="events-secret")
    app = create_app(settings, queue, control, orders, name="console_cart_events",
                     notify_interval=0)
    body = json.dumps({"session_id": "web-1", "cart_id": "cart-9",
                       "items": ["Rain jacket"], "language": "nb"}).encode()
    _, response = app.test_client.post("/api/events/abandoned-cart", data=body,
                                       headers={"X-Signature": sign("wrong", body)})
    assert response.status == 401 and control.calls == []
    _, response = app.test_client.post("/api/events/abandoned-cart", data=b"{}",
                                       headers={"X-Signature": sign("events-secret", b"{}")})
    assert response.status == 400
    signed = {"X-Signature": sign("events-secret", body)}
    _, response = app.test_client.post("/api/events/abandoned-cart", data=body, headers=signed)
    assert response.status == 202
    assert control.calls == [("notify", "web-1", "action_abandoned_cart")]
    assert queue.latest_cart("web-1") == {"kind": "cart", "items": ["Rain jacket"],
                                          "language": "nb"}
    _, response = app.test_client.post("/api/events/abandoned-cart", data=body, headers=signed)
    assert response.json == {"sent": False, "reason": "already nudged"}
    assert len(control.calls) == 1


def test_delivery_event_asks_how_it_went_once_per_order(queue, control, orders):
    from bot.proactive import sign

    settings = replace(load_settings(env={}), shop_events_secret="events-secret")
    app = create_app(settings, queue, control, orders, name="console_order_events",
                     notify_interval=0)
    body = json.dumps({"session_id": "web-2", "event": "delivered", "order_number": "10023",
                       "language": "tr"}).encode()
    _, response = app.test_client.post("/api/events/order", data=body,
                                       headers={"X-Signature": sign("wrong", body)})
    assert response.status == 401 and control.calls == []
    for bad in ({"session_id": "web-2", "event": "exploded", "order_number": "1"},
                {"session_id": "web-2", "event": "delivered", "order_number": "DROP TABLE"},
                {"session_id": "", "event": "delivered", "order_number": "10023"}):
        raw = json.dumps(bad).encode()
        _, response = app.test_client.post("/api/events/order", data=raw,
                                           headers={"X-Signature": sign("events-secret", raw)})
        assert response.status == 400
    signed = {"X-Signature": sign("events-secret", body)}
    _, response = app.test_client.post("/api/events/order", data=body, headers=signed)
    assert response.status == 202
    assert control.calls == [("notify", "web-2", "action_followup_survey")]
    assert queue.latest_shop_event("web-2", ("delivered",))["order_number"] == "10023"
    _, response = app.test_client.post("/api/events/order", data=body, headers=signed)
    assert response.json == {"sent": False, "reason": "already followed up"}
    assert len(control.calls) == 1


def test_trainers_see_the_live_model_and_can_load_the_newest(app, control):
    auth = login(app, "tina", "tina-password")
    _, response = app.test_client.get("/api/model", **auth)
    assert response.json["model_file"] == "current.tar.gz"
    _, response = app.test_client.post("/api/model/reload", **auth)
    assert response.status in (200, 404)
    if response.status == 200:
        assert control.calls[-1][0] == "load_model"
    agent = login(app)
    _, response = app.test_client.post("/api/model/reload", **agent)
    assert response.status == 403


def test_a_shopper_verified_by_email_is_named_on_the_ticket(app, queue):
    from bot.handoff import Ticket, TranscriptLine, new_ticket_id

    verified = queue.create(Ticket(
        ticket_id=new_ticket_id(), conversation_id="rest:by-email", reason="talk_to_human",
        summary="Shopper asked for a person", language="en", channel="rest",
        order_number="10023", order_verified=True, customer_id=None,
        transcript=[TranscriptLine("shopper", "where is 10023", 1.0, "order_status", 0.8)]))
    unverified = queue.create(Ticket(
        ticket_id=new_ticket_id(), conversation_id="rest:guess", reason="talk_to_human",
        summary="Shopper asked for a person", language="en", channel="rest",
        order_number="10023", order_verified=False, customer_id=None))
    auth = login(app)
    _, response = app.test_client.get(f"/api/tickets/{verified.ticket_id}", **auth)
    assert response.json["customer"]["first_name"] == "Anna"
    _, response = app.test_client.get(f"/api/tickets/{unverified.ticket_id}", **auth)
    assert response.json["customer"] is None  # a number alone proves nothing
