"""The support mailbox as a channel: polls IMAP, answers through SMTP.

Configured in ``credentials.yml`` under ``bot.runtime.channels.mail.EmailInput``; the passwords
come from the environment (``EMAIL_IMAP_PASSWORD``, ``EMAIL_SMTP_PASSWORD``), never from the
file. Polling starts with the server (a listener on the channel's blueprint) and stops with it.
What is done with each email is decided in :mod:`bot.email`; this module only connects it to
Rasa: the NLU for the intent, a dialogue turn whose messages are collected into one reply, an
output channel that sends a person's answers (handoff) as emails in the shopper's thread and
the rating question after a resolved ticket as one email of one-click links, and the page those
links land on (``GET /webhooks/email/rating/<token>``).
"""

from __future__ import annotations

import asyncio
import imaplib
import logging
import os
import smtplib
from email.message import EmailMessage
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.email import CHANNEL, EmailDesk, ImapMailbox, MailboxSettings, MailServer, SmtpSender
from bot.email.desk import Record
from bot.email.letters import bot_paragraphs
from bot.email.ratings import (
    RatingLinks,
    RatingResult,
    accepted_language,
    rating_page,
    record_rating,
)
from bot.email.triage import Understanding
from bot.limits import Limit
from bot.runtime.channels.scoped import ScopedOutput, scope_messages

logger = logging.getLogger(__name__)

IMAP_PASSWORD_ENV = "EMAIL_IMAP_PASSWORD"
SMTP_PASSWORD_ENV = "EMAIL_SMTP_PASSWORD"


#: Chat messages that mean nothing in a mailbox: "X has joined the chat" when a person claims
#: the ticket (their answer is the email), "I'm back" after they resolved it (the rating email
#: says the case is resolved).
NOT_EMAILED = frozenset({"utter_handoff_back_to_bot", "utter_agent_joined"})
#: The rating question after a person resolved a ticket: one email of one-click links.
RATING_QUESTION = "utter_ask_csat"


class EmailOutput(OutputChannel):
    """Sends what is said outside a turn as emails in the shopper's thread: a person's answers,
    and after a resolved ticket the rating email; one email per message, buttons as a list."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    def __init__(self, channel: "EmailInput") -> None:
        self.channel = channel

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        desk = self.channel.desk
        action = message.get("utter_action")
        if desk is None or action in NOT_EMAILED:
            return
        if action == RATING_QUESTION and message.get("csat_ticket"):
            await desk.send_survey(recipient_id, str(message["csat_ticket"]))
            return
        paragraphs = bot_paragraphs([message])
        if paragraphs:
            await self.send_text_message(recipient_id, "\n\n".join(paragraphs))

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        desk = self.channel.desk
        if desk is None or not await desk.send_agent_message(recipient_id, text):
            logger.warning("email not sent: no thread known for the conversation")


class EmailInput(InputChannel):
    """The support mailbox: one IMAP folder in, one SMTP server out."""

    @classmethod
    def name(cls) -> Text:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        settings = dict(credentials or {})
        missing = [key for key in ("address", "imap_host", "imap_user", "smtp_host")
                   if not settings.get(key)]
        if missing:
            raise ValueError(f"email channel: credentials.yml lacks {', '.join(missing)}")
        imap = MailServer(str(settings["imap_host"]), int(settings.get("imap_port", 993)),
                          str(settings["imap_user"]), os.environ.get(IMAP_PASSWORD_ENV, ""),
                          str(settings.get("imap_security", "ssl")))
        smtp = MailServer(str(settings["smtp_host"]), int(settings.get("smtp_port", 587)),
                          str(settings.get("smtp_user") or ""),
                          os.environ.get(SMTP_PASSWORD_ENV, ""),
                          str(settings.get("smtp_security", "starttls")))
        address = str(settings["address"]).strip().lower()
        mailbox = MailboxSettings(
            address=address, team=str(settings.get("team") or "Customer service"),
            chat_url=str(settings.get("chat_url") or ""),
            own_addresses=tuple(str(a).strip().lower()
                                for a in settings.get("own_addresses") or ()),
            outgoing_limit=Limit(int(settings.get("emails_per_hour", 4)), 3600),
            authserv_id=str(settings.get("authserv_id") or "").strip().lower())
        return cls(ImapMailbox(imap, str(settings.get("mailbox") or "INBOX")), SmtpSender(smtp),
                   mailbox, float(settings.get("poll_seconds", 30)),
                   public_url=str(settings.get("public_url") or ""))

    def __init__(self, inbox: ImapMailbox, outbox: SmtpSender, mailbox: MailboxSettings,
                 poll_seconds: float = 30, public_url: str = "") -> None:
        self.inbox = inbox
        self.outbox = outbox
        self.mailbox = mailbox
        self.poll_seconds = poll_seconds
        #: Where shoppers' browsers reach this server (the rating links); '' for no links.
        self.public_url = public_url
        self.desk: Optional[EmailDesk] = None
        self._poller: Optional["asyncio.Task[None]"] = None

    def get_output_channel(self) -> OutputChannel:
        return ScopedOutput(EmailOutput(self), self.name())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        mail = Blueprint("email_webhook", __name__)
        on_new_message = scope_messages(self.name(), on_new_message)

        @mail.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self._poller else "stopped"})

        @mail.route("/rating/<token>", methods=["GET"])
        async def rate(request: Request, token: str) -> HTTPResponse:
            return self.rating(token, request.headers.get("accept-language"))

        @mail.listener("after_server_start")
        async def start_polling(app: Sanic, _: Any) -> None:
            self.desk = self.build_desk(_understanding(app), _conversation(on_new_message),
                                        _recording(app))
            self._poller = asyncio.ensure_future(self.poll_forever(lambda: _ready(app)))

        @mail.listener("before_server_stop")
        async def stop_polling(_: Sanic, __: Any) -> None:
            if self._poller is not None:
                self._poller.cancel()
                self._poller = None

        return mail

    def build_desk(self, understand: Callable[[str], Awaitable[Understanding]],
                   converse: Callable[[str, str, Dict[str, Any]],
                                      Awaitable[List[Dict[str, Any]]]],
                   record: Optional[Record] = None) -> EmailDesk:
        """The desk that handles this mailbox's emails, with the process's services."""
        from bot.services import get_services
        from bot.text.language import detect

        services = get_services()
        return EmailDesk(self.mailbox, services.settings, services.orders, services.handoff,
                         services.limits, services.email, send=self.send,
                         understand=understand, converse=converse,
                         detect_language=lambda text: detect(text).language,
                         rating_links=self.rating_links(services.settings.session_secret),
                         record=record)

    def rating_links(self, secret: str) -> Optional[RatingLinks]:
        """The one-click rating links, or None (no rating emails) without a public URL or a
        secret to sign them with."""
        if not self.public_url or not secret:
            logger.warning("email channel: no public_url or SESSION_SECRET, so no rating "
                           "emails after resolved tickets")
            return None
        return RatingLinks.from_secret(secret, self.public_url)

    def rating(self, token: str, accept_language: Optional[str] = None) -> HTTPResponse:
        """The page a rating link lands on; the rating is recorded on the first click only."""
        from bot.services import get_services

        language = accepted_language(accept_language)
        links = self.desk.rating_links if self.desk is not None else None
        if links is None:  # this server sends no rating emails: no link can be its own
            result = RatingResult(400, "invalid", language)
        else:
            services = get_services()
            result = record_rating(token[:200], links, services.handoff, services.surveys,
                                   services.email, language)
        if result.status == 200:
            logger.info("rating recorded from an email link")
        return response.html(rating_page(result, self.mailbox.team), status=result.status,
                             headers=RATING_PAGE_HEADERS)

    async def send(self, message: EmailMessage) -> None:
        """Send one email on a worker thread; a failure is logged, never raised into a turn."""
        try:
            await _in_thread(self.outbox.send, message)
        except (smtplib.SMTPException, OSError) as error:
            logger.warning("email could not be sent: %s", type(error).__name__)

    async def poll_once(self) -> int:
        """Handle every new email of the mailbox once; returns how many there were."""
        assert self.desk is not None, "build_desk first"
        fetched = await _in_thread(self.inbox.fetch_unseen)
        for uid, raw in fetched:
            try:
                outcome = await self.desk.handle(raw)
                logger.info("email handled: %s", outcome.skipped or outcome.route)
            except Exception:  # one bad email must not stop the mailbox
                logger.exception("email could not be handled")
            # Seen once handled (or failed), so a crash repeats at most the current email.
            await _in_thread(self.inbox.mark_seen, [uid])
        return len(fetched)

    async def poll_forever(self, ready: Callable[[], bool] = lambda: True) -> None:
        """Poll until cancelled; a mailbox that cannot be reached is tried again next time.

        Args:
            ready: False while the model is not loaded: the emails then wait in the mailbox
                (unread, they are handled once it is), rather than all going to a person.
        """
        while True:
            try:
                if ready():
                    await self.poll_once()
            except (imaplib.IMAP4.error, OSError) as error:
                logger.warning("mailbox poll failed: %s", type(error).__name__)
            await asyncio.sleep(self.poll_seconds)


#: The rating page runs no script and loads nothing; the token in its address is not passed on.
RATING_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    # asyncio.to_thread arrived in Python 3.9; the project still runs on 3.8.
    return await asyncio.get_running_loop().run_in_executor(None, function, *args)


def _ready(app: Sanic) -> bool:
    agent = getattr(app.ctx, "agent", None)
    return agent is not None and agent.is_ready()


def _recording(app: Sanic) -> Record:
    """Appends a shopper's email to the conversation as a user turn the bot did not answer
    (a person will), with the slots the desk names (the ticket, the language)."""

    async def record(conversation: str, text: str, understood: Understanding,
                     slots: Dict[str, Any]) -> None:
        agent = getattr(app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            return
        async with agent.lock_store.lock(conversation):
            tracker = await agent.processor.fetch_tracker_with_initial_session(
                conversation, CollectingOutputChannel())
            tracker.update(UserUttered(
                text[:20_000], intent={"name": understood.intent,
                                       "confidence": understood.confidence},
                input_channel=CHANNEL))
            for name, value in slots.items():
                if name in tracker.slots:
                    tracker.update(SlotSet(name, value))
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
            await agent.tracker_store.save(tracker)

    return record


def _understanding(app: Sanic) -> Callable[[str], Awaitable[Understanding]]:
    async def understand(text: str) -> Understanding:
        agent = getattr(app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            return Understanding(None, 0.0)
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        return Understanding(intent.get("name"), float(intent.get("confidence") or 0.0))

    return understand


def _conversation(on_new_message: Callable[[UserMessage], Awaitable[Any]]
                  ) -> Callable[[str, str, Dict[str, Any]], Awaitable[List[Dict[str, Any]]]]:
    async def converse(conversation: str, text: str,
                       metadata: Dict[str, Any]) -> List[Dict[str, Any]]:
        collector = CollectingOutputChannel()
        address = conversation.split(":", 1)[1]
        await on_new_message(UserMessage(text[:10_000], collector, address,
                                         input_channel=CHANNEL, metadata=metadata))
        return collector.messages

    return converse
