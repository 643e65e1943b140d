"""The support mailbox's desk: takes one received email and does what the policy says.

No Rasa here: the channel hands in how to understand a text (the NLU) and how to run a turn of
the dialogue (collecting the bot's messages), and how to send an email. Conversations are
``email:<sender address>``, so a shopper's later emails, and a person's answers, stay in one
conversation and on one ticket. Each conversation's thread (the latest email's Message-ID,
References, address and language) is kept in the queue's database, so that a person's answer
after a restart is still threaded and goes to the right address.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Awaitable, Callable, Dict, List, Optional, Tuple

from bot.channel_keys import scoped
from bot.email.letters import (
    bot_paragraphs,
    compose,
    order_status_paragraphs,
    rating_choices,
    text,
)
from bot.email.parse import InboundEmail, parse_email
from bot.email.ratings import RatingLinks
from bot.email.store import EmailStore, EmailThread
from bot.email.triage import (
    DEFAULT_OUTGOING_LIMIT,
    Route,
    Understanding,
    automated_reason,
    may_send,
    record_sent,
    route,
    several_requests,
)
from bot.handoff.queue import HandoffQueue
from bot.handoff.tickets import PersonRequest, request_person
from bot.i18n import language_or_default
from bot.limits import AttemptLimits, Limit
from bot.settings import Settings
from bot.shop.models import Order, ShopError
from bot.shop.order_numbers import current_order_number_format
from bot.shop.service import OrderService

logger = logging.getLogger(__name__)

CHANNEL = "email"

Understand = Callable[[str], Awaitable[Understanding]]
Converse = Callable[[str, str, Dict[str, Any]], Awaitable[List[Dict[str, Any]]]]
#: Keeps a shopper's email in the conversation as one user turn without a bot answer:
#: ``(conversation, text, understood, slots)``, the text being the email and below it what the
#: shopper's client quoted. The console shows it in the transcript, and the conversation knows
#: its channel, so that a person's answers and the rating question after resolution go out by
#: email.
Record = Callable[[str, str, Understanding, Dict[str, Any]], Awaitable[None]]
Send = Callable[[EmailMessage], Awaitable[None]]
DetectLanguage = Callable[[str], Optional[str]]


@dataclass(frozen=True)
class MailboxSettings:
    """How the assistant writes email.

    Attributes:
        address: The support mailbox's address (From of every email it sends).
        team: The name emails are signed with.
        chat_url: Where shoppers change orders themselves (the widget).
        own_addresses: Every address of the assistant (it never answers them).
        outgoing_limit: Emails one address may get from the assistant per window.
        min_confidence: NLU confidence below which an email goes to a person.
        authserv_id: The name the shop's receiving mail server writes into the
            Authentication-Results header (RFC 8601). Emails it does not vouch for are shown
            to agents as from an unverified sender; '' marks every email so.
    """

    address: str
    team: str = "Customer service"
    chat_url: str = ""
    own_addresses: Tuple[str, ...] = ()
    outgoing_limit: Limit = DEFAULT_OUTGOING_LIMIT
    min_confidence: float = 0.5
    authserv_id: str = ""


@dataclass
class Outcome:
    """What became of one email (for logs and tests; holds no personal data in ``skipped``)."""

    skipped: Optional[str] = None
    route: Optional[Route] = None
    sent_to: List[str] = field(default_factory=list)
    ticket_id: Optional[str] = None
    withheld: int = 0  # emails not sent because of the per-address limit


class EmailDesk:
    """Handles the support mailbox's emails, one at a time."""

    def __init__(self, mailbox: MailboxSettings, settings: Settings, orders: OrderService,
                 queue: HandoffQueue, limits: AttemptLimits, store: EmailStore, *,
                 send: Send, understand: Understand, converse: Converse,
                 detect_language: DetectLanguage,
                 rating_links: Optional[RatingLinks] = None,
                 record: Optional[Record] = None) -> None:
        self.mailbox = mailbox
        self.settings = settings
        self.orders = orders
        self.queue = queue
        self.limits = limits
        self.store = store
        self.rating_links = rating_links
        self._send = send
        self._understand = understand
        self._converse = converse
        self._detect_language = detect_language
        self._record = record

    async def handle(self, raw: bytes) -> Outcome:
        """Answer, route or ignore one received email."""
        mail = parse_email(raw)
        own = {self.mailbox.address.lower(), *self.mailbox.own_addresses}
        reason = automated_reason(mail, own)
        if reason:
            logger.info("email not answered: %s", reason)
            return Outcome(skipped=reason)
        language = language_or_default(
            self._detect_language(mail.new_text or mail.subject) or None)
        conversation = scoped(CHANNEL, mail.sender)
        self._remember(conversation, mail, language)
        open_ticket = self.queue.open_ticket_for(conversation)
        if open_ticket is not None:
            # A person owns the conversation: the email goes to them, the bot stays quiet.
            self.queue.add_note(open_ticket.ticket_id, "shopper (email)",
                                _as_note(mail, self.mailbox.authserv_id))
            return Outcome(route=Route.PERSON, ticket_id=open_ticket.ticket_id)
        understood = await self._understand(mail.new_text or mail.subject)
        numbers = [number for _, _, number in current_order_number_format().find(
            f"{mail.subject}\n{mail.new_text}")]
        chosen = route(mail, understood, numbers, self.mailbox.min_confidence)
        outcome = Outcome(route=chosen)
        if chosen is Route.ORDER_STATUS:
            await self._order_status(mail, numbers, language, outcome)
        elif chosen is Route.ORDER_CHANGE:
            await self._reply(mail, [text("order_change", language,
                                          url=self.mailbox.chat_url or "-")], language, outcome)
        elif chosen is Route.PERSON:
            await self._to_person(mail, conversation, understood, language, outcome)
        else:
            messages = await self._converse(conversation, mail.new_text,
                                            {"email_subject": mail.subject[:200]})
            if messages:
                await self._reply(mail, bot_paragraphs(messages), language, outcome)
        return outcome

    async def send_agent_message(self, address: str, message: str) -> bool:
        """Send a person's answer to a shopper, threaded under their last email.

        Returns:
            False when the shopper's address never wrote to this mailbox (nothing is sent).
        """
        thread = self.store.email_thread(scoped(CHANNEL, address))
        if thread is None:
            return False
        email = compose(to=thread.address, sender=self.mailbox.address, team=self.mailbox.team,
                        subject=thread.subject, paragraphs=[message], language=thread.language,
                        answering=thread)
        del email["Auto-Submitted"]  # a person wrote it
        await self._send(email)
        return True

    async def send_survey(self, address: str, ticket_id: str) -> bool:
        """Ask the shopper to rate a ticket a person resolved: one email in their thread with
        five one-click links (1-5), each carrying a signed token for the ticket and the rating.

        The email counts against the per-address limit like every automatic one.

        Returns:
            False when nothing was sent: no links configured, no thread, the ticket is not
            this conversation's, or the address had as many emails as the limit allows.
        """
        conversation = scoped(CHANNEL, address)
        thread = self.store.email_thread(conversation)
        ticket = self.queue.get(ticket_id)
        if self.rating_links is None or thread is None or ticket is None or \
                ticket.conversation_id != conversation:
            logger.warning("rating email not sent: no links, thread or matching ticket")
            return False
        language = thread.language
        email = compose(
            to=thread.address, sender=self.mailbox.address, team=self.mailbox.team,
            subject=thread.subject, language=language, answering=thread,
            paragraphs=[text("survey", language, ticket=ticket_id)],
            links=[(label, self.rating_links.link(ticket_id, score))
                   for score, label in rating_choices(language)])
        outcome = Outcome()
        await self._deliver(email, thread.address, outcome)
        return bool(outcome.sent_to)

    # -- the routes ----------------------------------------------------------------------------

    async def _order_status(self, mail: InboundEmail, numbers: List[str], language: str,
                            outcome: Outcome) -> None:
        if not numbers:
            example = current_order_number_format().example
            await self._reply(mail, [text("order_number_please", language, example=example)],
                              language, outcome)
            return
        told_sender = False
        for number in dict.fromkeys(numbers[:3]):
            order = self._order(number)
            if order is None:
                continue
            owner = order.email.strip().lower()
            paragraphs = order_status_paragraphs(order, language)
            if owner == mail.sender:
                await self._reply(mail, paragraphs, language, outcome)
                told_sender = True
            else:
                # Never trust From: the details go to the order's own address, unthreaded.
                await self._deliver(compose(
                    to=order.email, sender=self.mailbox.address, team=self.mailbox.team,
                    subject=text("order_subject", language, order=order.order_id),
                    paragraphs=[*paragraphs, text("order_why_here", language)],
                    language=language), owner, outcome)
        if not told_sender:
            # The same words whether the order exists or not: nothing leaks to a stranger.
            await self._reply(mail, [text("order_sent_elsewhere", language)], language, outcome)

    async def _to_person(self, mail: InboundEmail, conversation: str,
                         understood: Understanding, language: str, outcome: Outcome) -> None:
        intake = request_person(self.queue, self.limits, self.settings, PersonRequest(
            conversation_id=conversation, reason=_reason(mail, understood),
            events=_thread_events(mail, understood, self.mailbox.authserv_id), slots={},
            verified_order=None, language=language, channel=CHANNEL, client=conversation))
        if intake.ticket is None:
            return  # too many new tickets from this address lately: no answer either
        outcome.ticket_id = intake.ticket.ticket_id
        if self._record is not None:
            quoted = f"\n\n(earlier in the thread)\n{mail.quoted_text}" if mail.quoted_text else ""
            note = _as_note(mail, self.mailbox.authserv_id)
            await self._record(conversation, note + quoted, understood,
                               {"handoff_ticket": intake.ticket.ticket_id, "language": language})
        if intake.new:
            await self._reply(mail, [text("ticket", language, ticket=intake.ticket.ticket_id)],
                              language, outcome)

    # -- sending -------------------------------------------------------------------------------

    async def _reply(self, mail: InboundEmail, paragraphs: List[str], language: str,
                     outcome: Outcome) -> None:
        email = compose(to=mail.sender, sender=self.mailbox.address, team=self.mailbox.team,
                        subject=mail.subject, paragraphs=paragraphs, language=language,
                        answering=mail)
        await self._deliver(email, mail.sender, outcome)

    async def _deliver(self, email: EmailMessage, address: str, outcome: Outcome) -> None:
        if not may_send(self.limits, address, self.mailbox.outgoing_limit):
            logger.warning("email withheld: the address had as many as the limit allows")
            outcome.withheld += 1
            return
        record_sent(self.limits, address)
        await self._send(email)
        outcome.sent_to.append(address)

    # -- helpers -------------------------------------------------------------------------------

    def _order(self, number: str) -> Optional[Order]:
        try:
            return self.orders.shop.get_order(number)
        except ShopError:
            logger.warning("shop unavailable while answering an order email")
            return None

    def _remember(self, conversation: str, mail: InboundEmail, language: str) -> None:
        """The shopper's latest email is what a person's answer is threaded under."""
        self.store.remember_thread(EmailThread(
            conversation_id=conversation, address=mail.sender, subject=mail.subject,
            message_id=mail.message_id, references=mail.thread, language=language))


def _reason(mail: InboundEmail, understood: Understanding) -> str:
    if understood.intent in ("complaint", "talk_to_human", "payment_issue"):
        return str(understood.intent)
    if mail.has_attachments:
        return "sent_attachments"
    if several_requests(mail.new_text):
        return "asked_several_things_by_email"
    return "was_not_understood_by_email"


def _thread_events(mail: InboundEmail, understood: Understanding,
                   authserv_id: str) -> List[Dict[str, Any]]:
    """The thread as transcript events: what the shopper's client quoted, then this email."""
    now = time.time()
    events: List[Dict[str, Any]] = []
    if mail.quoted_text:
        events.append({"event": "user", "timestamp": now - 1,
                       "text": f"(earlier in the thread)\n{mail.quoted_text}"})
    events.append({"event": "user", "timestamp": now, "text": _as_note(mail, authserv_id),
                   "parse_data": {"intent": {"name": understood.intent,
                                             "confidence": understood.confidence}}})
    return events


#: Shown to agents above an email whose From address the receiving server did not vouch for.
UNVERIFIED_SENDER = ("[Sender not verified: the From address of this email can be forged."
                     " Check before acting on it.]")


def _as_note(mail: InboundEmail, authserv_id: str) -> str:
    attachments = " [with attachments]" if mail.has_attachments else ""
    warning = "" if mail.sender_authenticated(authserv_id) else f"{UNVERIFIED_SENDER}\n"
    return f"{warning}Subject: {mail.subject}{attachments}\n\n{mail.new_text}"
