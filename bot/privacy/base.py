"""What every store of shopper data offers to erasure and retention: the ``ShopperData``
Protocol, who a request is about (``Shopper``) and the purge's time limits (``Cutoffs``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Collection, Dict, Iterable, List, Optional, Pattern, Protocol, Set, TypeVar

from bot.settings import Settings

#: Removed records by kind, e.g. ``{"tickets": 2, "ticket_notes": 3}``.
Counts = Dict[str, int]

#: Ids sent in one ``IN (...)`` list; well below every database's parameter limit.
CHUNK = 500

_Item = TypeVar("_Item")


@dataclass(frozen=True)
class Shopper:
    """Who an erasure request is about: exactly one of a conversation id (the channel's sender
    id), an email address or the shop's customer id."""

    sender: Optional[str] = None
    email: Optional[str] = None
    customer_id: Optional[str] = None

    def __post_init__(self) -> None:
        given = [name for name in ("sender", "email", "customer_id") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("name exactly one of sender, email or customer_id")
        value = getattr(self, given[0])
        if not isinstance(value, str) or not value.strip() or len(value) > 255:
            raise ValueError(f"'{given[0]}' must be a non-empty string of at most 255"
                             " characters")
        if self.email is not None:
            if "@" not in self.email or any(c.isspace() for c in self.email.strip()):
                raise ValueError("'email' must be an email address")
            object.__setattr__(self, "email", self.email.strip().lower())
        if self.customer_id is not None:
            object.__setattr__(self, "customer_id", self.customer_id.strip())

    @property
    def survey_keys(self) -> List[str]:
        """How the survey store names this shopper when the request is by customer id."""
        return [f"customer:{self.customer_id}"] if self.customer_id else []

    def mentioned_in(self, text: str) -> bool:
        """True when ``text`` names the shopper's email address (as a whole address)."""
        return bool(self.email) and email_pattern(self.email).search(text) is not None


def email_pattern(email: str) -> Pattern[str]:
    """Matches the address as a whole, any case: not ``joanna@x.fi`` for ``anna@x.fi``."""
    return re.compile(r"(?<![\w.+-])" + re.escape(email) + r"(?![\w-]|\.\w)", re.IGNORECASE)


def like_pattern(text: str) -> str:
    """A ``LIKE ... ESCAPE '!'`` pattern for rows whose lower-cased value contains ``text``."""
    escaped = text.lower().replace("!", "!!").replace("%", "!%").replace("_", "!_")
    return f"%{escaped}%"


def chunks(items: Iterable[_Item], size: int = CHUNK) -> Iterable[List[_Item]]:
    """The items in lists of at most ``size`` (for ``IN (...)`` lists)."""
    batch: List[_Item] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class Cutoffs:
    """Records from before these times are past their retention (local time, as stored)."""

    now: datetime
    conversations: datetime
    tickets: datetime
    review: datetime
    surveys: datetime
    survey_memory: datetime
    attempts: datetime

    @classmethod
    def from_settings(cls, settings: Settings, now: Optional[datetime] = None) -> "Cutoffs":
        """The limits of ``settings.retention`` counted back from ``now``.

        A shopper's survey memory ("no thanks", when NPS was last asked) is kept while it still
        has an effect, but never longer than the survey answers. Rate-limit attempts matter only
        inside the longest limit window (the login back-off's included).
        """
        now = now or datetime.now()
        retention, surveys, limits = settings.retention, settings.surveys, settings.limits
        memory_days = min(retention.surveys_days,
                          max(surveys.decline_days, surveys.nps_period_days))
        # The console's login back-off looks back over up to eight login windows.
        window = max(limits.verify_window_seconds, limits.tickets_window_seconds,
                     8 * limits.login_window_seconds)
        return cls(now=now,
                   conversations=now - timedelta(days=retention.conversations_days),
                   tickets=now - timedelta(days=retention.tickets_days),
                   review=now - timedelta(days=retention.review_days),
                   surveys=now - timedelta(days=retention.surveys_days),
                   survey_memory=now - timedelta(days=memory_days),
                   attempts=now - timedelta(seconds=window))


class ShopperData(Protocol):
    """One store's part of what the assistant keeps about shoppers."""

    def conversations_of(self, shopper: Shopper) -> Set[str]:
        """Conversation ids this store links to the shopper's email address or customer id."""

    def erase(self, shopper: Shopper, conversations: Collection[str]) -> Counts:
        """Remove the records of these conversations and those naming the shopper."""

    def purge(self, cutoffs: Cutoffs) -> Counts:
        """Remove the records that are past their retention."""
