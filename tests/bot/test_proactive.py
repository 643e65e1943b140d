import json

import pytest

from bot.handoff import SQLiteHandoffQueue
from bot.proactive import describe_items, parse_abandoned_cart, sign, signature_ok


def test_signatures():
    body = b'{"cart_id": "c1"}'
    assert signature_ok("s3cret", body, sign("s3cret", body))
    assert not signature_ok("s3cret", body + b" ", sign("s3cret", body))
    assert not signature_ok("s3cret", body, sign("other", body))
    assert not signature_ok("", body, sign("", body))
    assert not signature_ok("s3cret", body, None)


@pytest.mark.parametrize("body", [b"nope", b"[]", b'{"cart_id": "c"}',
                                  b'{"session_id": "s", "cart_id": ""}',
                                  b'{"session_id": "s", "cart_id": "c", "items": "x"}'])
def test_malformed_events_are_refused(body):
    with pytest.raises(ValueError):
        parse_abandoned_cart(body)


def test_event_is_read_and_items_described():
    cart = parse_abandoned_cart(json.dumps({"session_id": "s", "cart_id": "c",
                                            "items": ["Rain jacket", " ", "Beanie", "Gloves"],
                                            "language": "fi"}).encode())
    assert cart.items == ("Rain jacket", "Beanie", "Gloves") and cart.language == "fi"
    assert describe_items(list(cart.items)) == "Rain jacket, Beanie +1"


def test_one_nudge_per_cart_and_not_too_often(tmp_path):
    queue = SQLiteHandoffQueue(tmp_path / "h.db")
    assert queue.remember_cart("cart-1", "shopper")
    assert not queue.remember_cart("cart-1", "shopper")
    assert not queue.remember_cart("cart-2", "shopper")  # same shopper, within the hour
    assert queue.remember_cart("cart-3", "someone-else")
