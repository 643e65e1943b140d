"""The support mailbox: from an email landing in the mailbox to the assistant's reply being sent.

The whole path runs for real: Dovecot holds the mailbox, the running Rasa server (trained model,
actions) polls it with the email channel, and aiosmtpd receives what the channel sends. A
message "lands" when its IMAP APPEND has finished; it is answered when the reply (the email whose
In-Reply-To is the message's Message-ID) has reached the SMTP server. Both moments are read from
one clock in this process.

The channel polls (Python's imaplib has no IMAP IDLE before 3.14), so the figure is the wait for
the next poll plus the handling. Two runs: polling every second with the messages one after
another (what handling costs), and the channel's default interval with the messages arriving at
random moments, as a busy mailbox gets them (what a shopper waits).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from email.utils import make_msgid
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

from bot.tools.benchmarks.speed import Latencies
from bot.tools.localservers import DovecotServer, SmtpReceiver
from bot.tools.ports import free_port
from bot.tools.run import Stack

#: The channel's default poll interval (credentials.yml ``poll_seconds``).
DEFAULT_POLL_SECONDS = 30.0

#: What shoppers write: questions from the knowledge base in the six languages, order
#: questions (the order's details go to its own address, the sender gets a short note) and a
#: complaint (a ticket, and an acknowledgement).
QUESTIONS = [
    "How long does delivery take to Finland?",
    "What is your return policy?",
    "Which payment methods do you accept?",
    "Kuinka kauan toimitus kestää?",
    "Voinko palauttaa tuotteen?",
    "Teslimat ne kadar sürer?",
    "Скільки триває доставка?",
    "Berapa lama pengiriman ke Finlandia?",
    "Hvor lang tid tar leveringen?",
    "Hello, where is my order 10023?",
    "Hei, missä tilaukseni 10024 on?",
    "This is unacceptable, the jacket arrived torn and I want my money back.",
]


@dataclass
class Run:
    """One run's latencies and how many messages got no reply in time."""

    poll_seconds: float
    spacing: str
    latencies: Latencies
    unanswered: int


def email(text: str, sender: str) -> Tuple[str, bytes]:
    """A shopper's email as a mail client writes it, and its Message-ID."""
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = f"Shopper <{sender}>"
    message["To"] = "support@shop.test"
    message["Subject"] = "Question"
    message_id = make_msgid(domain="client.test")
    message["Message-ID"] = message_id
    message.set_content(text)
    return message_id, bytes(message)


def _reply_arrival(smtp: SmtpReceiver, message_id: str) -> Optional[float]:
    for message, arrived in zip(list(smtp.received), list(smtp.arrived)):
        if message["In-Reply-To"] == message_id:
            return arrived
    return None


def measure(imap: DovecotServer, smtp: SmtpReceiver, count: int, spread_seconds: float,
            timeout: float, rng: random.Random, tag: str) -> Tuple[Latencies, int]:
    """Deliver ``count`` emails and time each until its reply was received.

    Args:
        spread_seconds: 0: one after another (each 0-1 s after the reply to the one before);
            else each at a random moment of this many seconds.
    """
    landed: Dict[str, float] = {}
    started = time.monotonic()
    plan = sorted(rng.uniform(0, spread_seconds) for _ in range(count)) if spread_seconds \
        else [0.0] * count
    for index, offset in enumerate(plan):
        if spread_seconds:
            time.sleep(max(0.0, started + offset - time.monotonic()))
        else:
            time.sleep(rng.uniform(0, 1))
        message_id, raw = email(QUESTIONS[index % len(QUESTIONS)],
                                f"shopper-{tag}-{index}@example.com")
        imap.deliver(raw)
        landed[message_id] = time.monotonic()
        if not spread_seconds:
            _wait(lambda m=message_id: _reply_arrival(smtp, m) is not None, timeout)
    deadline = time.monotonic() + timeout
    _wait(lambda: all(_reply_arrival(smtp, m) for m in landed), max(0.0, deadline -
                                                                     time.monotonic()))
    seconds = []
    for message_id, at in landed.items():
        arrived = _reply_arrival(smtp, message_id)
        if arrived is not None:
            seconds.append(arrived - at)
    return Latencies(seconds, wall=time.monotonic() - started), count - len(seconds)


def _wait(done: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def run_once(work: Path, model: Path, poll_seconds: float, count: int,
             spread_seconds: float, seed: int = 7) -> Run:
    """Start the mail servers and the assistant with the email channel, then measure."""
    imap, smtp = DovecotServer(), SmtpReceiver()
    imap.start()
    smtp.start()
    rasa_port = free_port()
    stack = Stack(
        rasa_port=rasa_port, actions_port=free_port(), console_port=free_port(),
        var_dir=work / f"var-email-{poll_seconds:g}", model=model,
        extra_env={"EMAIL_IMAP_PASSWORD": imap.password},
        endpoints_overrides={"handoff": {"hours": {day: "00:00-23:59" for day in (
            "mon", "tue", "wed", "thu", "fri", "sat", "sun")}}},
        credentials_overrides={"bot.runtime.channels.mail.EmailInput": {
            "address": imap.user, "team": "Northwind", "chat_url": "https://shop.test/#chat",
            "imap_host": "127.0.0.1", "imap_port": imap.port, "imap_user": imap.user,
            "imap_security": "none", "smtp_host": "127.0.0.1", "smtp_port": smtp.port,
            "smtp_security": "none", "poll_seconds": poll_seconds,
            # the order owner gets one email per order question: not the limit measured here
            "emails_per_hour": 10_000, "public_url": f"http://127.0.0.1:{rasa_port}"}})
    try:
        stack.start()
        stack.wait_until_ready(timeout=300)
        rng = random.Random(seed)
        # One message first, so that the model's first parse is not in the figures.
        measure(imap, smtp, 1, 0, 120 + poll_seconds, rng, "warm")
        latencies, unanswered = measure(imap, smtp, count, spread_seconds,
                                        120 + 2 * poll_seconds, rng, f"p{poll_seconds:g}")
    finally:
        stack.stop()
        smtp.stop()
        imap.stop()
    spacing = (f"at random moments of {spread_seconds:.0f} s" if spread_seconds
               else "one after another")
    return Run(poll_seconds, spacing, latencies, unanswered)


def run(say: Callable[[str], None], work: Path, model: Path, count: int = 100) -> List[Run]:
    """The section of ``make bench``."""
    say("### Email: from the mailbox to the reply\n")
    try:
        DovecotServer()
    except RuntimeError as error:
        say(f"Not measured: {error}.\n")
        return []
    say(f"{count} emails (questions from the knowledge base in the six languages, order"
        " questions, a complaint), each from its own address, put into a Dovecot mailbox with"
        " IMAP APPEND; the running assistant (trained model, actions) reads the mailbox with the"
        " email channel and sends through a local SMTP server (aiosmtpd). Time from the end of"
        " the APPEND to the reply's arrival at the SMTP server. The channel polls (imaplib has"
        " no IDLE before Python 3.14): the wait for the next poll is part of the figure.\n")
    say("| poll interval | emails arrive | p50 / p99 | no reply |")
    say("|---|---|---|---|")
    runs = [run_once(work, model, 1.0, count, 0),
            run_once(work, model, DEFAULT_POLL_SECONDS, count, 300)]
    for result in runs:
        say(f"| {result.poll_seconds:g} s | {result.spacing} |"
            f" {result.latencies.p50 / 1000:.1f} / {result.latencies.p99 / 1000:.1f} s |"
            f" {result.unanswered} |")
    say("")
    return runs
