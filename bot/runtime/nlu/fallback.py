"""Rasa NLU component: Rasa's FallbackClassifier, which also tells a message about the shop that
the classifier is unsure of from a message about nothing the shop does (bot/text/fallback_rule.py).

``pair_threshold`` is chosen with ``threshold`` by cross-validation on the training data
(``python -m bot.tools.evaluation --cross-validate``); without it this is Rasa's component.
"""

from __future__ import annotations

from typing import Any, Dict, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import (
    AMBIGUITY_THRESHOLD_KEY,
    THRESHOLD_KEY,
    FallbackClassifier,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

from bot.text.fallback_rule import PAIR_OFF, FallbackRule

PAIR_THRESHOLD_KEY = "pair_threshold"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class ShopFallbackClassifier(FallbackClassifier):
    """FallbackClassifier that keeps the best intent of a message torn between two shop intents."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**FallbackClassifier.get_default_config(), PAIR_THRESHOLD_KEY: PAIR_OFF}

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._rule = FallbackRule(float(config[THRESHOLD_KEY]),
                                  float(config.get(PAIR_THRESHOLD_KEY, PAIR_OFF)))

    def _should_fallback(self, message: Message) -> bool:
        intent = message.data.get(INTENT) or {}
        ranking = [(entry.get(INTENT_NAME_KEY), entry.get(PREDICTED_CONFIDENCE_KEY) or 0.0)
                   for entry in message.data.get(INTENT_RANKING_KEY) or []]
        if not ranking:
            ranking = [(intent.get(INTENT_NAME_KEY), intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0)]
        if self._rule.falls_back(ranking):
            return True
        # Rasa's ambiguity threshold, when one is set.
        return bool(self.component_config.get(AMBIGUITY_THRESHOLD_KEY)) and (
            self._nlu_prediction_ambiguous(message)[0])
