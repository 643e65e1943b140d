"""Email as a channel: reading the support mailbox's emails, deciding what to do with each
(answer, send an order's status to the order's own address, hand to a person, or nothing for
robots) and writing the replies. No Rasa imports: the channel in
``bot/runtime/channels/email.py`` wires this to the dialogue."""

from bot.email.desk import CHANNEL, EmailDesk, MailboxSettings, Outcome
from bot.email.mailbox import ImapMailbox, MailServer, SmtpSender
from bot.email.parse import InboundEmail, parse_email, split_reply
from bot.email.triage import Route, Understanding, automated_reason, route

__all__ = [
    "CHANNEL", "EmailDesk", "ImapMailbox", "InboundEmail", "MailServer", "MailboxSettings",
    "Outcome", "Route", "SmtpSender", "Understanding", "automated_reason", "parse_email",
    "route", "split_reply",
]
