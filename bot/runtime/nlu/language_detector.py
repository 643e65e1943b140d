"""Rasa NLU component: detect each message's language (see bot.text.language).

Trained on the training examples' ``metadata: {language: xx}`` (English when absent); adds
``language`` with a ranking to the parse result, which the action server turns into the
conversation's sticky language.
"""

from __future__ import annotations

import logging
import pickle
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.text.language import LanguageModel, detect, load_detector

logger = logging.getLogger(__name__)
_MODEL_FILE = "language_model.pkl"


def example_language(example: Message) -> str:
    """The language a training example was written in, from its intent metadata."""
    metadata = example.get("metadata") or {}
    for part in (metadata.get("example"), metadata.get("intent"), metadata):
        if isinstance(part, dict) and part.get("language") in LANGUAGES:
            return part["language"]
    return DEFAULT_LANGUAGE


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=True
)
class LanguageDetector(GraphComponent):
    """Adds ``language: {name, confidence, ranking}`` to every parsed message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def __init__(self, model_storage: ModelStorage, resource: Resource,
                 model: Optional[LanguageModel] = None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LanguageDetector":
        return cls(model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        texts, languages = [], []
        for example in training_data.intent_examples:
            if example.get(TEXT):
                texts.append(example.get(TEXT))
                languages.append(example_language(example))
        if len(set(languages)) >= 2:
            self._model = LanguageModel().fit(texts, languages)
            with self._model_storage.write_to(self._resource) as directory:
                (directory / _MODEL_FILE).write_bytes(pickle.dumps(self._model))
        return self._resource

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LanguageDetector":
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                model = pickle.loads((directory / _MODEL_FILE).read_bytes())  # noqa: S301
        except (ValueError, FileNotFoundError):
            logger.info("LanguageDetector has no own model; using lingua alone.")
        load_detector()
        return cls(model_storage, resource, model)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            detection = detect(message.get(TEXT) or "", self._model)
            message.set("language", detection.as_dict(), add_to_output=True)
        return messages
