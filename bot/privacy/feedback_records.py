"""Free-text feedback shoppers leave in the chat (bot.feedback), kept like survey answers."""

from __future__ import annotations

from typing import Collection, Set

from bot.feedback import FeedbackStore
from bot.privacy.base import Counts, Cutoffs, Shopper


class FeedbackRecords:
    """The feedback store's part of erasure and retention."""

    def __init__(self, store: FeedbackStore) -> None:
        self.store = store

    def conversations_of(self, shopper: Shopper) -> Set[str]:
        """Conversations whose feedback gives the shopper's email address."""
        if not shopper.email:
            return set()
        return {conversation for conversation, text in
                self.store.feedback_mentioning(shopper.email) if shopper.mentioned_in(text)}

    def erase(self, shopper: Shopper, conversations: Collection[str]) -> Counts:
        """Delete the feedback of these conversations."""
        return {"feedback": self.store.delete_feedback_of(conversations)}

    def purge(self, cutoffs: Cutoffs) -> Counts:
        """Delete feedback older than the survey limit (it is the same kind of opinion)."""
        return {"feedback": self.store.delete_feedback_before(cutoffs.surveys.timestamp())}
