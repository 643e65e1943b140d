"""The mailbox itself: fetching new emails over IMAP and sending over SMTP (blocking calls of the
standard library; the channel runs them on a worker thread)."""

from __future__ import annotations

import imaplib
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import List, Sequence, Tuple

#: How a connection is secured: TLS from the start, STARTTLS, or not at all (loopback tests).
SECURITY = ("ssl", "starttls", "none")


@dataclass(frozen=True)
class MailServer:
    """One server the assistant logs in to.

    Attributes:
        host: Host name.
        port: Port.
        user: Login name ('' for no login, SMTP only).
        password: From the environment, never from a file in the repository.
        security: ``ssl``, ``starttls`` or ``none``.
    """

    host: str
    port: int
    user: str = ""
    password: str = ""
    security: str = "ssl"

    def __post_init__(self) -> None:
        if self.security not in SECURITY:
            raise ValueError(f"security must be one of {', '.join(SECURITY)}")


class ImapMailbox:
    """New emails of one IMAP folder, marked as seen once they have been handled."""

    def __init__(self, server: MailServer, folder: str = "INBOX", timeout: float = 30) -> None:
        self.server = server
        self.folder = folder
        self.timeout = timeout

    def _connect(self) -> imaplib.IMAP4:
        server = self.server
        if server.security == "ssl":
            connection: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                server.host, server.port, ssl_context=ssl.create_default_context(),
                timeout=self.timeout)
        else:
            connection = imaplib.IMAP4(server.host, server.port, timeout=self.timeout)
            if server.security == "starttls":
                connection.starttls(ssl.create_default_context())
        connection.login(server.user, server.password)
        connection.select(self.folder)
        return connection

    def fetch_unseen(self, limit: int = 50) -> List[Tuple[bytes, bytes]]:
        """Up to ``limit`` unseen emails, oldest first, as ``(uid, raw message)``; they stay
        unseen until :meth:`mark_seen`."""
        connection = self._connect()
        try:
            _, data = connection.uid("SEARCH", "UNSEEN")
            uids = (data[0] or b"").split()[:limit]
            found: List[Tuple[bytes, bytes]] = []
            for uid in uids:
                _, parts = connection.uid("FETCH", uid, "(BODY.PEEK[])")
                raw = next((part[1] for part in parts if isinstance(part, tuple)), None)
                if raw is not None:
                    found.append((uid, raw))
            return found
        finally:
            _logout(connection)

    def mark_seen(self, uids: Sequence[bytes]) -> None:
        """Mark handled emails as seen, so that the next poll skips them."""
        if not uids:
            return
        connection = self._connect()
        try:
            connection.uid("STORE", b",".join(uids), "+FLAGS", "(\\Seen)")
        finally:
            _logout(connection)


def _logout(connection: imaplib.IMAP4) -> None:
    try:
        connection.logout()
    except (imaplib.IMAP4.error, OSError):
        pass


class SmtpSender:
    """Sends emails through one SMTP server."""

    def __init__(self, server: MailServer, timeout: float = 30) -> None:
        self.server = server
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        """Send one email (raises ``smtplib.SMTPException`` or ``OSError`` on failure)."""
        server = self.server
        context = ssl.create_default_context()
        if server.security == "ssl":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port,
                                                        timeout=self.timeout, context=context)
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=self.timeout)
        with connection:
            if server.security == "starttls":
                connection.starttls(context=context)
            if server.user:
                connection.login(server.user, server.password)
            connection.send_message(message)
