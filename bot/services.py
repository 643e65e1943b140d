"""Builds the services the actions use, once, from settings (never at import time)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import List, Optional

from bot.email.store import EmailStore
from bot.feedback import FeedbackStore
from bot.handoff import AgentAccounts, HandoffQueue, build_handoff_queue
from bot.kb import Entry, KnowledgeBaseSearch, load_entries, load_faq_examples, with_examples
from bot.limits import AttemptLimits
from bot.settings import Settings, load_settings
from bot.shop import OrderService, build_order_service
from bot.shop_events import ShopEvents
from bot.surveys import SurveyStore


@dataclass
class Services:
    """Everything behind the actions, each behind its own small Protocol.

    With the embedded and the PostgreSQL stores, the queue, surveys, shop events, feedback,
    limits and the email channel's threads are one database (one object); the actions only
    see the part they use.
    """

    settings: Settings
    orders: OrderService
    handoff: HandoffQueue
    agents: AgentAccounts
    surveys: SurveyStore
    shop_events: ShopEvents
    feedback: FeedbackStore
    limits: AttemptLimits
    email: EmailStore
    kb_entries: List[Entry]
    kb_search: KnowledgeBaseSearch

    def kb_entry(self, key: str) -> Optional[Entry]:
        """The KB entry with this key."""
        return next((entry for entry in self.kb_entries if entry.key == key), None)


def build_services(settings: Settings) -> Services:
    """Open the stores and build the KB index described by ``settings``."""
    entries = with_examples(load_entries(settings.kb_dir),
                            load_faq_examples(settings.nlu_dir))
    queue = build_handoff_queue(settings)
    return Services(
        settings=settings,
        orders=build_order_service(settings),
        handoff=queue, agents=queue, surveys=queue, shop_events=queue, feedback=queue, limits=queue,
        email=queue,
        kb_entries=entries,
        kb_search=KnowledgeBaseSearch(entries),
    )


_lock = threading.Lock()
_services: Optional[Services] = None


def get_services() -> Services:
    """The process-wide services, built on first use."""
    global _services
    with _lock:
        if _services is None:
            _services = build_services(load_settings())
        return _services


def set_services(services: Optional[Services]) -> None:
    """Replace the process-wide services (tests use this to inject their own)."""
    global _services
    with _lock:
        _services = services
