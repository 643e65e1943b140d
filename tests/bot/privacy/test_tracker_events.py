"""The tracker store's part on PostgreSQL, written by Rasa's own SQL tracker store."""

import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from bot.privacy import Cutoffs, Shopper
from bot.privacy.tracker_events import TrackerEvents
from tests.bot.privacy.conftest import DOMAIN, SECRET, conversations, retrieve, save, user


def test_erasure_and_purge_on_postgresql(pg_server, settings):
    url = sa.engine.make_url(pg_server.new_database("privacy_tracker"))
    tracker = SQLTrackerStore(DOMAIN, dialect="postgresql", host=url.host, port=url.port,
                              db=url.database, username=url.username)
    for sender, events in conversations(time.time()).items():
        save(tracker, sender, events)
    old = (datetime.now() - timedelta(days=100)).timestamp()
    save(tracker, "old-chat", [user("hi", "greet", old)])
    events = TrackerEvents(str(url), SECRET)

    assert events.conversations_of(Shopper(email="anna@example.com")) == {
        "anna-chat", "anna-widget"}
    assert events.conversations_of(Shopper(customer_id="C-1001")) == {"anna-chat", "anna-app"}
    removed = events.erase(Shopper(sender="anna-chat"), {"anna-chat"})
    assert removed["conversations"] == 1 and removed["conversation_events"] > 0
    assert retrieve(tracker, "anna-chat") is None

    purged = events.purge(Cutoffs.from_settings(settings))
    assert purged == {"conversations": 1, "conversation_events": 2}
    assert retrieve(tracker, "old-chat") is None
    assert retrieve(tracker, "mikko-chat").get_slot("customer_id") == "C-1002"
