"""Every store that keeps shopper data, for erasing one shopper and purging old records."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Dict, List, Optional, Sequence, Set

from bot.privacy.base import Counts, Cutoffs, Shopper, ShopperData
from bot.privacy.feedback_records import FeedbackRecords
from bot.privacy.queue_records import (
    AttemptRecords,
    EmailThreadRecords,
    ReviewRecords,
    ShopEventRecords,
    SurveyRecords,
    TicketRecords,
)
from bot.privacy.tracker_events import TrackerEvents
from bot.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Report:
    """What an erasure or a purge removed, by kind of record, and which stores failed."""

    removed: Counts
    failed: List[str] = field(default_factory=list)
    conversations: int = 0  # erasure: the conversations found to be the shopper's

    def as_dict(self) -> Dict[str, Any]:
        """The report as the API and the CLI give it."""
        return {"conversations": self.conversations, "removed": dict(self.removed),
                "failed": list(self.failed)}


class ShopperRecords:
    """The stores of shopper data, each behind the ``ShopperData`` Protocol."""

    def __init__(self, stores: Sequence[ShopperData]) -> None:
        self.stores = list(stores)

    def conversations_of(self, shopper: Shopper) -> Set[str]:
        """The conversation ids that belong to the shopper, as far as any store can tell."""
        found = {shopper.sender} if shopper.sender else set()
        if shopper.email or shopper.customer_id:
            for store in self.stores:
                found |= store.conversations_of(shopper)
        return found

    def erase(self, shopper: Shopper) -> Report:
        """Remove everything kept about one shopper, from every store.

        Each store is tried even when another fails; run it again after fixing the failure
        (what is gone stays gone, the rest is found again).
        """
        conversations = self.conversations_of(shopper)
        report = self._each("erase", lambda store: store.erase(shopper, conversations))
        return Report(report.removed, report.failed, len(conversations))

    def purge(self, cutoffs: Cutoffs) -> Report:
        """Remove from every store what is past its retention."""
        return self._each("purge", lambda store: store.purge(cutoffs))

    def _each(self, what: str, call: Callable[[ShopperData], Counts]) -> Report:
        removed: Counts = {}
        failed: List[str] = []
        for store in self.stores:
            name = type(store).__name__
            try:
                counts = call(store)
            except Exception as error:  # noqa: BLE001 - the other stores still get their turn
                # The type only: database errors quote their parameters (emails, ids).
                logger.error("%s of %s failed: %s", what, name, type(error).__name__)
                failed.append(name)
                continue
            for kind, count in counts.items():
                removed[kind] = removed.get(kind, 0) + count
        return Report(removed, failed)


def build_shopper_records(settings: Settings, queue: Any) -> ShopperRecords:
    """The stores named by ``settings``, with the queue store already open.

    Args:
        settings: Where the tracker store is.
        queue: The handoff queue store (``SQLHandoffQueue``): tickets, surveys, review items,
            shop events, feedback, rate-limit attempts and email threads live in its database.
    """
    stores: List[ShopperData] = []
    if settings.tracker_store_url:
        stores.append(TrackerEvents(settings.tracker_store_url, settings.customer_token_secret))
    else:
        logger.warning("the tracker store is not an SQL store: conversations are neither"
                       " purged nor erased here")
    stores += [TicketRecords(queue), SurveyRecords(queue), ReviewRecords(queue),
               ShopEventRecords(queue), AttemptRecords(queue), EmailThreadRecords(queue)]
    stores.append(FeedbackRecords(queue))
    return ShopperRecords(stores)


def purge_expired(records: ShopperRecords, settings: Settings,
                  now: Optional[datetime] = None) -> Report:
    """Run the retention purge for ``settings.retention`` as of ``now``."""
    return records.purge(Cutoffs.from_settings(settings, now))
