"""Shared fixtures: a seeded shop at a fixed time, and services wired to temporary files."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time
from pathlib import Path

import pytest

from bot.handoff import SQLiteHandoffQueue
from bot.kb import KnowledgeBaseSearch, load_entries, load_faq_examples, with_examples
from bot.services import Services, set_services
from bot.settings import HandoffSettings, load_settings
from bot.shop import OrderService, ShopPolicy, SQLiteShop
from bot.shop.seed import seed

NOW = datetime(2026, 3, 18, 12, 0, 0)  # a Wednesday


@pytest.fixture
def shop(tmp_path: Path) -> SQLiteShop:
    """The demo shop in a temporary file, seeded as of NOW."""
    store = SQLiteShop(tmp_path / "shop.db", clock=lambda: NOW)
    seed(store, NOW)
    yield store
    store.close()


@pytest.fixture
def orders(shop: SQLiteShop) -> OrderService:
    return OrderService(shop, ShopPolicy(), clock=lambda: NOW)


@pytest.fixture(scope="session")
def kb_entries():
    settings = load_settings(env={})
    return with_examples(load_entries(settings.kb_dir), load_faq_examples(settings.nlu_dir))


@pytest.fixture
def services(tmp_path: Path, orders: OrderService, kb_entries) -> Services:
    """Services for the actions, over temporary stores; reset after the test."""
    always_open = HandoffSettings(hours=tuple([(time(0), time(23, 59, 59))] * 7))
    settings = replace(load_settings(env={}), handoff_db_path=tmp_path / "handoff.db",
                       customer_token_secret="test-secret", handoff=always_open)
    queue = SQLiteHandoffQueue(tmp_path / "handoff.db")
    built = Services(
        settings=settings, orders=orders, handoff=queue, agents=queue, surveys=queue,
        shop_events=queue, feedback=queue, limits=queue, email=queue, kb_entries=kb_entries,
        kb_search=KnowledgeBaseSearch(kb_entries),
    )
    set_services(built)
    yield built
    set_services(None)


# The running assistant (servers on free ports) for the end-to-end and security tests.
from tests.servers import chat, platforms, stack  # noqa: E402, F401
