"""The daily purge removes what is past its retention limit, and nothing newer."""

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.console.erasure_api import purge_periodically
from bot.email.store import EmailThread
from bot.privacy import build_shopper_records, purge_expired
from bot.privacy.__main__ import main
from bot.review.inbox import ReviewInbox
from bot.settings import RetentionSettings
from tests.bot.privacy.conftest import answer, retrieve, save, ticket, user

NOW = datetime.now()


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def all_tickets(queue):
    return {t.conversation_id for t in queue.list_tickets(
        ("waiting", "active", "resolved", "cancelled"))}


def test_purge_removes_only_what_is_past_each_limit(store, tracker, feedback, settings,
                                                     tmp_path):
    # Defaults: conversations 90 days, tickets 365, review items 90, surveys 730.
    save(tracker, "old-chat", [user("blorp", "nlu_fallback", ago(100).timestamp())])
    save(tracker, "came-back", [user("hi", "greet", ago(100).timestamp()),
                                user("blah again", "nlu_fallback", ago(10).timestamp())])
    tickets = {status: store.create(ticket(f"old-{status}", status, created=ago(400)))
               for status in ("resolved", "cancelled", "waiting")}
    recent = store.create(ticket("recent-resolved", created=ago(10)))
    store.add_note(tickets["resolved"].ticket_id, "alice", "old note")
    store.add_note(recent.ticket_id, "alice", "recent note")
    store.record_survey(answer("old-survey", "conversation:old-survey", created=ago(800)))
    store.record_survey(answer("new-survey", "conversation:new-survey", created=ago(10)))
    store.decline_surveys("conversation:declined-long-ago", when=ago(400))
    store.decline_surveys("conversation:declined-lately", when=ago(100))
    feedback.add_feedback("old-feedback", "meh", "rest", "en", now=ago(800).timestamp())
    feedback.add_feedback("new-feedback", "nice", "rest", "en", now=ago(10).timestamp())
    store.record([("verify-email", "anna@example.com")], now=ago(2))
    store.record([("verify-email", "mikko@example.fi")], now=NOW)
    for address, days in (("old@example.com", 400), ("recent@example.com", 10)):
        store.remember_thread(EmailThread(f"email:{address}", address, "Question",
                                          "<m@client.test>", ("<m@client.test>",), "en",
                                          updated_at=ago(days)))
    inbox = ReviewInbox(store, tmp_path, settings.tracker_store_url)
    assert inbox.refresh() == 2
    records = build_shopper_records(settings, store)

    report = purge_expired(records, settings, NOW)

    assert retrieve(tracker, "old-chat") is None
    assert [e.text for e in retrieve(tracker, "came-back").events
            if e.type_name == "user"] == ["hi", "blah again"]  # its latest turn is recent
    assert all_tickets(store) == {"old-waiting", "recent-resolved"}  # open ones stay
    assert [n.text for n in store.notes(recent.ticket_id)] == ["recent note"]
    assert store.notes(tickets["resolved"].ticket_id) == []
    assert [a.conversation_id for a in store.survey_responses()] == ["new-survey"]
    assert store.survey_prefs("conversation:declined-long-ago").declined_at is None
    assert store.survey_prefs("conversation:declined-lately").declined_at is not None
    assert [row[0] for row in feedback.recent_feedback()] == ["new-feedback"]
    assert [i.text for i in inbox.items()] == ["blah again"]
    assert store.email_thread("email:old@example.com") is None
    assert store.email_thread("email:recent@example.com") is not None
    assert report.removed == {"conversations": 1, "conversation_events": 2, "tickets": 2,
                              "ticket_notes": 1, "survey_answers": 1, "survey_prefs": 1,
                              "review_items": 1, "shop_events": 0, "attempts": 1,
                              "feedback": 1, "email_threads": 1}
    assert not any(purge_expired(records, settings, NOW).removed.values())  # nothing more


def test_the_limits_come_from_the_settings(store, tracker, feedback, settings):
    settings = replace(settings, retention=RetentionSettings(conversations_days=30))
    store.remember_cart("cart-1", "chat-1", items=["Rain jacket"])
    save(tracker, "chat-1", [user("hi", "greet", NOW.timestamp())])
    records = build_shopper_records(settings, store)

    purge_expired(records, settings, NOW + timedelta(days=29))
    assert store.latest_cart("chat-1")["items"] == ["Rain jacket"]
    assert retrieve(tracker, "chat-1") is not None

    report = purge_expired(records, settings, NOW + timedelta(days=31))
    assert store.latest_cart("chat-1") is None and retrieve(tracker, "chat-1") is None
    assert report.removed["shop_events"] == 1 and report.removed["conversations"] == 1


def test_no_tracker_database_yet_is_nothing_to_purge(store, feedback, settings, tmp_path):
    records = build_shopper_records(settings, store)
    report = purge_expired(records, settings, NOW)
    assert report.failed == [] and report.removed["conversation_events"] == 0
    assert not (tmp_path / "tracker.db").exists()  # not created by looking


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_command_line(world, monkeypatch, capsys):
    settings = world.settings
    monkeypatch.setenv("TRACKER_STORE_URL", settings.tracker_store_url)
    monkeypatch.setenv("HANDOFF_DB_PATH", str(settings.handoff_db_path))
    monkeypatch.setenv("CUSTOMER_TOKEN_SECRET", settings.customer_token_secret)

    assert main(["erase", "--customer", "C-1001"]) == 0
    out = capsys.readouterr().out
    assert "conversations found: 2" in out and "tickets: 1 removed" in out
    assert retrieve(world.tracker, "anna-app") is None

    assert main(["purge"]) == 0
    assert "conversation_events: 0 removed" in capsys.readouterr().out

    assert main(["erase", "--email", "no address"]) == 2
    assert "email" in capsys.readouterr().err


async def test_the_console_purges_when_it_starts_and_then_daily(store, feedback, settings):
    store.create(ticket("closed-long-ago", created=ago(400)))
    store.create(ticket("closed-lately", created=ago(10)))
    app = SimpleNamespace(ctx=SimpleNamespace(settings=settings, queue=store))
    task = asyncio.create_task(purge_periodically(app, interval_seconds=24 * 3600))
    try:
        for _ in range(100):
            if all_tickets(store) == {"closed-lately"}:
                break
            await asyncio.sleep(0.05)
        assert all_tickets(store) == {"closed-lately"}
    finally:
        task.cancel()
