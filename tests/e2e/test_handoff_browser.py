"""A shopper in the widget asks for a person; an agent in the console takes over, replies,
resolves; the bot stays silent meanwhile and asks for a rating afterwards. Real Chromium."""

import sqlite3

import pytest

from bot.handoff import SQLiteHandoffQueue
from tests.e2e.browser import launch

TIMEOUT = 30_000


@pytest.fixture(scope="module")
def browser():
    yield from launch()


def bot_messages(page):
    return page.locator(".nw-msg.nw-bot")


def test_agent_takes_over_and_hands_back(stack, browser):
    queue = SQLiteHandoffQueue(stack.var_dir / "handoff.db")
    queue.add_agent("alice", "alice-password", "agent", "Alice")
    queue.close()

    shopper = browser.new_context().new_page()
    shopper.set_default_timeout(TIMEOUT)
    shopper.goto(f"{stack.console_url}/demo")
    shopper.click(".nw-launch")
    shopper.fill("input[aria-label='Type your message']",
                 "can i talk to a real person about a gift")
    shopper.keyboard.press("Enter")
    shopper.wait_for_selector(".nw-bot >> text=/You're number \\d+ in the queue/")

    agent = browser.new_context().new_page()
    agent.set_default_timeout(TIMEOUT)
    agent.goto(f"{stack.console_url}/login")
    agent.fill("#username", "alice")
    agent.fill("#password", "alice-password")
    agent.click("button[type=submit]")
    mine = "#queue li:has-text('about a gift')"
    agent.wait_for_selector(mine)
    agent.click(mine)
    agent.wait_for_selector("#transcript >> text=can i talk to a real person about a gift")
    agent.click("#claim")
    shopper.wait_for_selector(".nw-bot >> text=/Alice from our support team has joined/")

    agent.wait_for_selector("#owned-actions:not([hidden])")
    agent.fill("#reply", "Hi, Alice here. How can I help?")
    agent.click("#send")
    shopper.wait_for_selector(".nw-bot >> text=Hi, Alice here. How can I help?")

    before = bot_messages(shopper).count()
    shopper.fill("input[aria-label='Type your message']", "where is my order 10023?")
    shopper.keyboard.press("Enter")
    agent.wait_for_selector("#transcript >> text=where is my order 10023?")
    shopper.wait_for_timeout(2500)
    assert bot_messages(shopper).count() == before, "the bot spoke while a person owned the chat"

    agent.click("#resolve")
    shopper.wait_for_selector(".nw-bot >> text=/How satisfied/")
    shopper.click(".nw-buttons button:has-text('★★★★★')")
    shopper.wait_for_selector(".nw-bot >> text=/Thank you for your rating/")
    csat = sqlite3.connect(stack.var_dir / "handoff.db").execute(
        "SELECT json_extract(body, '$.csat') FROM tickets WHERE status = 'resolved'").fetchall()
    assert (5,) in csat
