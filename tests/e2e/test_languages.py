"""Whole conversations in the shopper's own language, through the REST webhook."""

import re
import sqlite3

from tests.e2e.conftest import Chat


def test_finnish_order_status(stack):
    chat = Chat(stack, "fi-shopper")
    assert "sähköpostiosoitetta" in chat.text("moi, missä mun tilaus 10023 on??")
    reply = chat.text("anna.virtanen@example.com")
    assert "10023" in reply and "Posti" in reply
    assert re.search(r"\d\d\.\d\d\.\d{4}", reply)  # Finnish date format


def test_turkish_cancel_confirms_in_turkish(stack):
    chat = Chat(stack, "tr-shopper")
    chat.text("10021 nolu siparisimi iptal etmek istiyorum")
    assert "iptal etmek istiyor musunuz" in chat.text("anna.virtanen@example.com")
    chat.text("hayir vazgectim")
    status = sqlite3.connect(stack.var_dir / "shop.db").execute(
        "SELECT status FROM orders WHERE order_id = '10021'").fetchone()[0]
    assert status == "placed"


def test_ukrainian_handoff_ticket_carries_the_language(stack):
    chat = Chat(stack, "uk-shopper")
    reply = chat.text("хочу поговорити з живою людиною, будь ласка")
    assert "черзі" in reply
    language = sqlite3.connect(stack.var_dir / "handoff.db").execute(
        "SELECT json_extract(body, '$.language') FROM tickets WHERE conversation_id = ?",
        (chat.conversation_id,)).fetchone()[0]
    assert language == "uk"


def test_indonesian_faq_answer(stack):
    chat = Chat(stack, "id-shopper")
    replies = chat.say("kak bisa bayar pake apa aja ya? ada paypal gk")
    text = " ".join(r.get("text", "") for r in replies)
    titles = " ".join(b["title"] for r in replies for b in r.get("buttons", []))
    assert "PayPal" in text or "pembayaran" in titles.lower()


def test_norwegian_asks_for_the_order_number_in_norwegian(stack):
    chat = Chat(stack, "nb-shopper")
    assert "ordrenummeret" in chat.text("hei, hvor er pakken min? har ikke kommet enda")


def test_language_is_sticky_and_switches_on_request(stack):
    chat = Chat(stack, "switcher")
    assert "tilausnumerosi" in chat.text("missä mun paketti on")
    assert "sähköpostiosoitetta" in chat.text("10023")  # digits alone keep Finnish
    chat.text("anna.virtanen@example.com")
    chat.text("in English please")
    assert "hasn't been delivered" in chat.text("i want to return something")  # English now
