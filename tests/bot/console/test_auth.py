"""The console's way in through Sanic's test client: failed-login limits, equal work for every
user name, sessions that end with the login, Secure cookies and the integrator's token."""

import re
import threading
import urllib.request
from datetime import datetime, timedelta

import pytest

from bot.console.app import COOKIE
from bot.console.auth import login_keys, login_retry_after
from bot.handoff import agents
from tests.bot.console.conftest import API_TOKEN, login, waiting_ticket

WRONG = {"username": "alice", "password": "not-her-password"}


def post_login(app, body, address=None, form=False):
    """A login attempt, from ``address`` through the proxy when one is given."""
    headers = {"X-Forwarded-For": address} if address else {}
    if form:
        return app.test_client.post("/login", data=body, headers=headers,
                                    allow_redirects=False)[1]
    return app.test_client.post("/login", json=body, headers=headers)[1]


@pytest.fixture
def proxied(app):
    """The console behind one trusted reverse proxy (SANIC_PROXIES_COUNT=1)."""
    app.config.PROXIES_COUNT = 1
    return app


# -- failed logins ---------------------------------------------------------------------------


def test_guessing_a_password_is_locked_out_with_retry_after(proxied):
    for _ in range(5):
        assert post_login(proxied, WRONG, "203.0.113.9").status == 401
    response = post_login(proxied, WRONG, "203.0.113.9")
    assert response.status == 429
    assert 800 < int(response.headers["retry-after"]) <= 900
    assert response.json["error"] == "too many failed attempts, try again in 15 minutes"
    # The user name is locked from every address, even with the right password ...
    right = {"username": "alice", "password": "alice-password"}
    assert post_login(proxied, right, "198.51.100.7").status == 429
    # ... while other agents still get in.
    assert post_login(proxied, {"username": "bob", "password": "bob-password-1"},
                      "198.51.100.7").status == 200


def test_one_address_trying_many_user_names_is_locked_out(proxied):
    for name in ("alice", "bob", "carol", "dave", "erin"):
        post_login(proxied, {"username": name, "password": "Summer2026!"}, "203.0.113.9")
    response = post_login(proxied, {"username": "bob", "password": "bob-password-1"},
                          "203.0.113.9")
    assert response.status == 429
    assert post_login(proxied, {"username": "bob", "password": "bob-password-1"},
                      "198.51.100.7").status == 200


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(app):
    # Without a proxy setting a client cannot pick a fresh address for every guess.
    for number in range(5):
        post_login(app, {"username": f"user{number}", "password": "guess-guess"},
                   f"10.0.0.{number}")
    response = post_login(app, {"username": "bob", "password": "bob-password-1"}, "10.0.0.99")
    assert response.status == 429


def test_the_login_page_says_how_long_to_wait(proxied):
    for _ in range(5):
        response = post_login(proxied, WRONG, "203.0.113.9", form=True)
        assert response.headers["location"] == "/login?failed=1"
    response = post_login(proxied, WRONG, "203.0.113.9", form=True)
    assert response.headers["location"] == "/login?locked=15"
    _, page = proxied.test_client.get("/login")
    assert 'id="locked"' in page.text
    _, script = proxied.test_client.get("/static/login.js")
    assert "Too many failed attempts, try again in ${lockedMinutes} " in script.text


def test_a_successful_login_clears_the_user_names_count(proxied, queue):
    for _ in range(4):
        post_login(proxied, WRONG, "203.0.113.9")
    assert post_login(proxied, {"username": "alice", "password": "alice-password"},
                      "198.51.100.7").status == 200
    for _ in range(4):  # from a third address, so that no address count is full either
        assert post_login(proxied, WRONG, "192.0.2.44").status == 401


def test_each_further_round_of_failures_locks_out_for_longer(queue, settings):
    keys = [("login-user", "alice"), ("login-addr", "203.0.113.9")]
    now, lockouts = datetime(2026, 3, 18, 12), []
    for _ in range(4):
        for second in range(5):
            queue.record(keys, now + timedelta(seconds=second))
        now += timedelta(seconds=5)
        wait = login_retry_after(queue, keys, settings.limits, now)
        lockouts.append(round(wait / 60))
        now += timedelta(seconds=wait + 1)
        assert login_retry_after(queue, keys, settings.limits, now) is None
    assert lockouts == [15, 15, 30, 60]


# -- equal work ------------------------------------------------------------------------------


def test_known_and_unknown_user_names_cost_the_same(app, queue, monkeypatch):
    hashed = []
    original = agents.hash_password
    monkeypatch.setattr(agents, "hash_password",
                        lambda *args: hashed.append(1) or original(*args))
    statements = []
    queue._db.set_trace_callback(statements.append)

    def attempt(username):
        hashed.clear()
        statements.clear()
        assert post_login(app, {"username": username, "password": "wrong-password"},
                          None).status == 401
        # The same statements in the same order, whatever values they carry.
        return len(hashed), [re.sub(r"'[^']*'", "?", s) for s in statements]

    known, unknown = attempt("alice"), attempt("nobody")
    queue._db.set_trace_callback(None)
    assert known == unknown
    assert known[0] == 1  # one scrypt each


def test_passwords_are_checked_off_the_event_loop(app, queue, monkeypatch):
    threads = []
    original = queue.authenticate
    monkeypatch.setattr(queue, "authenticate", lambda *args: threads.append(
        threading.current_thread()) or original(*args))
    login(app)
    assert threads and threads[0] is not threading.main_thread()


# -- sessions end with the login -------------------------------------------------------------


def stream_while(app, cookies, during):
    """The whole body of /api/events while ``during(port)`` runs in a thread after a second."""
    def later():
        during(app.test_client.port)

    timer = threading.Timer(1.2, later)
    timer.start()
    _, response = app.test_client.get("/api/events", cookies=cookies, timeout=15)
    timer.join()
    return response


def test_the_live_queue_ends_at_logout(app, queue):
    waiting_ticket(queue, "shopper-before")
    auth = login(app)

    def log_out(port):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/logout", method="POST",
                                         headers={"Cookie": f"{COOKIE}={auth['cookies'][COOKIE]}"})
        urllib.request.urlopen(request, timeout=5).close()
        waiting_ticket(queue, "shopper-after")

    response = stream_while(app, auth["cookies"], log_out)
    assert "shopper-before" in response.text
    assert "shopper-after" not in response.text
    assert response.text.rstrip().endswith("event: logout\ndata: {}")


def test_the_integrators_stream_ends_when_its_agent_is_removed(app, queue):
    waiting_ticket(queue, "shopper-before")
    headers = {"Authorization": f"Bearer {API_TOKEN}", "X-Agent": "bob"}

    def remove(_port):
        queue.remove_agent("bob")
        waiting_ticket(queue, "shopper-after")

    timer = threading.Timer(1.2, remove, args=(0,))
    timer.start()
    _, response = app.test_client.get("/api/events", headers=headers, timeout=15)
    timer.join()
    assert "shopper-before" in response.text and "shopper-after" not in response.text


@pytest.mark.parametrize("change", ["add_agent", "set_password", "remove_agent"])
def test_changing_or_removing_an_account_ends_its_sessions(app, queue, change):
    alice, bob = login(app), login(app, "bob", "bob-password-1")
    if change == "add_agent":
        queue.add_agent("alice", "new-alice-password", "agent", "Alice")
    elif change == "set_password":
        queue.set_password("alice", "new-alice-password")
    else:
        queue.remove_agent("alice")
    _, response = app.test_client.get("/api/tickets", **alice)
    assert response.status == 401
    _, response = app.test_client.get("/api/tickets", **bob)
    assert response.status == 200
    if change != "remove_agent":
        assert post_login(app, {"username": "alice", "password": "alice-password"}).status == 401
        login(app, "alice", "new-alice-password")


# -- cookies ---------------------------------------------------------------------------------


def session_cookie(response):
    return next(value for value in response.headers.get_list("set-cookie")
                if value.startswith(f"{COOKIE}="))


def test_the_session_cookie_is_secure_over_https_only(app):
    right = {"username": "alice", "password": "alice-password"}
    headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}
    _, response = app.test_client.post("/login", json=right, headers=headers)
    cookie = session_cookie(response).lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # a client's own X-Forwarded-Proto is not trusted
    app.config.PROXIES_COUNT = 1
    _, response = app.test_client.post("/login", json=right, headers=headers)
    assert "secure" in session_cookie(response).lower()
    _, response = app.test_client.post("/logout", headers=headers, allow_redirects=False)
    cookie = session_cookie(response).lower()
    assert "max-age=0" in cookie and "secure" in cookie


# -- the integrator's token ------------------------------------------------------------------


def as_integrator(agent=None):
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    if agent is not None:
        headers["X-Agent"] = agent
    return {"headers": headers}


@pytest.mark.parametrize("agent", [None, "", "helpdesk-7", "tina", "x" * 65])
def test_the_integrator_acts_only_for_agent_accounts(app, queue, agent):
    ticket = waiting_ticket(queue)
    _, response = app.test_client.get("/api/tickets", **as_integrator(agent))
    assert response.status == 403
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/claim",
                                       **as_integrator(agent))
    assert response.status == 403
    assert queue.get(ticket.ticket_id).status == "waiting"
    _, response = app.test_client.post(f"/api/tickets/{ticket.ticket_id}/claim",
                                       **as_integrator("alice"))
    assert response.status == 200 and response.json["agent"] == "alice"


@pytest.mark.parametrize("path", ["/api/me", "/api/agents", "/api/model", "/api/review",
                                  "/api/review/labels", "/api/kpis"])
def test_the_integrator_reaches_only_the_documented_routes(app, path):
    _, response = app.test_client.get(path, **as_integrator("alice"))
    assert response.status == 403
    _, response = app.test_client.get(path, headers={"Authorization": "Bearer wrong",
                                                     "X-Agent": "alice"})
    assert response.status == 401


def test_agents_still_reach_their_own_routes(app):
    _, response = app.test_client.get("/api/agents", **login(app))
    assert response.status == 200
    assert {a["username"] for a in response.json["agents"]} == {"alice", "bob"}


def test_login_keys_are_the_user_name_and_the_address(app):
    request, _ = app.test_client.post("/login", json=WRONG)
    assert login_keys(request, " Alice ") == [("login-user", "alice"),
                                              ("login-addr", "127.0.0.1")]
