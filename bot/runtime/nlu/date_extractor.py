"""Rasa NLU component: ``date`` entities (ISO value) in every language, see bot.text.dates."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.text.dates import find_dates


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class DateExtractor(GraphComponent, EntityExtractorMixin):
    """Adds ``{"entity": "date", "value": "2026-11-28"}`` for each date a shopper writes."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "DateExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = find_dates(message.get(TEXT) or "")
            if not found:
                continue
            entities = [{"entity": "date", "value": item.value.isoformat(), "start": item.start,
                         "end": item.end, "confidence": 1.0, "extractor": "DateExtractor"}
                        for item in found]
            message.set(ENTITIES, (message.get(ENTITIES) or []) + entities,
                        add_to_output=True)
        return messages
