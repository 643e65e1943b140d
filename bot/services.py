"""Builds the services the actions use, once, from settings (never at import time)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import List, Optional

from bot.feedback import FeedbackStore, SQLiteFeedbackStore
from bot.handoff import HandoffQueue, build_handoff_queue
from bot.kb import Entry, KnowledgeBaseSearch, load_entries, load_faq_examples, with_examples
from bot.settings import Settings, load_settings
from bot.shop import OrderService, build_order_service


@dataclass
class Services:
    """Everything behind the actions."""

    settings: Settings
    orders: OrderService
    handoff: HandoffQueue
    feedback: FeedbackStore
    kb_entries: List[Entry]
    kb_search: KnowledgeBaseSearch

    def kb_entry(self, key: str) -> Optional[Entry]:
        """The KB entry with this key."""
        return next((entry for entry in self.kb_entries if entry.key == key), None)


def build_services(settings: Settings) -> Services:
    """Open the stores and build the KB index described by ``settings``."""
    entries = with_examples(load_entries(settings.kb_dir),
                            load_faq_examples(settings.nlu_dir))
    return Services(
        settings=settings,
        orders=build_order_service(settings),
        handoff=build_handoff_queue(settings),
        feedback=SQLiteFeedbackStore(settings.handoff_db_path.with_name("feedback.db")),
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
