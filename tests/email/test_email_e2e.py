"""The email channel end to end: the running assistant (the trained model, the action server,
the console) reads the support mailbox in a real Dovecot and sends through a real SMTP server;
a person answers from the console, the shopper rates by clicking a link in the email.

One stack, one Dovecot and one SMTP receiver serve the whole module; every test writes from its
own addresses.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

from bot.tools.run import Stack
from tests.bot.email.mails import shopper_email
from tests.e2e.browser import browser_fixture, pages_fixture  # noqa: F401 - the fixtures
from tests.servers import (
    ALWAYS_OPEN,
    MODEL,
    email_credentials,
    free_port,
    require_model,
    serving,
)

WAIT = 120.0  # how long a test waits for the assistant's email before it fails


@pytest.fixture(scope="module")
def mail_stack(tmp_path_factory, module_imap_server, module_smtp_server):
    require_model()
    rasa_port = free_port()
    running = Stack(
        rasa_port=rasa_port, actions_port=free_port(), console_port=free_port(),
        var_dir=Path(tmp_path_factory.mktemp("email-var")), model=MODEL,
        extra_env={"EMAIL_IMAP_PASSWORD": module_imap_server.password},
        endpoints_overrides={"handoff": {"hours": ALWAYS_OPEN}},
        credentials_overrides=email_credentials(module_imap_server, module_smtp_server,
                                                f"http://127.0.0.1:{rasa_port}"))
    yield from serving(running)


def emails_to(smtp, address: str) -> List[Any]:
    return [m for m in list(smtp.received) if m["To"] == address]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def wait_for(what: Callable[[], Any], timeout: float = WAIT) -> Any:
    """The first true value of ``what()``; fails when there is none in ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError("nothing arrived in time")


def nth_email(smtp, address: str, count: int) -> Any:
    """Wait until ``address`` got ``count`` emails; the last of them."""
    return wait_for(lambda: len(emails_to(smtp, address)) >= count and
                    emails_to(smtp, address)[count - 1])


def console(stack: Stack, method: str, path: str) -> Any:
    request = urllib.request.Request(
        stack.console_url + path, method=method, data=b"{}" if method == "POST" else None,
        headers={"Authorization": f"Bearer {stack.integrator_token}", "X-Agent": "demo",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def say_as_agent(stack: Stack, ticket_id: str, text: str) -> None:
    request = urllib.request.Request(
        f"{stack.console_url}/api/tickets/{ticket_id}/reply", method="POST",
        data=json.dumps({"text": text}).encode(),
        headers={"Authorization": f"Bearer {stack.integrator_token}", "X-Agent": "demo",
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.loads(response.read()) == {"sent": True}


def open_link(url: str) -> Tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def restart_rasa(stack: Stack) -> None:
    """Stop the Rasa server (and the email channel in it) and start it again: nothing the
    channel held in memory survives."""
    old = stack.named["rasa"]
    old.send_signal(signal.SIGTERM)
    old.wait(timeout=60)
    log = open(stack.var_dir / "rasa-restarted.log", "ab")  # noqa: SIM115 - lives with it
    stack.named["rasa"] = subprocess.Popen(old.args, cwd=str(Path(__file__).parents[2]),
                                           env=stack.env, stdout=log,
                                           stderr=subprocess.STDOUT, start_new_session=True)
    stack.wait_until_ready(timeout=240)


# -- the bot answers ------------------------------------------------------------------------------


@pytest.mark.parametrize("sender, question, answer, language", [
    ("maija@example.com", "How long does delivery take to Finland?", "2-4 business days", "en"),
    ("ville@example.fi", "Kuinka kauan toimitus kestää?", "2–4 arkipäivää", "fi"),
])
def test_a_knowledge_base_question_is_answered_in_the_shoppers_language(
        mail_stack, module_imap_server, module_smtp_server, sender, question, answer, language):
    module_imap_server.deliver(shopper_email(question, sender=sender, subject="Delivery",
                                             message_id=f"<faq-{language}@client.test>"))
    reply = nth_email(module_smtp_server, sender, 1)
    assert answer in text_of(reply), text_of(reply)
    assert reply["Content-Language"] == language
    assert reply["In-Reply-To"] == f"<faq-{language}@client.test>"
    assert reply["Subject"] == "Re: Delivery"
    html = reply.get_body(preferencelist=("html",)).get_content()
    assert answer in html and f'lang="{language}"' in html


def test_order_details_go_only_to_the_orders_own_address(mail_stack, module_imap_server,
                                                         module_smtp_server):
    owner = "anna.virtanen@example.com"  # order 10023 is hers
    module_imap_server.deliver(shopper_email("Hi, where is my order 10023? Tracking please.",
                                             sender="stranger@evil.test", subject="Order"))
    to_owner = nth_email(module_smtp_server, owner, 1)
    to_stranger = nth_email(module_smtp_server, "stranger@evil.test", 1)
    assert "10023" in text_of(to_owner) and "shipped" in text_of(to_owner)
    assert to_owner["In-Reply-To"] is None  # not in the stranger's thread
    assert "10023" not in text_of(to_stranger) and "shipped" not in text_of(to_stranger)
    assert "email address on the order" in text_of(to_stranger)


# -- a person takes over ------------------------------------------------------------------------


def ticket_of(stack: Stack, conversation: str) -> Optional[Dict[str, Any]]:
    tickets = console(stack, "GET", "/api/tickets?status=waiting,active,resolved")["tickets"]
    return next((t for t in tickets if t["conversation_id"] == conversation), None)


def test_a_person_answers_by_email_after_a_restart_and_the_shopper_rates_by_link(
        mail_stack, module_imap_server, module_smtp_server):
    shopper, smtp = "liisa@example.com", module_smtp_server
    conversation = f"email:{shopper}"
    module_imap_server.deliver(shopper_email(
        "This is unacceptable. The jacket I got is torn and nobody answers the phone.\n\n"
        "On Sat, 5 Dec 2026 Northwind <support@shop.test> wrote:\n> Your parcel is on its way",
        sender=shopper, subject="Torn jacket", message_id="<l1@client.test>"))
    ack = nth_email(smtp, shopper, 1)
    ticket = wait_for(lambda: ticket_of(mail_stack, conversation))
    assert ticket["channel"] == "email" and ticket["ticket_id"] in text_of(ack)

    # A later email on the open ticket: a note on it, not a new ticket, no bot answer.
    module_imap_server.deliver(shopper_email(
        "I forgot: the order number is 10023.\n\nOn Sun, Northwind wrote:\n> Thanks for your "
        "message", sender=shopper, subject="Re: Torn jacket", message_id="<l2@client.test>",
        in_reply_to=ack["Message-ID"], references=["<l1@client.test>", ack["Message-ID"]]))
    detail = wait_for(lambda: (lambda d: any("order number is 10023" in n["text"]
                                             for n in d["notes"]) and d)(
        console(mail_stack, "GET", f"/api/tickets/{ticket['ticket_id']}")))
    assert [n["author"] for n in detail["notes"]] == ["shopper (email)"]
    assert "Thanks for your message" not in detail["notes"][0]["text"]
    # the thread is the transcript: the email, and below it what the shopper's client quoted
    assert any("jacket I got is torn" in line["text"] and "(earlier in the thread)" in
               line["text"] and "Your parcel is on its way" in line["text"]
               for line in detail["transcript"])
    assert not any("order number is 10023" in line["text"] for line in detail["transcript"])
    assert len([t for t in console(mail_stack, "GET", "/api/tickets")["tickets"]
                if t["conversation_id"] == conversation]) == 1

    console(mail_stack, "POST", f"/api/tickets/{ticket['ticket_id']}/claim")
    restart_rasa(mail_stack)  # the thread is in the database, not in the server's memory
    say_as_agent(mail_stack, ticket["ticket_id"], "Sorry! A new jacket is on its way today.")
    answer = nth_email(smtp, shopper, 2)
    assert "new jacket is on its way" in text_of(answer)
    assert answer["In-Reply-To"] == "<l2@client.test>" and answer["Auto-Submitted"] is None
    assert answer["References"].split()[0] == "<l1@client.test>"
    assert answer["X-Envelope-To"] == shopper

    console(mail_stack, "POST", f"/api/tickets/{ticket['ticket_id']}/resolve")
    survey = nth_email(smtp, shopper, 3)
    assert survey["In-Reply-To"] == "<l2@client.test>"
    links = dict(re.findall(r"(\d)/5[^:\n]*: (http://\S+/webhooks/email/rating/\S+)",
                            text_of(survey)))
    assert sorted(links) == ["1", "2", "3", "4", "5"]

    status, page = open_link(links["5"])
    assert status == 200 and "Thank you for your rating" in page and '<html lang="en">' in page
    assert console(mail_stack, "GET", f"/api/tickets/{ticket['ticket_id']}")["csat"] == 5
    status, page = open_link(links["2"])
    assert status == 409 and "already been rated" in page
    forged = links["1"][:-6] + ("AAAAAA" if not links["1"].endswith("AAAAAA") else "BBBBBB")
    assert open_link(forged)[0] == 400
    assert console(mail_stack, "GET", f"/api/tickets/{ticket['ticket_id']}")["csat"] == 5
    # acknowledgement, the person's answer, the rating email, in this order: "has joined the
    # chat" (sent before the answer) and "I'm back" (before the rating) were not emailed
    assert len(emails_to(smtp, shopper)) == 3


# -- the rating page ------------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_rating_pages_meet_wcag_21_aa_and_reflow_on_a_phone(mail_stack, pages, scheme):
    from bot.email.ratings import RatingResult, rating_page
    from tests.e2e.browser import axe_violations, describe

    page = pages(locale="uk-UA", color_scheme=scheme, bypass_csp=True,
                 viewport={"width": 320, "height": 640})
    answer = page.goto(f"{mail_stack.rasa_url}/webhooks/email/rating/H-1.5.9999999999.forged")
    assert answer.status == 400 and page.locator("html").get_attribute("lang") == "uk"
    assert page.locator("h1").inner_text() == "Посилання недійсне"
    shown = [("served", page.content())]
    for kind, status, score in (("thanks", 200, 4), ("already", 409, None),
                                ("expired", 410, None)):
        shown.append((kind, rating_page(RatingResult(status, kind, "tr", score), "Northwind")))
    for kind, html in shown:
        page.set_content(html)
        violations = axe_violations(page)
        assert violations == [], f"{kind}:\n{describe(violations)}"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), kind
