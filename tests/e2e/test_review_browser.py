"""A trainer labels a real shopper message in the review inbox; it lands in the training data
with personal data masked. Real Chromium."""

import pytest

from bot.handoff import SQLiteHandoffQueue
from tests.e2e.browser import launch
from tests.e2e.conftest import Chat

TIMEOUT = 30_000


@pytest.fixture(scope="module")
def browser():
    yield from launch()


def test_trainer_labels_a_fallback_message(stack, browser):
    message = "qwzx blorp vrrrp zzyx, im Budi Santoso"  # the bot is unsure about this one
    Chat(stack, "review-shopper").say(message)
    queue = SQLiteHandoffQueue(stack.var_dir / "handoff.db")
    queue.add_agent("tina", "tina-password", "trainer", "Tina")
    queue.close()

    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{stack.console_url}/login")
    page.fill("#username", "tina")
    page.fill("#password", "tina-password")
    page.click("button[type=submit]")
    page.goto(f"{stack.console_url}/review")
    row = page.locator("#items tr", has_text="qwzx blorp")
    row.wait_for()
    row.locator(".pick").check()
    page.select_option("#bulk-label", "order_status")
    page.click("#apply")
    page.wait_for_selector("#status >> text=/Labelled 1/")
    assert page.locator("#items tr", has_text="qwzx blorp").count() == 0

    written = "".join(p.read_text() for p in (stack.var_dir / "nlu").rglob("*.yml"))
    assert "- qwzx blorp vrrrp zzyx, im Alex\n" in written
    assert "Budi Santoso" not in written
