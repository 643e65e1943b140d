"""Erasing one shopper: nothing of them is left in any store, everyone else keeps their data."""

import re

import pytest

from bot.privacy import Shopper
from bot.runtime.tracker_store import CachedSQLTrackerStore
from tests.bot.privacy.conftest import DOMAIN, everything, retrieve

ANNA_EMAIL = re.compile(r"(?<![a-z.])anna@example\.com")


def conversations_left(world):
    return {sender for sender in ("anna-chat", "anna-widget", "anna-app", "forged",
                                  "joanna-chat", "mikko-chat")
            if retrieve(world.tracker, sender) is not None}


def tickets_left(world):
    return {t.conversation_id for t in world.queue.list_tickets(
        ("waiting", "active", "resolved", "cancelled"))}


def test_erasure_by_email_leaves_nothing_that_names_her(world):
    before = everything(world)
    assert ANNA_EMAIL.search(before) and "joanna@example.com" in before

    report = world.records.erase(Shopper(email="Anna@Example.com"))

    assert not ANNA_EMAIL.search(everything(world))
    assert conversations_left(world) == {"anna-app", "forged", "joanna-chat", "mikko-chat"}
    assert tickets_left(world) == {"mikko-chat"}  # also her ticket whose chat was gone
    assert report.conversations == 3  # anna-chat, anna-widget and the ticket's anna-mail
    assert report.removed["tickets"] == 2 and report.removed["ticket_notes"] == 2
    assert report.removed["survey_answers"] == 2 and report.removed["feedback"] == 1
    assert report.removed["shop_events"] == 1
    assert report.removed["review_items"] == 3  # unclear, or in the chat she rated 2
    assert report.failed == []
    # Everyone else's data is untouched.
    assert [n.text for n in world.queue.notes(world.tickets["mikko"].ticket_id)] == [
        "Mikko wants a refund"]
    assert world.queue.latest_cart("mikko-chat")["items"] == ["Wool socks"]
    assert {a.conversation_id for a in world.queue.survey_responses()} == {"mikko-chat"}
    assert [row[0] for row in world.feedback.recent_feedback()] == ["mikko-chat"]
    assert {i.conversation_id for i in world.inbox.items()} == {"joanna-chat", "mikko-chat"}
    assert retrieve(world.tracker, "joanna-chat").get_slot("followup_email") == \
        "joanna@example.com"


def test_erasure_by_customer_id_finds_the_slot_and_the_signed_token(world):
    report = world.records.erase(Shopper(customer_id="C-1001"))

    assert "c-1001" not in everything(world)
    assert conversations_left(world) == {"anna-widget", "forged", "joanna-chat", "mikko-chat"}
    assert report.conversations == 2
    assert tickets_left(world) == {"anna-mail", "mikko-chat"}
    assert world.queue.survey_prefs("customer:C-1001").declined_at is None
    assert world.queue.survey_prefs("customer:C-1002").declined_at is not None
    assert world.queue.latest_cart("anna-chat") is None
    assert {a.shopper for a in world.queue.survey_responses()} == {
        "conversation:anna-widget", "customer:C-1002"}


def test_erasure_by_sender_removes_that_conversation_only(world):
    report = world.records.erase(Shopper(sender="anna-widget"))

    assert conversations_left(world) == {"anna-chat", "anna-app", "forged", "joanna-chat",
                                         "mikko-chat"}
    assert report.removed["survey_answers"] == 1 and report.removed["survey_prefs"] == 1
    assert report.removed["feedback"] == 1 and report.removed["review_items"] == 1
    assert world.queue.survey_prefs("conversation:anna-widget").declined_at is None
    assert tickets_left(world) == {"anna-chat", "anna-mail", "mikko-chat"}


def test_erasing_twice_finds_nothing_more(world):
    world.records.erase(Shopper(email="anna@example.com"))
    again = world.records.erase(Shopper(email="anna@example.com"))
    assert again.conversations == 0 and not any(again.removed.values())


def test_a_running_rasa_server_forgets_the_conversation(world, settings, tracker_db):
    cached = CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tracker_db))
    assert retrieve(cached, "anna-chat").get_slot("customer_id") == "C-1001"  # now in memory
    world.records.erase(Shopper(sender="anna-chat"))
    assert retrieve(cached, "anna-chat") is None


@pytest.mark.parametrize("fields", [
    {}, {"sender": ""}, {"sender": "a", "email": "a@b.fi"}, {"email": "not an address"},
    {"email": "a b@c.fi"}, {"customer_id": 1001}, {"sender": "x" * 256},
])
def test_a_request_names_exactly_one_shopper(fields):
    with pytest.raises(ValueError):
        Shopper(**fields)


def test_erasure_by_email_removes_her_email_threads(world):
    from bot.email.store import EmailThread

    for address in ("anna@example.com", "joanna@example.com"):
        world.queue.remember_thread(EmailThread(f"email:{address}", address, "Question",
                                                "<m@client.test>", ("<m@client.test>",), "en"))
    report = world.records.erase(Shopper(email="anna@example.com"))
    assert report.removed["email_threads"] == 1
    assert world.queue.email_thread("email:anna@example.com") is None
    assert world.queue.email_thread("email:joanna@example.com") is not None
