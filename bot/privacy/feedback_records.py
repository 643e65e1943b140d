"""Free-text feedback shoppers leave in the chat (bot.feedback), kept like survey answers."""

from __future__ import annotations

from typing import Collection, List, Protocol, Set, Tuple

from bot.privacy.base import Counts, Cutoffs, Shopper


class ForgettingFeedback(Protocol):
    """A feedback store that can forget (``bot.feedback.SQLiteFeedbackStore``)."""

    def delete_conversations(self, conversation_ids: Collection[str]) -> int:
        """Forget the feedback of these conversations."""

    def delete_older_than(self, unix_time: float) -> int:
        """Forget feedback given before this time."""

    def conversations_mentioning(self, text: str) -> List[Tuple[str, str]]:
        """(conversation id, text) of feedback that contains ``text``, any case."""


class FeedbackRecords:
    """The feedback store's part of erasure and retention."""

    def __init__(self, store: ForgettingFeedback) -> None:
        self.store = store

    def conversations_of(self, shopper: Shopper) -> Set[str]:
        """Conversations whose feedback gives the shopper's email address."""
        if not shopper.email:
            return set()
        return {conversation for conversation, text in
                self.store.conversations_mentioning(shopper.email) if shopper.mentioned_in(text)}

    def erase(self, shopper: Shopper, conversations: Collection[str]) -> Counts:
        """Delete the feedback of these conversations."""
        return {"feedback": self.store.delete_conversations(conversations)}

    def purge(self, cutoffs: Cutoffs) -> Counts:
        """Delete feedback older than the survey limit (it is the same kind of opinion)."""
        return {"feedback": self.store.delete_older_than(cutoffs.surveys.timestamp())}
