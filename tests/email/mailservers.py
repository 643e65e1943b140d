"""Real mail servers on loopback for the email channel's tests: Dovecot (IMAP) with a temporary
configuration, and aiosmtpd as the SMTP server that keeps what the assistant sends."""

from __future__ import annotations

import email
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Iterator, List

import pytest

DOVECOT = "/usr/sbin/dovecot"
USER, PASSWORD = "support@shop.test", "imap-test-password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Imap:
    """A running Dovecot with one mailbox."""

    port: int
    user: str = USER
    password: str = PASSWORD

    def deliver(self, raw: bytes) -> None:
        """Put an email into the inbox, as the shop's mail server would."""
        connection = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            connection.login(self.user, self.password)
            connection.append("INBOX", None, None, raw)
        finally:
            connection.logout()

    def unseen(self) -> int:
        connection = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            connection.login(self.user, self.password)
            connection.select("INBOX")
            _, data = connection.uid("SEARCH", "UNSEEN")
            return len((data[0] or b"").split())
        finally:
            connection.logout()


def _dovecot_config(root: Path, port: int) -> Path:
    mail_user = pwd.getpwnam("dovecot")
    (root / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    for name in ("run", "state", "mail"):
        (root / name).mkdir()
    os.chown(root / "mail", mail_user.pw_uid, mail_user.pw_gid)
    config = root / "dovecot.conf"
    config.write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%n
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = {root}/users
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={root}/mail/%n
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
""")
    return config


@pytest.fixture
def imap_server() -> Iterator[Imap]:
    """Dovecot on a free loopback port, stopped (with its children) after the test."""
    if not Path(DOVECOT).exists() or os.geteuid() != 0:
        pytest.skip("needs Dovecot as root (scripts/install-test-deps.sh installs it)")
    # Not under pytest's tmp dir: that is private to root, and Dovecot's own processes (its
    # unprivileged users) must read the password file and the mailbox.
    root = Path(tempfile.mkdtemp(prefix="shop-assistant-dovecot-"))
    os.chmod(root, 0o755)
    port = free_port()
    config = _dovecot_config(root, port)
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = root / "dovecot.log"
                    raise RuntimeError("dovecot did not start: " + (
                        log.read_text()[-2000:] if log.exists() else "no log")) from None
                time.sleep(0.1)
        yield Imap(port)
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Smtp:
    """An SMTP server that keeps every email it receives."""

    port: int
    received: List[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.received.append(message)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[Smtp]:
    """aiosmtpd on a free loopback port (its own thread), stopped after the test."""
    from aiosmtpd.controller import Controller

    smtp = Smtp(free_port())
    controller = Controller(smtp, hostname="127.0.0.1", port=smtp.port)
    controller.start()
    try:
        yield smtp
    finally:
        controller.stop()
