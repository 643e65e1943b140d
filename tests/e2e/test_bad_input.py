"""Bad input gets a clear reply or a 4xx, never a crash and never a changed order."""

import json
import sqlite3

import pytest

from tests.e2e.conftest import Chat


def orders_snapshot(stack):
    with sqlite3.connect(stack.var_dir / "shop.db") as db:
        return db.execute("SELECT * FROM orders ORDER BY order_id").fetchall(), \
            db.execute("SELECT * FROM order_lines ORDER BY order_id, position").fetchall()


@pytest.mark.parametrize("message", [
    "", "   ", "a" * 10_000, "😀🙈📦", "Где мой заказ?", "我的订单在哪里",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
    "10023'; DROP TABLE orders; --", "' OR 1=1 --", "/restart", "/cancel_order{\"x\":",
    "{{order_id}} ${jndi:ldap://x}", "\u0000\u202e",
])
def test_odd_messages_get_a_reply(stack, message):
    before = orders_snapshot(stack)
    replies = Chat(stack, f"odd-{abs(hash(message))}").say(message)
    assert replies and all(reply.get("text") or reply.get("buttons") for reply in replies)
    assert orders_snapshot(stack) == before


@pytest.mark.parametrize("body, status", [
    (b"{not json", 400), (b"[]", 400), (b'{"sender": "x"}', 400),
    (b'{"sender": "x", "message": 5}', 400),
    (json.dumps({"sender": "x", "message": "a" * 20_000}).encode(), 413),
])
def test_malformed_requests_get_a_4xx(stack, body, status):
    code, answer = Chat(stack, "x").post(body)
    assert code == status and "error" in answer


def test_html_is_never_echoed_as_markup(stack):
    chat = Chat(stack, "html-shopper")
    chat.text("i want to change the address of order 10022")
    chat.text("anna.virtanen@example.com")
    reply = chat.text("<b>Main</b> 5, 00100 <script>x</script>")
    assert "<script>" not in reply and "<b>" not in reply


def test_unknown_sender_and_email_in_another_order_change_nothing(stack):
    before = orders_snapshot(stack)
    chat = Chat(stack, "stranger")
    chat.text("cancel order 10022")
    chat.text("mikko.korhonen@example.fi")  # not the email on 10022
    chat.text("yes")
    assert orders_snapshot(stack) == before
