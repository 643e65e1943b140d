"""WCAG 2.1 AA checks with axe-core in real Chromium: the demo shop with the chat widget in
every state a shopper sees, and the console pages agents, leads and trainers use.

axe-core comes from scripts/install-test-deps.sh; screenshots of failures go to
results/screenshots/."""

import pytest
from playwright.sync_api import expect

from bot.handoff import SQLiteHandoffQueue
from tests.e2e.browser import (  # noqa: F401 - the fixtures browser and pages
    axe_violations,
    browser_fixture,
    describe,
    pages_fixture,
)
from tests.e2e.conftest import Chat

INPUT = "input[aria-label='Type your message']"
PHONE = {"width": 375, "height": 700}


def assert_accessible(page, where):
    violations = axe_violations(page)
    assert violations == [], f"{where}:\n{describe(violations)}"


def say(page, text):
    page.fill(INPUT, text)
    page.keyboard.press("Enter")


def chat_with_quick_replies(page):
    """A conversation that ends with quick-reply buttons (cancel order 10021: yes or no?)."""
    page.click(".nw-launch")
    say(page, "i want to cancel order 10021")
    offered = ".nw-buttons button:not([disabled])"
    page.locator(".nw-bot", has_text="email address").or_(page.locator(offered)).first.wait_for()
    if page.locator(offered).count() == 0:  # not logged in: the order is proven by its email
        say(page, "anna.virtanen@example.com")
        page.wait_for_selector(offered)


@pytest.fixture(scope="module")
def demo_agent(stack):
    """The demo agent (an admin, as `make run` creates it) with a password we know."""
    queue = SQLiteHandoffQueue(stack.var_dir / "handoff.db")
    queue.add_agent("demo", "demo-password-a11y", "admin", "Demo Agent")
    queue.close()
    return "demo", "demo-password-a11y"


def sign_in(page, stack, agent):
    page.goto(f"{stack.console_url}/login")
    page.fill("#username", agent[0])
    page.fill("#password", agent[1])
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def test_demo_shop_with_the_chat_closed_and_the_invitation(stack, pages):
    page = pages(bypass_csp=True)  # axe is injected as an inline script
    page.goto(f"{stack.console_url}/demo")
    page.wait_for_selector(".nw-launch")
    assert_accessible(page, "demo shop, chat closed")
    page.goto(f"{stack.console_url}/demo/cart")
    expect(page.locator(".nw-nudge")).to_be_visible(timeout=6_000)
    assert_accessible(page, "cart page with the chat invitation")


def test_chat_open_with_messages_links_and_quick_replies(stack, pages):
    page = pages(bypass_csp=True)
    page.goto(f"{stack.console_url}/demo")
    chat_with_quick_replies(page)
    assert_accessible(page, "chat open with quick replies")
    # Messages are list items of a list inside the log, not items of a log.
    assert page.locator("[role=log] > ol > li.nw-msg").count() >= 4
    assert page.locator("ol[role], ul[role]").count() == 0
    # The phone link's name contains what it shows.
    phone = page.locator(".nw-phone")
    expect(page.get_by_role("link", name=phone.inner_text().strip())).to_be_visible()

    say(page, "where is my order 10023?")  # a link, and the earlier buttons are over
    page.wait_for_selector(".nw-bot a[href^='https://']")
    assert_accessible(page, "chat with a link and past quick replies")


def test_chat_at_phone_width(stack, pages):
    page = pages(bypass_csp=True, viewport=PHONE)
    page.goto(f"{stack.console_url}/demo/account")
    page.wait_for_selector(".nw-launch")
    assert_accessible(page, "account page at phone width, chat closed")
    chat_with_quick_replies(page)
    assert_accessible(page, "chat at phone width with quick replies")


def test_console_pages(stack, pages, demo_agent):
    Chat(stack, "a11y-shopper").say("can i talk to a real person about my parcel")
    Chat(stack, "a11y-unsure").say("blorptastic zwee frumble, hm")  # for the review inbox
    page = pages(bypass_csp=True)
    page.goto(f"{stack.console_url}/login")
    assert_accessible(page, "sign-in page")

    sign_in(page, stack, demo_agent)
    page.goto(f"{stack.console_url}/")
    ticket = page.locator("#queue li", has_text="about my parcel")
    ticket.click()
    page.wait_for_selector("#transcript >> text=about my parcel")
    assert_accessible(page, "console with a ticket open")
    page.click("#claim")
    page.wait_for_selector("#owned-actions:not([hidden])")
    assert_accessible(page, "console with an owned ticket")

    page.goto(f"{stack.console_url}/dashboard")
    page.wait_for_selector("#status >> text=/Updated/")
    assert_accessible(page, "dashboard")

    page.goto(f"{stack.console_url}/review")
    page.locator("#items tr").first.wait_for()
    assert_accessible(page, "review inbox")
