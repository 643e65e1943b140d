"""Which emails get an answer, which way, and how many emails one address can get."""

from datetime import datetime, timedelta

import pytest

from bot.email.parse import parse_email
from bot.email.triage import (
    Route,
    Understanding,
    automated_reason,
    may_send,
    record_sent,
    route,
)
from bot.limits import Limit
from tests.bot.email.mails import auto_reply, bounce, shopper_email

OWN = {"support@shop.test"}


@pytest.mark.parametrize("raw, reason", [
    (auto_reply(), "auto-submitted"),
    (bounce(), "auto-submitted"),
    (shopper_email("hi", headers={"Precedence": "bulk"}), "bulk"),
    (shopper_email("hi", headers={"Precedence": "junk"}), "bulk"),
    (shopper_email("hi", headers={"List-Id": "<news.shop.test>"}), "mailing list"),
    (shopper_email("hi", headers={"List-Unsubscribe": "<mailto:x@y>"}), "mailing list"),
    (shopper_email("hi", headers={"X-Autorespond": "1"}), "auto-reply"),
    (shopper_email("hi", headers={"Return-Path": "<>"}), "bounce"),
    (shopper_email("hi", sender="postmaster@example.com"), "bounce"),
    (shopper_email("hi", sender="MAILER-DAEMON@example.com"), "bounce"),
    (shopper_email("hi", headers={"X-Shop-Assistant": "1"}), "own message"),
    (shopper_email("hi", sender="support@shop.test"), "own message"),
    (shopper_email("hi", sender=""), "no sender"),
])
def test_robots_get_no_answer(raw, reason):
    assert automated_reason(parse_email(raw), OWN) == reason


def test_a_bounce_without_auto_submitted_is_still_a_bounce():
    raw = bounce().replace(b"Auto-Submitted: auto-replied\r\n", b"").replace(
        b"Return-Path: <>\r\n", b"").replace(b"MAILER-DAEMON@mx", b"daemon@mx")
    assert automated_reason(parse_email(raw), OWN) == "bounce"


def test_people_get_an_answer():
    raw = shopper_email("hi", headers={"Auto-Submitted": "no",
                                       "Return-Path": "<anna@example.com>"})
    assert automated_reason(parse_email(raw), OWN) is None


@pytest.mark.parametrize("text, intent, numbers, expected", [
    ("Where is my order 10023?", "order_status", ["10023"], Route.ORDER_STATUS),
    ("10023", "inform", ["10023"], Route.ORDER_STATUS),
    ("Where is my order?", "order_status", [], Route.ORDER_STATUS),
    ("Cancel order 10021", "cancel_order", ["10021"], Route.ORDER_CHANGE),
    ("New address for 10021", "change_address", ["10021"], Route.ORDER_CHANGE),
    ("This is unacceptable", "complaint", [], Route.PERSON),
    ("asdf qwer", "out_of_scope", [], Route.PERSON),
    ("hmm", "greet", [], Route.PERSON),   # low confidence below
    ("Why? How? When?", "faq", [], Route.PERSON),
    ("What is your return policy?", "faq", [], Route.DIALOGUE),
])
def test_routes(text, intent, numbers, expected):
    confidence = 0.2 if text == "hmm" else 0.9
    mail = parse_email(shopper_email(text))
    assert route(mail, Understanding(intent, confidence), numbers) is expected


def test_attachments_go_to_a_person():
    mail = parse_email(shopper_email("Broken, see photo", attachment=b"jpeg"))
    assert route(mail, Understanding("faq", 0.99), []) is Route.PERSON


def test_one_address_gets_only_a_few_emails_an_hour(services):
    limits, limit = services.limits, Limit(3, 3600)
    now = datetime(2026, 3, 18, 12, 0)
    for minute in range(3):
        assert may_send(limits, "anna@example.com", limit, now + timedelta(minutes=minute))
        record_sent(limits, "Anna@Example.com", now + timedelta(minutes=minute))
    assert not may_send(limits, "anna@example.com", limit, now + timedelta(minutes=5))
    assert may_send(limits, "mikko@example.fi", limit, now + timedelta(minutes=5))
    assert may_send(limits, "anna@example.com", limit, now + timedelta(minutes=61))
