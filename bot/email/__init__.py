"""Email as a channel: reading the support mailbox's emails, deciding what to do with each
(answer, send an order's status to the order's own address, hand to a person, or nothing for
robots), writing the replies, remembering each conversation's thread, and the one-click rating
after a resolved ticket. No Rasa imports: the channel in ``bot/runtime/channels/mail.py`` wires
this to the dialogue."""

from bot.email.desk import CHANNEL, EmailDesk, MailboxSettings, Outcome
from bot.email.mailbox import ImapMailbox, MailServer, SmtpSender
from bot.email.parse import InboundEmail, parse_email, split_reply
from bot.email.ratings import RatingLinks, RatingResult, rating_page, record_rating
from bot.email.store import EMAIL_SCHEMA, EmailStore, EmailThread, SQLEmailStore
from bot.email.triage import Route, Understanding, automated_reason, route

__all__ = [
    "CHANNEL", "EMAIL_SCHEMA", "EmailDesk", "EmailStore", "EmailThread", "ImapMailbox",
    "InboundEmail", "MailServer", "MailboxSettings", "Outcome", "RatingLinks", "RatingResult",
    "Route", "SQLEmailStore", "SmtpSender", "Understanding", "automated_reason", "parse_email",
    "rating_page", "record_rating", "route", "split_reply",
]
