"""Rasa NLU component: pick the answer of a retrieval intent (``faq/<key>``) with a linear model.

A drop-in for Rasa's ``ResponseSelector`` scoped to one retrieval intent: it writes the same
``response_selector`` output (``all_retrieval_intents``, and under the retrieval intent the
chosen ``response`` with its ``confidence``, ``intent_response_key``, ``utter_action`` and
``responses``, plus a ``ranking``), so the actions, the evaluation and Rasa's own
``full_retrieval_intent_name`` work unchanged. The model is
:class:`bot.text.classifier_model.TextClassifierModel` trained on the retrieval intent's examples
only, so the confidence is that of one answer among the intent's answers, as with Rasa's
selector. It trains in seconds and answers in about a millisecond, without TensorFlow.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.runtime.nlu.classifier import (
    has_embedding,
    language_temperature,
    message_embedding,
    message_language,
)
from bot.runtime.nlu.embedding_store import training_vectors
from bot.runtime.nlu.language_detector import example_language
from bot.text.classifier_model import (
    TextClassifierModel,
    TextModelConfig,
    model_bytes,
    model_from_bytes,
)

logger = logging.getLogger(__name__)

_MODEL_FILE = "response_model.pkl"
_RESPONSES_FILE = "responses.json"
#: Keys of Rasa's response selector output (rasa.nlu.selectors.response_selector).
SELECTOR_PROPERTY = "response_selector"
RETRIEVAL_INTENTS = "all_retrieval_intents"


def utter_action(intent_response_key: str) -> str:
    """``faq/return_policy`` -> ``utter_faq/return_policy``, the response's name."""
    return f"utter_{intent_response_key}"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class ShopResponseSelector(GraphComponent):
    """TF-IDF + linear SVM response selector for one retrieval intent."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        """The component's settings, overridable in config.yml."""
        return {"retrieval_intent": "faq", **TextModelConfig().component_defaults(),
                "language_temperatures": {}, "ranking_length": 10}

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[TextClassifierModel] = None,
        responses: Optional[Dict[Text, List[Dict[Text, Any]]]] = None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._responses = responses or {}

    @property
    def retrieval_intent(self) -> str:
        return str(self._config["retrieval_intent"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ShopResponseSelector":
        """Create an untrained component."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the model on the retrieval intent's examples and keep their responses."""
        texts: List[str] = []
        labels: List[str] = []
        languages: List[str] = []
        for example in training_data.intent_examples:
            key = example.get(INTENT_RESPONSE_KEY)
            if example.get(INTENT) == self.retrieval_intent and key and example.get(TEXT):
                texts.append(example.get(TEXT))
                labels.append(key)
                languages.append(example_language(example))
        if len(set(labels)) < 2:
            logger.warning(f"ShopResponseSelector needs two or more '{self.retrieval_intent}'"
                           " answers with examples; not trained.")
            return self._resource
        model = TextClassifierModel(TextModelConfig.from_component(self._config))
        self._model = model.fit(texts, labels, training_vectors(model, texts),
                                languages=languages)
        self._responses = {name: list(variations)
                           for name, variations in training_data.responses.items()
                           if name in {utter_action(label) for label in set(labels)}}
        with self._model_storage.write_to(self._resource) as directory:
            (directory / _MODEL_FILE).write_bytes(model_bytes(self._model))
            (directory / _RESPONSES_FILE).write_text(json.dumps(self._responses),
                                                     encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "ShopResponseSelector":
        """Load the trained model and the responses from the model storage."""
        model, responses = None, {}
        try:
            with model_storage.read_from(resource) as directory:
                model = model_from_bytes((directory / _MODEL_FILE).read_bytes())
                responses = json.loads((directory / _RESPONSES_FILE).read_text("utf-8"))
            model.warm_up()
        except (ValueError, FileNotFoundError):
            logger.warning("ShopResponseSelector has no trained model; it selects nothing.")
        return cls(config, model_storage, resource, model, responses)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        """Add the retrieval intent's best answer and ranking to ``response_selector``."""
        if self._model is None:
            return messages
        for message in messages:
            text = (message.get(TEXT) or "").strip()
            if not text:
                continue
            # The answer is used only when the message's intent is this retrieval intent; for
            # other messages the TF-IDF model's guess is enough, unless the embedding is there.
            wanted = (message.get(INTENT) or {}).get("name") == self.retrieval_intent
            ranking = self._model.rank(
                text, top=int(self._config["ranking_length"]),
                temperature=language_temperature(self._config, message),
                vector=partial(message_embedding, message, self._model),
                plain_only=not wanted and not has_embedding(message, self._model),
                language=message_language(message))
            key, confidence = ranking[0]
            prediction = {
                "response": {
                    "responses": self._responses.get(utter_action(key)) or [{TEXT: key}],
                    "confidence": confidence,
                    INTENT_RESPONSE_KEY: key,
                    "utter_action": utter_action(key),
                },
                "ranking": [{"id": self._model.labels.index(label), "confidence": conf,
                             INTENT_RESPONSE_KEY: label} for label, conf in ranking],
            }
            selector = dict(message.get(SELECTOR_PROPERTY) or {})
            intents = list(selector.get(RETRIEVAL_INTENTS) or [])
            if self.retrieval_intent not in intents:
                intents.append(self.retrieval_intent)
            selector[RETRIEVAL_INTENTS] = intents
            selector[self.retrieval_intent] = prediction
            message.set(SELECTOR_PROPERTY, selector, add_to_output=True)
        return messages
