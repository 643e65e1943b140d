"""The console pages as agents, leads and trainers see them: the header that links the pages
a role may open, the reply area's layout, and how the ticket shows what the bot understood.
Real servers, real Chromium; every state checked is also checked with axe-core."""

import re

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

ACCOUNTS = {"nadia": "agent", "noel": "lead", "nina": "trainer", "nora": "admin"}
PAGES = {"Agent console": "/", "Dashboard": "/dashboard", "Review inbox": "/review"}
ALLOWED = {"agent": ["Agent console"], "lead": ["Dashboard"], "trainer": ["Review inbox"],
           "admin": ["Agent console", "Dashboard", "Review inbox"]}


@pytest.fixture(scope="module")
def accounts(stack):
    queue = SQLiteHandoffQueue(stack.var_dir / "handoff.db")
    for name, role in ACCOUNTS.items():
        queue.add_agent(name, f"{name}-password", role, name.title())
    queue.close()
    return ACCOUNTS


def sign_in(page, stack, name):
    page.goto(f"{stack.console_url}/login")
    page.fill("#username", name)
    page.fill("#password", f"{name}-password")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def assert_accessible(page, where):
    violations = axe_violations(page)
    assert violations == [], f"{where}:\n{describe(violations)}"


@pytest.mark.parametrize("name", list(ACCOUNTS))
def test_the_header_links_the_pages_of_the_role(stack, pages, accounts, name):
    role = accounts[name]
    page = pages(bypass_csp=True)
    sign_in(page, stack, name)
    nav = page.get_by_role("navigation", name="Pages")
    for title in ALLOWED[role]:
        page.goto(stack.console_url + PAGES[title])
        expect(page.locator("#me")).to_have_text(f"{name.title()} ({role})")
        links = nav.get_by_role("link")
        expect(links).to_have_text(ALLOWED[role])
        expect(nav.locator("[aria-current=page]")).to_have_text(title)
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        assert_accessible(page, f"{title} as {role}")
    # A link leads where it says.
    if role == "admin":
        page.goto(f"{stack.console_url}/review")
        nav.get_by_role("link", name="Dashboard").click()
        page.wait_for_url("**/dashboard")
        expect(nav.locator("[aria-current=page]")).to_have_text("Dashboard")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")
    page.goto(stack.console_url + PAGES[ALLOWED[role][0]])
    page.wait_for_url("**/login")


@pytest.mark.parametrize("width", [1280, 800])
def test_the_reply_area_reads_in_order(stack, pages, accounts, width):
    Chat(stack, f"layout-{width}").say(f"can i talk to a real person about my {width} hat")
    page = pages(bypass_csp=True, viewport={"width": width, "height": 900})
    sign_in(page, stack, "nadia")
    page.locator("#queue li", has_text=f"my {width} hat").click()
    page.click("#claim")
    page.wait_for_selector("#owned-actions:not([hidden])")
    box = {name: page.locator(selector).bounding_box() for name, selector in (
        ("reply label", "label[for=reply]"), ("reply", "#reply"), ("send", "#send"),
        ("note label", "label[for=note]"), ("note", "#note"), ("add note", "#add-note"))}
    # Send belongs to the reply: beside it on the right, or below it; never on a label's line.
    assert box["send"]["y"] >= box["reply"]["y"]
    assert box["send"]["x"] >= box["reply"]["x"] + box["reply"]["width"] or \
        box["send"]["y"] >= box["reply"]["y"] + box["reply"]["height"]
    assert box["send"]["y"] + box["send"]["height"] <= box["note label"]["y"]
    assert box["reply label"]["y"] + box["reply label"]["height"] <= box["reply"]["y"]
    # Then the note, on its own lines, with its own button.
    assert box["note label"]["y"] + box["note label"]["height"] <= box["note"]["y"]
    assert box["add note"]["y"] >= box["note"]["y"]
    # Everything fits the window: nothing to scroll sideways to reach.
    for name, found in box.items():
        assert found["x"] + found["width"] <= width, name
    assert box["reply"]["width"] >= 200
    assert_accessible(page, f"owned ticket at {width} px")


def test_the_ticket_shows_how_sure_the_bot_was(stack, pages, accounts):
    Chat(stack, "intents-shopper").say("can i talk to a real person about my gloves")
    page = pages(bypass_csp=True)
    sign_in(page, stack, "nadia")
    detected = [
        {"text": "where is my parcel", "intent": "order_status", "confidence": 0.997},
        {"text": '/inform{"order_number":"10023"}', "intent": "inform", "confidence": 1.0},
        {"text": "hm maybe", "intent": "affirm", "confidence": 0.613},
        {"text": "can i talk to a real person about my gloves", "intent": "talk_to_human",
         "confidence": 0.99},
    ]

    def with_intents(route):
        response = route.fetch()
        ticket = response.json()
        ticket["intents"] = detected
        route.fulfill(response=response, json=ticket)

    page.route(re.compile(r".*/api/tickets/[^/?]+$"), with_intents)
    page.goto(f"{stack.console_url}/")
    page.locator("#queue li", has_text="about my gloves").click()
    intents = page.locator("#context dt:text-is('Detected intents') + dd")
    expect(intents).to_have_text(
        "order_status 99.7 %, inform button, affirm 61 %, talk_to_human 99 %")
    assert_accessible(page, "ticket with detected intents")
