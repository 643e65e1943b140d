"""When the assistant says it did not understand: the fallback rule, shared by the NLU component
(bot/runtime/nlu/fallback.py) and the evaluation that chooses its settings.

A message falls back when its best intent's confidence is below ``threshold``, unless the
classifier is only torn between two of the shop's own intents: the two best intents, neither of
them ``out_of_scope``, hold at least ``pair_threshold`` of the confidence together ("my card has
not come, when will it": card delivery or card arrival). The likelier of the two is then kept.
An off-topic message spreads its confidence over many intents or gives much of it to
``out_of_scope``, and still falls back. A ``pair_threshold`` above 1 turns the exception off,
which is Rasa's FallbackClassifier (without its ambiguity threshold).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Tuple

OUT_OF_SCOPE = "out_of_scope"
#: A pair threshold that no two confidences reach: the plain threshold rule.
PAIR_OFF = 1.1


@dataclass(frozen=True)
class FallbackRule:
    threshold: float
    pair_threshold: float = PAIR_OFF

    @property
    def pair_label(self) -> str:
        """The pair threshold as reports print it: "none" when the exception is off."""
        return "none" if self.pair_threshold > 1 else f"{self.pair_threshold:g}"

    def torn_between_two(self, ranking: Sequence[Tuple[str, float]]) -> bool:
        """Whether the two best intents of ``ranking`` (best first), neither ``out_of_scope``,
        hold at least ``pair_threshold`` of the confidence together."""
        if len(ranking) < 2 or OUT_OF_SCOPE in (ranking[0][0], ranking[1][0]):
            return False
        return ranking[0][1] + ranking[1][1] >= self.pair_threshold

    def falls_back(self, ranking: Sequence[Tuple[str, float]]) -> bool:
        """Whether a message with this intent ranking (best first) falls back."""
        if not ranking:
            return True
        return ranking[0][1] < self.threshold and not self.torn_between_two(ranking)
