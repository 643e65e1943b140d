"""Shoppers with data in every store: Rasa's SQL tracker store (written by Rasa's own
``SQLTrackerStore``), the queue database (SQLite, then PostgreSQL: the ``store`` fixture) and
the feedback file.

Anna (customer C-1001, anna@example.com) has a conversation in which she is logged in and
gave her email, a widget chat where she only typed her email, a chat in the shop's app where
only her signed customer token says who she is, and an old ticket whose conversation is
already gone. Joanna (joanna@example.com) and Mikko (C-1002) are other shoppers; someone
sent a token for C-1001 signed with the wrong secret.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, List, Optional

import pytest
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.handoff import Ticket, TranscriptLine, new_ticket_id
from bot.privacy import ShopperRecords, build_shopper_records
from bot.review.inbox import ReviewInbox
from bot.settings import Settings, load_settings
from bot.shop.customer_tokens import issue_customer_token
from bot.surveys import SurveyResponse

SECRET = "customer-token-secret-for-the-tests"
DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, order_status, nlu_fallback, feedback]
slots:
  customer_id: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  email: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  followup_email: {type: text, influence_conversation: false, mappings: [{type: custom}]}
""")

ANNA_CONVERSATIONS = ("anna-chat", "anna-widget")  # found by her email
ANNA_CUSTOMER_CONVERSATIONS = ("anna-chat", "anna-app")  # found by her customer id


def user(text: str, intent: str, at: float, token: Optional[str] = None) -> UserUttered:
    confidence = 0.3 if intent == "nlu_fallback" else 0.95
    return UserUttered(text, {"name": intent, "confidence": confidence}, timestamp=at,
                       metadata={"customer_token": token} if token else None)


def bot(text: str, at: float) -> BotUttered:
    return BotUttered(text, timestamp=at)


def conversations(at: float) -> dict:
    """Every conversation's events, all at unix time ``at``."""
    anna_token = issue_customer_token("C-1001", SECRET, now=at)
    forged = issue_customer_token("C-1001", "not-the-secret", now=at)
    return {
        "anna-chat": [user("where is my order", "order_status", at, anna_token),
                      SlotSet("customer_id", "C-1001", timestamp=at),
                      user("blorp it is anna@example.com", "nlu_fallback", at, anna_token),
                      SlotSet("email", "anna@example.com", timestamp=at),
                      bot("Thanks, Anna", at)],
        "anna-widget": [user("write to ANNA@example.com please", "nlu_fallback", at)],
        "anna-app": [user("hello", "greet", at, anna_token), bot("Hi Anna!", at)],
        "forged": [user("hello", "greet", at, forged)],
        "joanna-chat": [user("gah joanna@example.com", "nlu_fallback", at),
                        SlotSet("followup_email", "joanna@example.com", timestamp=at)],
        "mikko-chat": [user("hmm mikko@example.fi", "nlu_fallback", at),
                       SlotSet("customer_id", "C-1002", timestamp=at)],
    }


def save(store: SQLTrackerStore, sender: str, events: List[Any]) -> None:
    """One turn after another, as the Rasa server stores them."""
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in events:
        tracker.update(event)
        if isinstance(event, UserUttered):
            tracker.update(ActionExecuted("action_listen", timestamp=event.timestamp))
    asyncio.run(store.save(tracker))


def retrieve(store: SQLTrackerStore, sender: str) -> Optional[DialogueStateTracker]:
    return asyncio.run(store.retrieve(sender))


@pytest.fixture
def tracker_db(tmp_path: Path) -> Path:
    return tmp_path / "tracker.db"


@pytest.fixture
def tracker(tracker_db: Path) -> SQLTrackerStore:
    return SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tracker_db))


@pytest.fixture
def feedback(store):
    """Feedback lives in the queue database."""
    return store


@pytest.fixture
def settings(tmp_path: Path, tracker_db: Path) -> Settings:
    return replace(load_settings(env={}), tracker_store_url=f"sqlite:///{tracker_db}",
                   handoff_db_path=tmp_path / "handoff.db", customer_token_secret=SECRET,
                   nlu_dir=tmp_path / "nlu")


def ticket(conversation: str, status: str = "resolved", customer: Optional[str] = None,
           email: Optional[str] = None, created: Optional[datetime] = None,
           text: str = "I need a person") -> Ticket:
    created = created or datetime.now()
    return Ticket(ticket_id=new_ticket_id(), conversation_id=conversation,
                  reason="talk_to_human", summary="Shopper asked for a person", status=status,
                  customer_id=customer, followup_email=email, created_at=created,
                  resolved_at=created if status in ("resolved", "cancelled") else None,
                  transcript=[TranscriptLine("shopper", text, created.timestamp())])


def answer(conversation: str, shopper: str, score: int = 4, comment: Optional[str] = None,
           created: Optional[datetime] = None) -> SurveyResponse:
    return SurveyResponse("csat", "human", conversation, shopper, score, "en", "socketio",
                          comment=comment, created_at=created or datetime.now())


@dataclass
class World:
    """The stores with every shopper's data in them, and handles to check what is left."""

    settings: Settings
    queue: Any
    tracker: SQLTrackerStore
    feedback: Any
    records: ShopperRecords
    inbox: ReviewInbox
    tickets: dict


@pytest.fixture
def world(store, tracker, feedback, settings, tmp_path) -> World:
    """Every store filled with Anna's, Joanna's and Mikko's data, as the assistant keeps it."""
    now = time.time()
    for sender, events in conversations(now - 3600).items():
        save(tracker, sender, events)
    tickets = {
        "anna": store.create(ticket("anna-chat", "active", customer="C-1001",
                                    email="anna@example.com")),
        "anna-old": store.create(ticket("anna-mail", email="Anna@Example.com",
                                        created=datetime.now() - timedelta(days=30))),
        "mikko": store.create(ticket("mikko-chat", customer="C-1002")),
    }
    store.add_note(tickets["anna"].ticket_id, "alice", "Anna called about the parcel")
    store.add_note(tickets["anna-old"].ticket_id, "alice", "mailed her")
    store.add_note(tickets["mikko"].ticket_id, "alice", "Mikko wants a refund")
    store.record_survey(answer("anna-chat", "customer:C-1001", 2))
    store.record_survey(answer("anna-widget", "conversation:anna-widget", 5,
                               comment="mail me: anna@example.com"))
    store.record_survey(answer("mikko-chat", "customer:C-1002", 3, comment="ok"))
    store.decline_surveys("customer:C-1001")
    store.decline_surveys("conversation:anna-widget")
    store.decline_surveys("customer:C-1002")
    store.remember_cart("cart-anna", "anna-chat", items=["Rain jacket"])
    store.remember_cart("cart-mikko", "mikko-chat", items=["Wool socks"])
    feedback.add_feedback("anna-widget", "you could reach me at anna@example.com", "socketio", "en")
    feedback.add_feedback("mikko-chat", "nice bot", "socketio", "en")
    inbox = ReviewInbox(store, tmp_path, settings.tracker_store_url)
    inbox.refresh()
    records = build_shopper_records(settings, store)
    return World(settings, store, tracker, feedback, records, inbox, tickets)


def everything(world: World) -> str:
    """Every value in every store, as one lower-case text."""
    parts: List[str] = []
    with world.queue._transaction() as cur:
        for table in ("tickets", "ticket_notes", "proactive_events", "survey_responses",
                      "survey_prefs", "review_items"):
            parts += [str(row) for row in world.queue._all(cur, f"SELECT * FROM {table}")]
    import sqlite3

    tracker_file = world.settings.tracker_store_url.replace("sqlite:///", "")
    parts += [str(row) for row in sqlite3.connect(tracker_file).execute("SELECT * FROM events")]
    parts += [str(row) for row in world.feedback.recent_feedback(1000)]
    return "\n".join(parts).lower()
