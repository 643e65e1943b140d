import json
import sqlite3

from bot.handoff import SQLiteHandoffQueue
from bot.trainer.review import ReviewInbox, find_candidates


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
