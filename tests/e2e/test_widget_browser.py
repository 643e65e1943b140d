"""The chat widget on the demo shop, in real Chromium (screenshots of failures in
results/screenshots/)."""

import re

import pytest
from playwright.sync_api import expect

from bot.handoff import SQLiteHandoffQueue
from tests.e2e.browser import browser_fixture, pages_fixture  # noqa: F401 - browser, pages

INPUT = "input[aria-label='Type your message']"
ENABLED_REPLY = ".nw-buttons button:not([disabled])"
# Records what the widget's socket receives and sends (window.__received, window.__sent), and
# keeps the socket (window.__socket) to play messages the server would send.
WATCH_SOCKET = """
(() => {
  let io;
  window.__received = []; window.__sent = [];
  Object.defineProperty(window, "io", {
    configurable: true,
    set(value) { io = value; },
    get() {
      return io && ((...args) => {
        const socket = io(...args);
        window.__socket = socket;
        socket.on("bot_uttered", (message) => window.__received.push(message));
        const emit = socket.emit.bind(socket);
        socket.emit = (name, payload) => {
          window.__sent.push([name, payload]);
          return emit(name, payload);
        };
        return socket;
      });
    },
  });
})();
"""
# Whether the page can be scrolled (to its top or its end) so that no part of the element is
# hidden, by the widget or anything else.
WHOLLY_VISIBLE_SOMEWHERE = """element => [0, document.documentElement.scrollHeight].some((y) => {
    window.scrollTo(0, y);
    const r = element.getBoundingClientRect();
    if (r.top < 0 || r.bottom > innerHeight) return false;
    for (let i = 0; i <= 8; i++) for (let j = 0; j <= 2; j++) {
        const x = r.left + 1 + (r.width - 2) * i / 8, y = r.top + 1 + (r.height - 2) * j / 2;
        if (!element.contains(document.elementFromPoint(x, y))) return false;
    }
    return true;
})"""
SAME_WORD = {("nb", "Send")}  # Norwegian says "Send" too
PLAY_BOT_MESSAGE = """message => window.__socket.listeners("bot_uttered")
    .forEach((listener) => listener(message))"""


def shop_page(stack, pages, path="/demo", **context_options):
    page = pages(**context_options)
    page.add_init_script(WATCH_SOCKET)
    page.goto(f"{stack.console_url}{path}")
    page.wait_for_selector(".nw-launch")
    return page


def say(page, text):
    page.fill(INPUT, text)
    page.keyboard.press("Enter")


def custom_page(page, stack, html_attrs, script_attrs, before=""):
    """A shop page of our own with the widget: written into a page of the demo's origin (and
    under its Content-Security-Policy), which lets the widget reach the local chat server."""
    page.goto(f"{stack.console_url}/demo/no-such-page")
    page.set_content(
        f'<!doctype html><html {html_attrs}><head><meta charset="utf-8"><title>Shop</title>'
        f'</head><body><main><h1>Shop</h1></main>{before}<script src="/static/widget.js"'
        f' data-server="{stack.rasa_url}" {script_attrs}></script></body></html>')
    page.wait_for_selector(".nw-launch")


def test_history_survives_a_reload_and_quick_replies_work(stack, pages):
    page = shop_page(stack, pages)
    page.click(".nw-launch")
    say(page, "i want to cancel order 10021")
    page.wait_for_selector(".nw-bot >> text=/email address/")
    page.reload()
    page.wait_for_selector(".nw-user >> text=i want to cancel order 10021")
    say(page, "anna.virtanen@example.com")
    page.click(f"{ENABLED_REPLY}:has-text('No')")
    page.wait_for_selector(".nw-bot >> text=/stays as it is/")


def test_earlier_quick_replies_cannot_be_pressed(stack, pages):
    page = shop_page(stack, pages)
    page.click(".nw-launch")
    say(page, "i want to cancel order 10021")
    page.wait_for_selector(".nw-bot >> text=/email address/")
    say(page, "anna.virtanen@example.com")
    offered = page.locator(".nw-msg:has(.nw-buttons)").first.locator(".nw-buttons button")
    expect(offered.first).to_be_enabled()
    enabled_colour = offered.first.evaluate("b => getComputedStyle(b).color")

    # The shopper writes instead of pressing: the offered buttons are over.
    say(page, "where is my order 10023?")
    for number in range(offered.count()):
        expect(offered.nth(number)).to_be_disabled()
    assert offered.first.evaluate("b => getComputedStyle(b).color") != enabled_colour
    page.wait_for_selector(".nw-bot >> text=/10023/")
    shopper_messages = page.locator(".nw-user").count()
    offered.first.click(force=True)
    page.wait_for_timeout(500)
    assert page.locator(".nw-user").count() == shopper_messages

    # Still over after a reload from the stored history.
    page.reload()
    offered = page.locator(".nw-msg:has(.nw-buttons)").first.locator(".nw-buttons button")
    expect(offered.first).to_be_disabled()


def test_a_newer_bot_message_ends_the_quick_replies(stack, pages):
    page = shop_page(stack, pages)
    page.click(".nw-launch")
    say(page, "i want to cancel order 10021")
    page.wait_for_selector(".nw-bot >> text=/email address/")
    say(page, "anna.virtanen@example.com")
    page.wait_for_selector(ENABLED_REPLY)
    page.evaluate("() => NorthwindChat.show('A newer message from the shop.')")
    expect(page.locator(".nw-buttons button").first).to_be_disabled()
    assert page.locator(ENABLED_REPLY).count() == 0
    page.reload()
    page.wait_for_selector(".nw-bot >> text=A newer message from the shop.")
    assert page.locator(ENABLED_REPLY).count() == 0


def test_links_in_bot_messages_open_safely_in_a_new_tab(stack, pages):
    page = shop_page(stack, pages)
    page.click(".nw-launch")
    say(page, "where is my order 10023?")
    page.wait_for_selector(".nw-bot >> text=/email address/")
    say(page, "anna.virtanen@example.com")
    link = page.locator(".nw-bot a[href^='https://www.posti.fi/']")
    link.wait_for()
    assert link.get_attribute("target") == "_blank"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert link.inner_text() == link.get_attribute("href")
    expect(page.locator(".nw-typing")).to_be_hidden()  # the answer came

    # Only http(s) becomes a link; markup stays text; sentence punctuation stays outside.
    page.evaluate("""() => NorthwindChat.show('See https://northwind.example/returns. Not '
        + 'javascript:alert(1) nor <a href="https://evil.example">this</a> or '
        + '(https://northwind.example/shipping).')""")
    message = page.locator(".nw-bot").last
    hrefs = message.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert hrefs == ["https://northwind.example/returns", "https://evil.example/",
                     "https://northwind.example/shipping"]
    assert message.locator("a").nth(1).inner_text() == "https://evil.example"  # the URL, not "this"
    assert '<a href="' in message.inner_text()


def test_shopper_text_is_shown_as_text_never_run(stack, pages):
    page = shop_page(stack, pages)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.click(".nw-launch")
    payload = "<img src=x onerror=alert(1)> https://example.com"
    say(page, payload)
    page.wait_for_selector(f".nw-user >> text={payload}")
    page.wait_for_selector(".nw-bot >> nth=1")
    assert page.locator(".nw-log img").count() == 0 and dialogs == []
    assert page.locator(".nw-user a").count() == 0


def test_logged_in_customer_is_greeted_by_name(stack, pages):
    page = shop_page(stack, pages, "/demo/account")
    page.wait_for_selector("h1 >> text=Hello, Anna")
    page.click(".nw-launch")
    say(page, "hello")
    page.wait_for_selector(".nw-bot >> text=/Hi Anna/")


def test_agent_messages_show_the_agent_and_the_typing_dots_stop(stack, pages):
    queue = SQLiteHandoffQueue(stack.var_dir / "handoff.db")
    queue.add_agent("wanda", "wanda-password", "agent", "Wanda")
    queue.close()
    shopper = shop_page(stack, pages)
    shopper.evaluate("""() => { window.__handoffs = [];
        NorthwindChat.on("handoff", (detail) => window.__handoffs.push(detail)); }""")
    shopper.click(".nw-launch")
    say(shopper, "can i talk to a real person about gift wrapping")
    shopper.wait_for_selector(".nw-bot >> text=/You're number \\d+ in the queue/")
    handoffs = shopper.evaluate("window.__handoffs")
    assert len(handoffs) == 1 and re.fullmatch(r"H-[0-9A-F]{8}", handoffs[0]["ticket"])

    agent = pages()
    agent.goto(f"{stack.console_url}/login")
    agent.fill("#username", "wanda")
    agent.fill("#password", "wanda-password")
    agent.click("button[type=submit]")
    mine = "#queue li:has-text('gift wrapping')"
    agent.click(mine)
    agent.click("#claim")
    shopper.wait_for_selector(".nw-bot >> text=/Wanda from our support team has joined/")
    agent.wait_for_selector("#owned-actions:not([hidden])")
    agent.fill("#reply", "Hi, Wanda here. Which paper would you like?")
    agent.click("#send")
    shopper.wait_for_selector(".nw-bot >> text=Hi, Wanda here. Which paper would you like?")

    # What Rasa's socket.io channel delivers of the agent's message decides what can be shown.
    received = shopper.evaluate("window.__received")
    from_agent = [m for m in received if "Wanda here" in (m.get("text") or "")]
    assert [(m.get("metadata") or {}).get("agent") for m in from_agent] == ["Wanda"]
    expect(shopper.locator(".nw-msg:has-text('Wanda here') .nw-from")).to_have_text("Wanda")

    # Nobody (bot) answers while the agent owns the chat: the dots do not stay.
    say(shopper, "the blue one please")
    agent.wait_for_selector("#transcript >> text=the blue one please")
    expect(shopper.locator(".nw-typing")).to_be_hidden(timeout=11_000)


def test_the_agent_name_in_bot_messages_is_shown(stack, pages):
    page = shop_page(stack, pages)
    page.click(".nw-launch")
    page.wait_for_function("() => window.__socket && NorthwindChat.sessionToken")
    send_and_see_dots = """text => { NorthwindChat.send(text);
        return !document.querySelector('.nw-typing').hidden; }"""
    assert page.evaluate(send_and_see_dots, "hello")
    expect(page.locator(".nw-typing")).to_be_hidden()  # the bot answered
    page.wait_for_timeout(1000)  # (every part of its answer)
    page.evaluate(PLAY_BOT_MESSAGE, {"text": "Hi, I'm Alice.", "metadata": {"agent": "Alice"}})
    expect(page.locator(".nw-agent .nw-from")).to_have_text("Alice")
    # While the person owns the chat, the shopper's messages get no "bot is typing" dots.
    assert not page.evaluate(send_and_see_dots, "great")
    page.reload()
    expect(page.locator(".nw-agent .nw-from")).to_have_text("Alice")


def test_widget_works_at_phone_width(stack, pages):
    page = shop_page(stack, pages, viewport={"width": 375, "height": 700})
    page.keyboard.press("Tab")
    page.click(".nw-launch")
    box = page.locator(".nw-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 375, "height": 700}  # the whole screen
    assert page.get_attribute(".nw-launch", "aria-expanded") == "true"
    for selector in (".nw-panel", ".nw-head"):
        corners = page.locator(selector).evaluate(
            "n => ['TopLeft', 'TopRight'].map(c => getComputedStyle(n)['border' + c + 'Radius'])")
        assert corners == ["0px", "0px"], selector
    number = page.locator(".nw-phone-number")
    assert number.bounding_box()["height"] < 24, "the phone number wraps"
    head = page.locator(".nw-head")
    assert head.evaluate("h => h.scrollWidth <= h.clientWidth")
    close = page.locator(".nw-close").bounding_box()
    assert close["width"] >= 44 and close["height"] >= 44 and close["x"] + close["width"] <= 375


@pytest.mark.parametrize("width,height", [(320, 480), (540, 720)])
def test_the_chat_leaves_the_account_page_buttons_usable_on_a_phone(stack, pages, width, height):
    page = shop_page(stack, pages, "/demo/account", viewport={"width": width, "height": height})
    page.wait_for_function("() => NorthwindChat.sessionToken")  # for the page's event button
    send_event = page.locator("button.delivered")
    assert send_event.evaluate(WHOLLY_VISIBLE_SOMEWHERE), "the launcher covers the button"
    # Open, the chat takes the whole screen, with a clear close, rather than float over buttons.
    page.click(".nw-launch")
    assert page.locator(".nw-panel").bounding_box() == {"x": 0, "y": 0, "width": width,
                                                         "height": height}
    close = page.get_by_role("button", name="Close chat")
    box = close.bounding_box()
    assert box["width"] >= 44 and box["height"] >= 44
    close.click()
    expect(page.locator(".nw-panel")).to_be_hidden()
    assert send_event.evaluate(WHOLLY_VISIBLE_SOMEWHERE)
    send_event.click()
    expect(send_event).to_have_text(re.compile("Event sent|not sent"))


def test_proactive_help_on_the_cart_page_and_dismissal_sticks(stack, pages):
    page = shop_page(stack, pages, "/demo/cart")
    nudge = page.locator(".nw-nudge")
    expect(nudge).to_be_visible(timeout=6_000)  # 3 s on a cart page
    expect(nudge).to_contain_text("Need help")
    assert nudge.get_attribute("data-reason") == "page"
    page.click(".nw-nudge-close")
    page.reload()
    page.wait_for_timeout(4500)
    assert nudge.is_hidden()


def test_no_proactive_help_on_other_pages_early(stack, pages):
    page = shop_page(stack, pages, "/demo/account")
    page.wait_for_timeout(4500)
    assert page.locator(".nw-nudge").is_hidden()


def test_abandoned_cart_event_opens_the_widget_with_a_message(stack, pages):
    page = shop_page(stack, pages, "/demo/cart")
    page.wait_for_timeout(1500)  # the widget's socket joins its session
    page.click("#abandon")
    page.wait_for_selector(".nw-bot >> text=/Rain jacket, Wool socks/")
    assert page.locator(".nw-panel").is_visible()


def test_widget_speaks_the_language_of_the_page(stack, pages):
    page = pages()
    page.add_init_script(WATCH_SOCKET)
    custom_page(page, stack, 'lang="fi"', 'data-greeting="Hei!"')
    launch = page.locator(".nw-launch")
    expect(launch).to_have_attribute("aria-label", "Avaa chat, 1 lukematon viesti")
    launch.click()
    expect(page.get_by_role("dialog")).to_have_attribute("aria-label",
                                                         "Chat – Northwind Outfitters")
    assert page.get_attribute(".nw-form input", "placeholder") == "Kirjoita viesti…"
    expect(page.get_by_role("textbox", name="Kirjoita viestisi")).to_be_visible()
    expect(page.get_by_role("button", name="Lähetä")).to_be_visible()
    expect(page.get_by_role("button", name="Sulje chat").first).to_be_visible()
    expect(page.get_by_role("log", name="Viestit")).to_be_visible()
    expect(page.get_by_role("link", name="Soita meille +358 9 4242 4242")).to_be_visible()
    expect(page.get_by_role("link", name="Lähetä meille sähköpostia")).to_be_visible()
    page.fill(".nw-form input", "hei")
    page.keyboard.press("Enter")
    page.wait_for_function("() => window.__sent.some(([name]) => name === 'user_uttered')")
    sent = page.evaluate("window.__sent.filter(([name]) => name === 'user_uttered')")
    assert sent[0][1]["metadata"]["language"] == "fi"

    # data-language wins over the page's language; without either, the browser's language.
    turkish = pages()
    custom_page(turkish, stack, 'lang="fi"', 'data-language="tr"')
    expect(turkish.locator(".nw-launch")).to_have_attribute("aria-label", "Sohbeti aç")
    norwegian = pages(locale="nb-NO")
    custom_page(norwegian, stack, "", "")
    expect(norwegian.locator(".nw-launch")).to_have_attribute("aria-label", "Åpne chat")


def test_every_language_has_all_the_widget_texts(stack, pages):
    page = shop_page(stack, pages)
    page.click(".nw-launch")
    seen = {}
    for language in ("en", "fi", "tr", "uk", "id", "nb"):
        page.evaluate("lang => NorthwindChat.setLanguage(lang)", language)
        texts = page.evaluate("""() => {
            const q = (s) => document.querySelector(s);
            return [q('.nw-panel').getAttribute('aria-label'), q('.nw-form input').placeholder,
                    q('.nw-form input').getAttribute('aria-label'),
                    q('.nw-form button').getAttribute('aria-label'),
                    q('.nw-launch').getAttribute('aria-label'),
                    q('.nw-close').getAttribute('aria-label'),
                    q('.nw-log').getAttribute('aria-label'),
                    q('.nw-phone').textContent, q('.nw-email').getAttribute('aria-label'),
                    q('.nw-typing').textContent, q('.nw-nudge').getAttribute('aria-label'),
                    q('.nw-nudge p').textContent, q('.nw-nudge-open').textContent,
                    q('.nw-nudge-close').getAttribute('aria-label'), q('.nw-panel').lang];
        }""")
        assert all(texts) and not any("undefined" in text for text in texts), (language, texts)
        assert texts[-1] == language
        seen[language] = texts[:-1]
    english = seen.pop("en")
    for language, texts in seen.items():
        same = [text for text, en in zip(texts, english)
                if text == en and "+358" not in text and (language, text) not in SAME_WORD]
        assert not same, f"{language} still has English texts: {same}"
    # Closed with unread messages: the count in the words of the language (Ukrainian plurals).
    page.evaluate("""() => { NorthwindChat.setLanguage('uk'); NorthwindChat.send('дякую');
        NorthwindChat.close(); }""")  # closed while waiting: the answers stay unread
    page.evaluate(PLAY_BOT_MESSAGE, {"text": "Одне"})
    page.evaluate(PLAY_BOT_MESSAGE, {"text": "Два"})
    label = page.get_attribute(".nw-launch", "aria-label")
    assert re.fullmatch(r"Відкрити чат, \d+ непрочитан(е|і|их) повідомлен(ня|ь)", label), label


def test_integrators_drive_the_widget_through_its_api(stack, pages):
    page = shop_page(stack, pages)
    page.evaluate("""() => { window.__events = [];
        for (const name of ["ready", "opened", "closed", "message", "handoff"])
            NorthwindChat.on(name, (detail) => window.__events.push([name, detail])); }""")
    page.wait_for_function("() => window.__events.some(([name]) => name === 'ready')")
    events = page.evaluate("window.__events")
    session = page.evaluate("NorthwindChat.sessionToken")
    assert events[0] == ["ready", {"sessionId": "socketio:" + session.split(".")[0]}]
    assert page.evaluate("NorthwindChat.sessionId") == "socketio:" + session.split(".")[0]

    panel = page.locator(".nw-panel")
    page.evaluate("NorthwindChat.open()")
    expect(panel).to_be_visible()
    page.evaluate("NorthwindChat.close()")
    expect(panel).to_be_hidden()
    page.evaluate("NorthwindChat.toggle()")
    expect(panel).to_be_visible()
    page.evaluate("NorthwindChat.toggle()")
    expect(panel).to_be_hidden()
    names = [name for name, _ in page.evaluate("window.__events")]
    assert names == ["ready", "opened", "closed", "opened", "closed"]

    # A logged-in customer's token, set after the page loaded (as a single-page shop would).
    token = page.evaluate(
        "() => fetch('/demo/api/account').then(r => r.json()).then(d => d.customer_token)")
    page.evaluate("token => NorthwindChat.setCustomerToken(token)", token)
    page.evaluate("NorthwindChat.send('hello')")
    expect(panel).to_be_visible()
    page.wait_for_selector(".nw-user >> text=hello")
    page.wait_for_function("""() => window.__events.some(([name, detail]) =>
        name === 'message' && /Hi Anna/.test(detail.text))""")

    page.evaluate("NorthwindChat.setLanguage('fi')")
    assert page.get_attribute(".nw-form input", "placeholder") == "Kirjoita viesti…"
    page.evaluate("NorthwindChat.send('kiitos')")
    page.wait_for_function("() => window.__sent.filter(([n]) => n === 'user_uttered').length >= 2")
    sent = page.evaluate("window.__sent.filter(([name]) => name === 'user_uttered')")
    assert sent[-1][1]["metadata"] == {"language": "fi", "customer_token": token}

    # The members that existed before the API keep working.
    page.evaluate("NorthwindChat.say('still there?')")
    page.wait_for_selector(".nw-user >> text=still there?")
    page.evaluate("NorthwindChat.show('Shown by the shop')")
    page.wait_for_selector(".nw-bot >> text=Shown by the shop")
    # A handler that throws stops neither the widget nor the other handlers.
    opened = "window.__events.filter(([name]) => name === 'opened').length"
    before = page.evaluate(opened)
    page.evaluate("""() => { NorthwindChat.close();
        NorthwindChat.on("opened", () => { throw new Error("shop bug"); });
        NorthwindChat.open(); }""")
    expect(panel).to_be_visible()
    assert page.evaluate(opened) == before + 1


def test_the_launcher_is_an_icon_and_the_header_shows_the_shop(stack, pages):
    page = pages()
    custom_page(page, stack, 'lang="en"', 'data-shop-name="Pohjan Puoti"'
                ' data-phone="+358 40 123 4567" data-email="apu@pohjanpuoti.example"')
    launch = page.get_by_role("button", name="Open chat")
    expect(launch).to_be_visible()
    assert launch.inner_text().strip() == ""  # no emoji that needs a font
    assert launch.locator("svg[aria-hidden='true']").count() == 1
    launch.click()
    expect(page.locator(".nw-title")).to_have_text("Pohjan Puoti")
    expect(page.get_by_role("dialog")).to_have_attribute("aria-label", "Chat with Pohjan Puoti")
    phone = page.get_by_role("link", name="Call us +358 40 123 4567")
    assert phone.get_attribute("href") == "tel:+358401234567"
    assert page.get_by_role("link", name="Email us").get_attribute("href") == \
        "mailto:apu@pohjanpuoti.example"


def test_widget_on_a_page_that_has_socket_io_already(stack, pages):
    page = pages()
    custom_page(page, stack, 'lang="en"', "",
                before='<script src="/static/vendor/socket.io.min.js"></script>')
    page.wait_for_function("() => NorthwindChat.sessionToken")
    page.evaluate("NorthwindChat.send('hello')")
    page.wait_for_selector(".nw-bot >> text=/Northwind Outfitters assistant/")


def test_pages_have_a_favicon_and_nothing_missing(stack, pages):
    queue = SQLiteHandoffQueue(stack.var_dir / "handoff.db")
    queue.add_agent("iconia", "iconia-password", "admin", "Iconia")
    queue.close()
    page = pages()
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status >= 400 else None)
    page.goto(f"{stack.console_url}/login")
    page.fill("#username", "iconia")
    page.fill("#password", "iconia-password")
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    for path in ("/login", "/", "/dashboard", "/review", "/demo", "/demo/cart", "/demo/account"):
        page.goto(f"{stack.console_url}{path}", wait_until="networkidle")
        icon = page.locator("link[rel=icon]")
        assert icon.count() == 1, path
        response = page.request.get(icon.evaluate("link => link.href"))
        assert response.ok and response.headers["content-type"].startswith("image/svg+xml"), path
    assert missing == []
