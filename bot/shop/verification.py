"""Proof that an order is the shopper's: order number plus the email on it, guarded against
guessing, and how long the proof holds.

A failed pair counts against the order number, the email and the client (the channel's hashed
client identifier, else the conversation) in the shared attempt store, so the count holds across
conversations, processes and replicas. While any of them is over the limit nothing is checked,
not even a correct pair: a guesser learns nothing more until the cool-down has passed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, List, Optional, Tuple

from bot.limits import AttemptLimits, Key, Limit
from bot.shop.models import Order
from bot.shop.order_numbers import normalise_order_number
from bot.shop.service import OrderService, normalise_email

logger = logging.getLogger(__name__)

_CLOCK_SLACK_SECONDS = 60


@dataclass(frozen=True)
class Verification:
    """The outcome of one verification.

    Attributes:
        order: The order, when the pair matched.
        locked: What is over the limit ("client", "order" or "email"), when nothing was checked
            or this failure used up the last try.
        retry_after: Seconds until the locked key may try again.
    """

    order: Optional[Order] = None
    locked: Optional[str] = None
    retry_after: Optional[float] = None


def verification_keys(client: str, order_number: Optional[str] = None,
                      email: Optional[str] = None) -> List[Tuple[str, Key]]:
    """The limiter keys of an attempt, each with its kind; order and email only when given."""
    keys: List[Tuple[str, Key]] = [("client", ("verify-client", client))]
    number = normalise_order_number(order_number)
    if number:
        keys.append(("order", ("verify-order", number)))
    address = normalise_email(email)
    if address:
        keys.append(("email", ("verify-email", address)))
    return keys


class OrderVerifier:
    """Verifies order number and email pairs within the limit on failed attempts.

    Args:
        orders: The shop's rules (``OrderService.verify`` makes the actual comparison).
        limits: The shared attempt store.
        limit: Failed attempts allowed per key and window.
        clock: The current time (tests pass a fixed one).
    """

    def __init__(self, orders: OrderService, limits: AttemptLimits, limit: Limit,
                 clock: Callable[[], datetime] = datetime.now) -> None:
        self._orders = orders
        self._limits = limits
        self._limit = limit
        self._clock = clock

    def lock(self, client: str, order_number: Optional[str] = None,
             email: Optional[str] = None) -> Optional[Verification]:
        """The lock on any key of this attempt, or None while every key may still try."""
        now = self._clock()
        for kind, key in verification_keys(client, order_number, email):
            wait = self._limits.retry_after([key], self._limit, now=now)
            if wait is not None:
                return Verification(locked=kind, retry_after=wait)
        return None

    def refusal(self, client: str, order_number: Optional[str] = None,
                email: Optional[str] = None) -> Optional[Verification]:
        """Like :meth:`lock`, for an attempt that is refused: a lock is logged."""
        locked = self.lock(client, order_number, email)
        if locked is not None:
            # The kind only: the log must not tell who asked or which order was guessed at.
            logger.warning("verification locked (kind=%s)", locked.locked)
        return locked

    def verify(self, order_number: str, email: str, client: str) -> Verification:
        """Check the pair unless a key is locked; count a failure against every key.

        Args:
            order_number: The order number the shopper gave.
            email: The email address the shopper gave.
            client: Who is asking (hashed client identifier, else the conversation).

        Returns:
            The order when the pair matched; ``locked`` when nothing was checked or this failure
            reached the limit; neither after a failure with tries left.
        """
        locked = self.refusal(client, order_number, email)
        if locked is not None:
            return locked
        order = self._orders.verify(order_number, email=email)
        if order is not None:
            return Verification(order=order)
        self._limits.record([key for _, key in verification_keys(client, order_number, email)],
                            now=self._clock())
        # Said at once, rather than inviting a try that would then be refused.
        return self.refusal(client, order_number, email) or Verification()


def still_verified(order_id: Any, verified_at: Any, now: float, minutes: int) -> Optional[str]:
    """The verified order number while its proof holds, else None.

    Args:
        order_id: The order the conversation verified.
        verified_at: When (unix seconds); a proof without a time is no proof.
        now: The current unix time.
        minutes: How long a verification holds.
    """
    if not order_id or isinstance(verified_at, bool) \
            or not isinstance(verified_at, (int, float)):
        return None
    age = now - float(verified_at)
    # A little slack below zero for replicas whose clocks differ by a moment.
    return str(order_id) if -_CLOCK_SLACK_SECONDS <= age <= minutes * 60 else None
