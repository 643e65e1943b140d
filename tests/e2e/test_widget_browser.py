"""The chat widget on the demo shop, in real Chromium."""

import pytest

from tests.e2e.browser import launch

TIMEOUT = 30_000


@pytest.fixture(scope="module")
def browser():
    yield from launch()


def test_history_survives_a_reload_and_quick_replies_work(stack, browser):
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{stack.console_url}/demo")
    page.click(".nw-launch")
    page.fill("input[aria-label='Type your message']", "i want to cancel order 10021")
    page.keyboard.press("Enter")
    page.wait_for_selector(".nw-bot >> text=/email address/")
    page.reload()
    page.wait_for_selector(".nw-user >> text=i want to cancel order 10021")
    page.fill("input[aria-label='Type your message']", "anna.virtanen@example.com")
    page.keyboard.press("Enter")
    page.wait_for_selector(".nw-buttons button:has-text('No')")
    page.click(".nw-buttons button:has-text('No')")
    page.wait_for_selector(".nw-bot >> text=/stays as it is/")


def test_shopper_text_is_shown_as_text_never_run(stack, browser):
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"{stack.console_url}/demo")
    page.click(".nw-launch")
    payload = "<img src=x onerror=alert(1)>"
    page.fill("input[aria-label='Type your message']", payload)
    page.keyboard.press("Enter")
    page.wait_for_selector(".nw-user >> text=<img src=x onerror=alert(1)>")
    page.wait_for_selector(".nw-bot")
    assert page.locator(".nw-log img").count() == 0 and dialogs == []


def test_logged_in_customer_is_greeted_by_name(stack, browser):
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{stack.console_url}/demo/account")
    page.wait_for_selector("h1 >> text=Hello, Anna")
    page.click(".nw-launch")
    page.fill("input[aria-label='Type your message']", "hello")
    page.keyboard.press("Enter")
    page.wait_for_selector(".nw-bot >> text=/Hi Anna/")


def test_widget_works_at_phone_width(stack, browser):
    page = browser.new_context(viewport={"width": 375, "height": 700}).new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{stack.console_url}/demo")
    page.keyboard.press("Tab")
    page.click(".nw-launch")
    box = page.locator(".nw-panel").bounding_box()
    assert box["width"] <= 375
    assert page.get_attribute(".nw-launch", "aria-expanded") == "true"


def test_proactive_help_on_the_cart_page_and_dismissal_sticks(stack, browser):
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{stack.console_url}/demo/cart")
    page.wait_for_selector(".nw-nudge >> text=/Need help/")
    page.click(".nw-nudge-close")
    page.reload()
    page.wait_for_timeout(4500)
    assert page.locator(".nw-nudge").is_hidden()


def test_abandoned_cart_event_opens_the_widget_with_a_message(stack, browser):
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(f"{stack.console_url}/demo/cart")
    page.wait_for_selector(".nw-launch")
    page.wait_for_timeout(1500)  # the widget's socket joins its session
    page.click("#abandon")
    page.wait_for_selector(".nw-bot >> text=/Rain jacket, Wool socks/")
    assert page.locator(".nw-panel").is_visible()
