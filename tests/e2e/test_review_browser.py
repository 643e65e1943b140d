"""A trainer labels a real shopper message in the review inbox; it lands in the training data
with personal data masked. Real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from bot.handoff import SQLiteHandoffQueue
from tests.e2e.browser import launch
from tests.e2e.conftest import Chat

TIMEOUT = 30_000


@pytest.fixture(scope="module")
def browser():
    yield from launch()


def test_trainer_labels_a_fallback_message(stack, browser):
    message = "blorp order zzyx maybe, im Budi Santoso"  # the bot is unsure about this one
    Chat(stack, "review-shopper").say(message)
    # Understood and handed over as asked: nothing for a trainer to fix.
    handed = Chat(stack, "review-handed").text("can i talk to a real person please")
    assert "queue" in handed or "person" in handed
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
    row = page.locator("#items tr", has_text="blorp order zzyx")
    row.wait_for()
    assert page.locator("#items tr", has_text="real person please").count() == 0
    # The live model and when it was trained (the archive's metadata).
    expect(page.locator("#model")).to_have_text(re.compile(r"^Live model trained \S"))
    # No label is chosen beforehand: saving needs one chosen.
    expect(page.locator("#bulk-label option:checked")).to_have_text("choose the intent…")
    expect(page.locator("#apply")).to_be_disabled()
    row.locator(".pick").check()
    expect(page.locator("#apply")).to_be_disabled()
    page.select_option("#bulk-label", "order_status")
    expect(page.locator("#apply")).to_be_enabled()
    page.click("#apply")
    page.wait_for_selector("#status >> text=/Labelled 1/")
    assert page.locator("#items tr", has_text="blorp order zzyx").count() == 0
    expect(page.locator("#apply")).to_be_disabled()  # the next label is chosen anew

    written = "".join(p.read_text() for p in (stack.var_dir / "nlu").rglob("*.yml"))
    assert "- blorp order zzyx maybe, im Alex\n" in written
    assert "Budi Santoso" not in written
