"""Rasa NLU component wrapping :class:`bot.text.classifier_model.TextClassifierModel`.

It learns every retrieval intent's keys (``faq/return_policy``, ...) as classes of their own,
which separates the heterogeneous ``faq`` intent from the transactional ones far better than
one ``faq`` class, then reports ``faq`` with the summed confidence of its keys.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from functools import partial
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.runtime.nlu.embedding_store import training_vectors
from bot.runtime.nlu.language_detector import example_language
from bot.text.classifier_model import (
    TextClassifierModel,
    TextModelConfig,
    model_bytes,
    model_from_bytes,
)

logger = logging.getLogger(__name__)

_MODEL_FILE = "text_classifier.pkl"
_EMBEDDING = "sentence_embedding"


def _embedding_key(model: TextClassifierModel) -> str:
    return f"{_EMBEDDING}:{model.config.encoder}"


def has_embedding(message: Message, model: TextClassifierModel) -> bool:
    """Whether the message's embedding for ``model`` was already computed."""
    return message.get(_embedding_key(model)) is not None


def message_embedding(message: Message, model: TextClassifierModel) -> Optional[np.ndarray]:
    """The message's sentence embedding for ``model``: computed once per message and kept on it
    (not in the parse output), so that the intent classifier and the FAQ selector share it."""
    if not model.uses_embeddings:
        return None
    key = _embedding_key(model)
    vector = message.get(key)
    if vector is None:
        vector = model.embed([message.get(TEXT) or ""])[0]
        message.set(key, vector)
    return vector


def message_language(message: Message) -> Optional[str]:
    """The language the LanguageDetector found for the message (None before it ran)."""
    return (message.get("language") or {}).get("name")


def collapse_ranking(ranking: List[tuple], top: int = 10) -> List[Dict[str, Any]]:
    """Merge ``faq/<key>`` labels into their retrieval intent, summing confidences."""
    totals: Dict[str, float] = defaultdict(float)
    for label, confidence in ranking:
        totals[label.split("/", 1)[0]] += confidence
    ordered = sorted(totals.items(), key=lambda item: -item[1])[:top]
    return [{"name": name, "confidence": float(conf)} for name, conf in ordered]


def language_temperature(config: Dict[Text, Any], message: Message) -> Optional[float]:
    """The softmax temperature a component's ``language_temperatures`` set for the message's
    detected language (``None``: its ``temperature``)."""
    language = message_language(message)
    per_language = config.get("language_temperatures") or {}
    return float(per_language[language]) if language in per_language else None


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class ShopIntentClassifier(GraphComponent, IntentClassifier):
    """TF-IDF + linear SVM intent classifier: seconds to train, milliseconds to predict."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's settings, overridable in config.yml."""
        return {**TextModelConfig().component_defaults(),
                "language_temperatures": {}, "ranking_length": 10}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[TextClassifierModel] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ShopIntentClassifier":
        """Create an untrained component."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the model on every intent example and store it."""
        texts: List[str] = []
        labels: List[str] = []
        languages: List[str] = []
        for example in training_data.intent_examples:
            label = example.get(INTENT_RESPONSE_KEY) or example.get(INTENT)
            if example.get(TEXT) and label:
                texts.append(example.get(TEXT))
                labels.append(label)
                languages.append(example_language(example))
        if len(set(labels)) < 2:
            logger.warning("ShopIntentClassifier needs two or more intents; not trained.")
            return self._resource
        model = TextClassifierModel(TextModelConfig.from_component(self._config))
        self._model = model.fit(texts, labels, training_vectors(model, texts),
                                languages=languages)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _MODEL_FILE).write_bytes(model_bytes(self._model))
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "ShopIntentClassifier":
        """Load the trained model from the model storage."""
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                model = model_from_bytes((directory / _MODEL_FILE).read_bytes())
            model.warm_up()
        except (ValueError, FileNotFoundError):
            logger.warning("ShopIntentClassifier has no trained model; it will predict nothing.")
        return cls(config, model_storage, resource, model)


    def process(self, messages: List[Message]) -> List[Message]:
        """Set ``intent`` and ``intent_ranking`` on each message."""
        for message in messages:
            text = (message.get(TEXT) or "").strip()
            if self._model is None or not text:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set("intent_ranking", [], add_to_output=True)
                continue
            ranking = collapse_ranking(
                self._model.rank(text, top=len(self._model.labels),
                                 temperature=language_temperature(self._config, message),
                                 vector=partial(message_embedding, message, self._model),
                                 language=message_language(message)),
                top=int(self._config["ranking_length"]),
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages
