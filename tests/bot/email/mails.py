"""Emails as shoppers' clients and robots write them, for the email channel's tests."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from typing import Dict, Optional, Sequence


def shopper_email(text: str, *, sender: str = "anna.virtanen@example.com",
                  subject: str = "Question", message_id: Optional[str] = None,
                  in_reply_to: Optional[str] = None, references: Sequence[str] = (),
                  html: Optional[str] = None, attachment: Optional[bytes] = None,
                  headers: Optional[Dict[str, str]] = None,
                  to: str = "support@shop.test") -> bytes:
    """One email as a mail client sends it (plain text, optionally HTML and a file)."""
    message = EmailMessage()
    message["From"] = f"Shopper <{sender}>" if sender else ""
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="client.test")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = " ".join(references)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    if attachment is not None:
        message.add_attachment(attachment, maintype="image", subtype="jpeg",
                               filename="photo.jpg")
    return bytes(message)


def bounce(original_to: str = "gone@example.com") -> bytes:
    """A delivery status notification from a mailer daemon (multipart/report)."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.com>\r\n"
        "To: support@shop.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce-1@mx.example.com>\r\n"
        "Return-Path: <>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "\r\n--b1\r\nContent-Type: text/plain\r\n\r\n"
        f"Delivery to {original_to} failed permanently. Where is order 10023?\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Final-Recipient: rfc822; {original_to}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "--b1--\r\n"
    ).encode()


def auto_reply(sender: str = "anna.virtanen@example.com") -> bytes:
    """An out-of-office answer."""
    return shopper_email("I am out of the office until Monday. Order 10023?", sender=sender,
                         subject="Automatic reply: Question",
                         headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"})
