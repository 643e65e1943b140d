"""What the assistant does with an email: never answer machines, never send too much to one
address, and pick the way a shopper's email is handled.

Auto-replies, bounces, mailing lists and the assistant's own messages get no answer at all (two
robots answering each other is the classic mail loop). Everything else is routed: order
questions are answered from the shop to the email on the order, order changes are not done by
email, what needs a person becomes a ticket, and the rest goes through the normal dialogue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Collection, List, Optional

from bot.email.parse import InboundEmail
from bot.limits import AttemptLimits, Key, Limit

#: The header the assistant puts on every email it sends (and so recognises its own).
ASSISTANT_HEADER = "X-Shop-Assistant"

#: Emails the assistant sends to one address at most, per hour, unless configured otherwise.
DEFAULT_OUTGOING_LIMIT = Limit(count=4, window_seconds=3600)

_ROBOT_SENDERS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|auto-?reply)([+\-.@]|$)",
    re.IGNORECASE)

#: Intents that ask about an order the shop can answer from its data.
ORDER_QUESTIONS = frozenset({"order_status", "refund_status"})
#: Intents that would change an order: never done by email.
ORDER_CHANGES = frozenset({"change_address", "cancel_order", "change_order", "return_item"})
#: Intents a person should take.
FOR_A_PERSON = frozenset({"complaint", "talk_to_human", "payment_issue"})


def automated_reason(mail: InboundEmail, own_addresses: Collection[str] = ()) -> Optional[str]:
    """Why an email must not be answered (a machine sent it), or None for a person's email.

    Args:
        mail: The parsed email.
        own_addresses: The assistant's own addresses (lower-case).

    Returns:
        ``"own message"``, ``"auto-submitted"``, ``"bulk"``, ``"mailing list"``,
        ``"auto-reply"``, ``"bounce"`` or ``"no sender"``; None when a person wrote it.
    """
    headers = mail.headers
    if headers.get("x-shop-assistant") or (mail.sender and mail.sender in own_addresses):
        return "own message"
    if not mail.sender:
        return "no sender"
    if headers.get("auto-submitted", "no").strip().lower().split(";")[0] != "no":
        return "auto-submitted"
    if headers.get("precedence", "").strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return "bulk"
    if "list-id" in headers or "list-unsubscribe" in headers:
        return "mailing list"
    if "x-autoreply" in headers or "x-autorespond" in headers:
        return "auto-reply"
    if headers.get("x-auto-response-suppress", "").strip().lower() in ("all", "oof"):
        return "auto-reply"
    return_path = headers.get("return-path")
    if return_path is not None and return_path.strip() in ("<>", ""):
        return "bounce"
    if mail.content_type == "multipart/report" or "x-failed-recipients" in headers:
        return "bounce"
    if _ROBOT_SENDERS.match(mail.sender):
        return "bounce"
    return None


def outgoing_keys(address: str) -> List[Key]:
    """The limiter key of emails sent to one address."""
    return [("email-out", address.strip().lower())]


def may_send(limits: AttemptLimits, address: str, limit: Limit = DEFAULT_OUTGOING_LIMIT,
             now: Optional[datetime] = None) -> bool:
    """True while the assistant has sent fewer than ``limit`` emails to ``address`` lately."""
    return limits.retry_after(outgoing_keys(address), limit, now=now) is None


def record_sent(limits: AttemptLimits, address: str, now: Optional[datetime] = None) -> None:
    """Count one email sent to ``address``."""
    limits.record(outgoing_keys(address), now=now)


class Route(str, Enum):
    """How a shopper's email is handled."""

    ORDER_STATUS = "order_status"    # answered from the shop, to the email on the order
    ORDER_CHANGE = "order_change"    # not by email: a link to the chat, or a person
    PERSON = "person"                # a ticket in the queue
    DIALOGUE = "dialogue"            # the normal NLU and dialogue, one reply email


@dataclass(frozen=True)
class Understanding:
    """What the NLU made of the email's new text."""

    intent: Optional[str]
    confidence: float


def route(mail: InboundEmail, understood: Understanding, order_numbers: List[str],
          min_confidence: float = 0.5) -> Route:
    """Pick how to handle a shopper's email.

    Args:
        mail: The parsed email.
        understood: The intent of its new text.
        order_numbers: The order numbers found in its new text and subject.
        min_confidence: Below this the email is unclear and goes to a person.

    Returns:
        The route; anything that is not plainly one request the bot can answer goes to a person.
    """
    intent = understood.intent
    if mail.has_attachments or intent in FOR_A_PERSON or several_requests(mail.new_text):
        return Route.PERSON
    if intent in ORDER_CHANGES:
        return Route.ORDER_CHANGE
    if intent in ORDER_QUESTIONS or (order_numbers and intent not in ("faq", "product_info")):
        return Route.ORDER_STATUS
    if not mail.new_text.strip() or understood.confidence < min_confidence or intent in (
            None, "nlu_fallback", "out_of_scope"):
        return Route.PERSON
    return Route.DIALOGUE


def several_requests(text: str) -> bool:
    """True when an email asks several things (more questions or more text than one answer
    fits)."""
    return text.count("?") >= 3 or len(text) > 1200

