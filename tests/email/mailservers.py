"""Real mail servers on loopback for the email channel's tests (bot/tools/localservers.py):
Dovecot holds the support mailbox, aiosmtpd receives what the assistant sends. Each comes as a
fixture per test and per module (the end-to-end tests share one pair with one running Rasa
server)."""

from __future__ import annotations

from typing import Iterator

import pytest

from bot.tools.localservers import DovecotServer, SmtpReceiver


def _dovecot() -> Iterator[DovecotServer]:
    try:
        server = DovecotServer()
    except RuntimeError as error:
        pytest.skip(str(error))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def imap_server() -> Iterator[DovecotServer]:
    """Dovecot on a free loopback port, stopped (with its children) after the test."""
    yield from _dovecot()


@pytest.fixture
def smtp_server() -> Iterator[SmtpReceiver]:
    """aiosmtpd on a free loopback port (its own thread), stopped after the test."""
    yield from _smtp()


@pytest.fixture(scope="module")
def module_imap_server() -> Iterator[DovecotServer]:
    """One Dovecot for all the tests of a module."""
    yield from _dovecot()


@pytest.fixture(scope="module")
def module_smtp_server() -> Iterator[SmtpReceiver]:
    """One aiosmtpd for all the tests of a module."""
    yield from _smtp()
