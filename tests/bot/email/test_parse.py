"""Reading emails: headers, threading, text from HTML, and only what the shopper wrote now."""

from email.message import EmailMessage

import pytest

from bot.email.parse import html_to_text, parse_email, split_reply
from tests.bot.email.mails import shopper_email


def test_reads_sender_subject_and_thread():
    raw = shopper_email("Where is my order?", sender="Anna.Virtanen@Example.com",
                        subject="Order", message_id="<m3@client.test>",
                        in_reply_to="<m2@shop.test>",
                        references=["<m1@client.test>", "<m2@shop.test>"])
    mail = parse_email(raw)
    assert mail.sender == "anna.virtanen@example.com"
    assert mail.subject == "Order"
    assert mail.thread_root == "<m1@client.test>"
    assert mail.thread == ("<m1@client.test>", "<m2@shop.test>", "<m3@client.test>")
    assert mail.new_text == "Where is my order?"
    assert not mail.has_attachments


def test_html_only_email_becomes_text_without_its_quote():
    html = ("<html><head><style>p {color: red}</style></head><body><p>Where is my "
            "<b>order</b>&nbsp;10023?</p><div class='gmail_quote'>On Mon Anna wrote:"
            "<blockquote>old text</blockquote></div></body></html>")
    message = parse_email(shopper_email("", html=html))
    assert "Where is my order 10023?" in html_to_text(html)
    assert "color" not in html_to_text(html)
    # the plain part is empty here, so the HTML part is what counts
    assert parse_email(shopper_email("Where is my order 10023?", html=html)).new_text == \
        "Where is my order 10023?"
    assert message.subject == "Question"


def test_attachments_are_noticed():
    assert parse_email(shopper_email("See the photo", attachment=b"\xff\xd8jpeg")).has_attachments


@pytest.mark.parametrize("text", [
    "Where is 10023?\n\nOn Mon, 16 Mar 2026 at 10:00, Shop <support@shop.test> wrote:\n> Hello",
    "Where is 10023?\n\nOn Mon, 16 Mar 2026 at 10:00 Shop <support@shop.test>\nwrote:\n> Hello",
    "Where is 10023?\n\nma 16.3.2026 klo 10.00 Shop <support@shop.test> kirjoitti:\n> Hei",
    "Where is 10023?\n\n16 Mar 2026 Pzt 10:00 tarihinde Shop <s@shop.test> şunu yazdı:\n> x",
    "Where is 10023?\n\nпн, 16 бер. 2026 о 10:00 Shop <s@shop.test> написав:\n> x",
    "Where is 10023?\n\nPada Sen, 16 Mar 2026 Shop <s@shop.test> menulis:\n> x",
    "Where is 10023?\n\nman. 16. mar. 2026 kl. 10:00 skrev Shop <s@shop.test>:\n> x",
    "Where is 10023?\n\n-----Original Message-----\nFrom: Shop <s@shop.test>\nHello",
    "Where is 10023?\n-- \nAnna Virtanen\n+358 40 123 4567",
    "Where is 10023?\n\nSent from my iPhone",
    "Where is 10023?\n\nLähetetty iPhonesta",
    "Where is 10023?\n\niPhone'umdan gönderildi",
    "Where is 10023?\n\nНадіслано з iPhone",
    "Where is 10023?\n\nDikirim dari iPhone saya",
    "Where is 10023?\n\nSendt fra min iPhone",
    "Where is 10023?\n\nGet Outlook for Android",
    "> Hello, how can we help?\nWhere is 10023?",
])
def test_quotes_and_signatures_are_cut(text):
    new, _ = split_reply(text)
    assert new == "Where is 10023?"


def test_the_quoted_thread_is_kept_apart():
    new, quoted = split_reply("Thanks!\n\nOn Mon Shop <s@shop.test> wrote:\n> Order 10023 shipped")
    assert new == "Thanks!"
    assert "Order 10023 shipped" in quoted


def test_ordinary_sentences_are_not_taken_for_signatures():
    text = "Pakken ble sendt fra lageret i går, men den har ikke kommet."
    assert split_reply(text)[0] == text


def test_malformed_email_does_not_raise():
    mail = parse_email(b"\xff\xfe not an email at all")
    assert mail.sender == ""


@pytest.mark.parametrize("results, vouched", [
    (["mx.shop.test; dmarc=pass (p=reject) header.from=example.com"], True),
    (["mx.shop.test; dkim=pass header.d=example.com header.s=s1; spf=fail"], True),
    (["mx.shop.test; dkim=pass header.d=evil.test; dmarc=fail"], False),  # another domain
    (["mx.shop.test; spf=pass smtp.mailfrom=example.com; dmarc=fail"], False),
    (["evil.test; dmarc=pass header.from=example.com"], False),  # written by the sender
    (["evil.test; dmarc=pass", "mx.shop.test; dmarc=fail"], False),
    # the server's own verdict on top, a forged copy with the server's name below it
    (["mx.shop.test; dmarc=fail; dkim=none", "mx.shop.test; dmarc=pass header.from=example.com"],
     False),
    ([], False),
])
def test_only_the_shops_own_receiving_server_vouches_for_the_sender(results, vouched):
    message = EmailMessage()
    message["From"] = "Anna <anna.virtanen@example.com>"
    message["Subject"] = "Hi"
    for value in results:
        message["Authentication-Results"] = value
    message.set_content("hello")
    mail = parse_email(bytes(message))
    assert mail.sender_authenticated("mx.shop.test") is vouched
    assert mail.sender_authenticated("") is False
