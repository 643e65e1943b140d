import json
import sqlite3
from dataclasses import replace

import pytest

from bot.console.app import COOKIE, create_app
from bot.handoff import SQLiteHandoffQueue
from bot.review.inbox import ReviewInbox, find_candidates
from bot.settings import load_settings
from tests.fakes.conversations import FakeConversationControl


def user(id_, sender, text, intent, confidence, language="en", selector=None, ranking=None):
    parse = {"intent": {"name": intent, "confidence": confidence},
             "intent_ranking": ranking or [], "language": {"name": language}}
    if selector is not None:
        parse["response_selector"] = {"faq": {"response": {"confidence": selector}}}
    return {"id": id_, "sender_id": sender, "type_name": "user", "timestamp": 1_700_000_000 + id_,
            "action_name": None, "data": {"text": text, "parse_data": parse}}


def action(id_, sender, name):
    return {"id": id_, "sender_id": sender, "type_name": "action", "timestamp": 0,
            "action_name": name, "data": {"name": name}}


EVENTS = [
    user(1, "a", "blorp plz", "nlu_fallback", 0.3,
         ranking=[{"name": "nlu_fallback"}, {"name": "order_status"}]),
    user(2, "a", "where is my parcel", "order_status", 0.95),
    user(3, "b", "do u sell tents", "product_info", 0.41, language="fi"),
    user(4, "c", "this is useless", "feedback", 0.9), action(5, "c", "action_handoff"),
    user(6, "d", "how long is the warranty", "faq", 0.9, selector=0.3),
    user(7, "e", "meh", "greet", 0.95),
    user(8, "a", '/faq{"faq_key":"warranty"}', "faq", 1.0, selector=0.1),
]


def test_candidates_are_the_messages_the_bot_struggled_with():
    found = {item.event_id: item for item in find_candidates(EVENTS, low_csat={"e"})}
    assert found[1].reason == "fallback" and found[1].predicted == "order_status"
    assert found[3].reason == "unsure" and found[3].language == "fi"
    assert found[4].reason == "handoff"
    assert found[6].reason == "unsure_faq"
    assert found[7].reason == "low_rating"
    assert 2 not in found and 8 not in found  # confident, and a button payload


def test_confident_handoff_requests_that_were_handled_are_not_review_items():
    events = [
        user(1, "g", "can i talk to a real person", "talk_to_human", 0.98),
        action(2, "g", "action_handoff"),
        user(3, "h", "this is a scandal, my boots fell apart", "complaint", 0.93),
        action(4, "h", "action_handoff"),
        user(5, "i", "someone real pls", "talk_to_human", 0.7),  # right, but not sure of it
        action(6, "i", "action_handoff"),
    ]
    found = {item.event_id: item for item in find_candidates(events, low_csat={"h"})}
    assert 1 not in found
    assert found[3].reason == "low_rating"  # the handoff was right, the rating was not
    assert found[5].reason == "handoff"


def tracker_db(path):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT,"
               " timestamp REAL, intent_name TEXT, action_name TEXT, data TEXT)")
    for event in EVENTS:
        db.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?)",
                   (event["id"], event["sender_id"], event["type_name"], event["timestamp"],
                    None, event["action_name"], json.dumps(event["data"])))
    db.execute("INSERT INTO events VALUES (99, 'f', 'user', 1700000099, NULL, NULL, ?)",
               (json.dumps({"text": "hi im Anna Virtanen order 10023 anna@x.fi",
                            "parse_data": {"intent": {"name": "nlu_fallback",
                                                      "confidence": 0.2}}}),))
    db.commit()


def test_labelling_writes_masked_examples_and_empties_the_inbox(tmp_path):
    tracker_db(tmp_path / "tracker.db")
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "orders.yml").write_text("nlu:\n- intent: order_status\n  examples: |\n    - x\n")
    inbox = ReviewInbox(SQLiteHandoffQueue(tmp_path / "h.db"), nlu,
                        f"sqlite:///{tmp_path / 'tracker.db'}")
    assert inbox.refresh() == 5
    assert inbox.refresh() == 0  # nothing new
    assert [i.event_id for i in inbox.items(language="fi")] == [3]
    inbox.label([99], "order_status", "tina")
    text = (nlu / "orders.yml").read_text()
    assert "- hi im Alex order [10000](order_number) [customer@example.com](email)" in text
    assert "Anna" not in text and "10023" not in text and "anna@x.fi" not in text
    inbox.label([6], "junk", "tina")
    remaining = {i.event_id for i in inbox.items()}
    assert 99 not in remaining and 6 not in remaining and 1 in remaining
    assert "warranty" not in text


def test_refresh_reads_only_conversations_with_new_events(tmp_path):
    tracker_db(tmp_path / "tracker.db")
    queue = SQLiteHandoffQueue(tmp_path / "h.db")
    inbox = ReviewInbox(queue, tmp_path, f"sqlite:///{tmp_path / 'tracker.db'}")
    assert inbox.refresh() == 5
    db = sqlite3.connect(tmp_path / "tracker.db")
    # A new unsure message in an old conversation, and an old one rated 1 star afterwards.
    db.execute("INSERT INTO events VALUES (100, 'b', 'user', 1700000100, NULL, NULL, ?)",
               (json.dumps({"text": "teltta?", "parse_data": {
                   "intent": {"name": "product_info", "confidence": 0.3}}}),))
    db.execute("INSERT INTO events VALUES (101, 'a', 'user', 1700000101, NULL, NULL, ?)",
               (json.dumps({"text": '/csat{"rating":"1"}', "parse_data": {
                   "intent": {"name": "csat", "confidence": 1.0}}}),))
    db.commit()
    from bot.surveys import SurveyResponse

    queue.record_survey(SurveyResponse("csat", "bot", "a", "conversation:a", 1, "en", "rest"))
    assert inbox.refresh() == 2  # the new message, and "where is my parcel" in the rated chat
    reasons = {i.event_id: i.reason for i in inbox.items()}
    assert reasons[100] == "unsure" and reasons[2] == "low_rating"
    assert inbox.refresh() == 0


# --- Personal data never reaches the inbox -----------------------------------------------------

EMAIL, PHONE, HETU = "anna.virtanen@example.com", "+358 40 123 4567", "131052-308T"
PRIVATE = [
    user(201, "whatsapp:+358401234567", f"en tiedä mitä tehdä, sposti {EMAIL} puh {PHONE}",
         "nlu_fallback", 0.2, language="fi"),
    {"id": 202, "sender_id": "whatsapp:+358401234567", "type_name": "bot",
     "timestamp": 1_700_000_202, "action_name": None,
     "data": {"text": f"Kiitos! Lähetin vahvistuksen osoitteeseen {EMAIL}."}},
    user(203, "whatsapp:+358401234567", f"hetu {HETU}, tilaus 10023", "order_status", 0.3,
         language="fi"),
]


def private_tracker(path):
    tracker_db(path)
    db = sqlite3.connect(path)
    for event in PRIVATE:
        db.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?)",
                   (event["id"], event["sender_id"], event["type_name"], event["timestamp"],
                    None, event["action_name"], json.dumps(event["data"])))
    db.commit()


def raw_rows(path):
    db = sqlite3.connect(path)
    return json.dumps(db.execute("SELECT * FROM review_items").fetchall(), ensure_ascii=False)


def assert_nothing_private(text):
    for value in (EMAIL, PHONE, "358401234567", HETU, "Anna Virtanen"):
        assert value not in text


def test_review_items_are_stored_masked(tmp_path):
    private_tracker(tmp_path / "tracker.db")
    inbox = ReviewInbox(SQLiteHandoffQueue(tmp_path / "h.db"), tmp_path,
                        f"sqlite:///{tmp_path / 'tracker.db'}")
    inbox.refresh()
    stored = raw_rows(tmp_path / "h.db")
    assert_nothing_private(stored)
    assert "sposti [email] puh [phone]" in stored and "hetu [id], tilaus 10023" in stored
    item = {i.event_id: i for i in inbox.items()}[203]
    assert item.conversation_id == "whatsapp:[phone]"
    assert {"sender": "bot", "text": "Kiitos! Lähetin vahvistuksen osoitteeseen [email]."} \
        in item.context


def test_items_stored_before_masking_are_masked_when_the_inbox_opens(tmp_path):
    queue = SQLiteHandoffQueue(tmp_path / "h.db")
    ReviewInbox(queue, tmp_path, "")
    with queue._transaction() as cur:  # as an earlier version stored it, and with no version
        cur.execute("INSERT INTO review_items VALUES (7, 'c', ?, 'faq', 0.4, 'en', 'unsure', ?,"
                    " '2026-03-01T10:00:00', 'open', NULL, NULL)",
                    (f"I'm Anna Virtanen, {EMAIL}",
                     json.dumps([{"sender": "shopper", "text": f"call {PHONE}"}])))
        cur.execute("DELETE FROM review_masking")
    ReviewInbox(queue, tmp_path, "")
    stored = raw_rows(tmp_path / "h.db")
    assert_nothing_private(stored)
    assert "I'm [name], [email]" in stored and "call [phone]" in stored


@pytest.fixture
def console(tmp_path, orders, request):
    private_tracker(tmp_path / "tracker.db")
    nlu = tmp_path / "nlu"
    nlu.mkdir()
    (nlu / "orders.yml").write_text("nlu:\n- intent: order_status\n  examples: |\n    - x\n")
    queue = SQLiteHandoffQueue(tmp_path / "handoff.db")
    queue.add_agent("tina", "tina-password", "trainer", "Tina")
    settings = replace(load_settings(env={}), nlu_dir=nlu,
                       tracker_store_url=f"sqlite:///{tmp_path / 'tracker.db'}")
    app = create_app(settings, queue, FakeConversationControl(), orders,
                     name=f"review_{request.node.name}"[:60])
    _, response = app.test_client.post("/login", json={"username": "tina",
                                                       "password": "tina-password"})
    yield app, {"cookies": {COOKIE: response.cookies[COOKIE]}, "headers": {"X-Console": "1"}}
    queue.close()


def test_the_inbox_api_never_shows_personal_data(console, tmp_path):
    app, auth = console
    _, response = app.test_client.get("/api/review", **auth)
    assert response.status == 200
    items = {item["event_id"]: item for item in response.json["items"]}
    assert {201, 203} <= set(items)
    assert_nothing_private(response.body.decode())
    assert items[201]["text"] == "en tiedä mitä tehdä, sposti [email] puh [phone]"
    assert items[203]["text"] == "hetu [id], tilaus 10023"  # the order number stays
    _, response = app.test_client.get("/api/review", params={"language": "fi"}, **auth)
    assert_nothing_private(response.body.decode())

    _, response = app.test_client.post("/api/review/label", json={
        "event_ids": [201], "label": "order_status"}, **auth)
    assert response.status == 200
    written = "".join(path.read_text() for path in (tmp_path / "nlu").rglob("*.yml"))
    assert "sposti [customer@example.com](email) puh 040 000 0000" in written
    assert_nothing_private(written + raw_rows(tmp_path / "handoff.db"))
