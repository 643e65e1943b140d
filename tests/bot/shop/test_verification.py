"""Verification cannot be brute-forced: failures are limited per order number, email and client
across conversations, and a verification holds for a bounded time only."""

import logging
from datetime import timedelta

import pytest

from bot.handoff import SQLiteHandoffQueue
from bot.limits import Limit
from bot.shop import OrderVerifier, still_verified
from tests.conftest import NOW

ANNA = "anna.virtanen@example.com"


class Clock:
    def __init__(self):
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def verifier(orders, tmp_path, clock):
    queue = SQLiteHandoffQueue(tmp_path / "handoff.db")
    yield OrderVerifier(orders, queue, Limit(5, 3600), clock=clock)
    queue.close()


def test_a_known_email_cannot_be_tried_against_every_order_number(verifier, caplog):
    # The attack: a known email, sequential order numbers, a new client for every guess.
    results = [verifier.verify(str(number), ANNA, client=f"client-{number}")
               for number in range(10010, 10016)]
    assert all(result.order is None for result in results)
    assert [result.locked for result in results] == [None] * 4 + ["email", "email"]
    with caplog.at_level(logging.WARNING, logger="bot.shop.verification"):
        # Even the right pair is refused during the cool-down: guessing learns nothing.
        right = verifier.verify("10023", ANNA, client="someone-new")
    assert right.order is None and right.locked == "email"
    assert right.retry_after is not None and 0 < right.retry_after <= 3600
    assert "verification locked (kind=email)" in caplog.text
    assert "anna" not in caplog.text and "10023" not in caplog.text


def test_an_order_number_cannot_be_tried_with_many_emails(verifier):
    for n in range(5):
        verifier.verify("10023", f"guess{n}@example.com", client=f"client-{n}")
    assert verifier.verify("10023", ANNA, client="client-9").locked == "order"
    # Another order of the same shopper is not affected.
    assert verifier.verify("10024", ANNA, client="client-9").order.order_id == "10024"


def test_one_client_cannot_keep_guessing_with_new_pairs(verifier):
    for n in range(5):
        verifier.verify(str(20000 + n), f"guess{n}@example.com", client="attacker")
    assert verifier.verify("10023", ANNA, client="attacker").locked == "client"
    assert verifier.lock("attacker") is not None
    # Everyone else still verifies.
    assert verifier.verify("10023", ANNA, client="shopper").order is not None


def test_successes_do_not_count_and_the_lock_ends_after_the_window(verifier, clock):
    for _ in range(10):
        assert verifier.verify("10023", ANNA, client="shopper").order is not None
    for n in range(5):
        verifier.verify("10023", f"guess{n}@example.com", client="attacker")
    assert verifier.verify("10023", ANNA, client="shopper").locked == "order"
    clock.now = NOW + timedelta(hours=1, seconds=1)
    assert verifier.verify("10023", ANNA, client="shopper").order is not None


def test_keys_are_normalised_so_spelling_does_not_give_new_tries(verifier):
    for n, email in enumerate([ANNA, ANNA.upper(), f" {ANNA}.", ANNA.title(), ANNA]):
        verifier.verify(str(30000 + n), email, client=f"c{n}")
    assert verifier.verify("10023", "Anna.Virtanen@Example.com", client="c9").locked == "email"


@pytest.mark.parametrize("order_id, verified_at, expected", [
    ("10023", 1_000_000.0, "10023"),  # just now
    ("10023", 1_000_000.0 - 14 * 60, "10023"),  # within the 15 minutes
    ("10023", 1_000_000.0 - 16 * 60, None),  # ran out
    ("10023", None, None),  # a verified order without a time is no proof
    ("10023", "1000000", None),  # nor with a time that no action wrote
    ("10023", True, None),
    ("10023", 1_000_000.0 + 3600, None),  # from the future
    (None, 1_000_000.0, None),
])
def test_a_verification_holds_for_a_bounded_time(order_id, verified_at, expected):
    assert still_verified(order_id, verified_at, now=1_000_000.0, minutes=15) == expected
