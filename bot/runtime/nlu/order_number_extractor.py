"""Rasa NLU component: ``order_number`` entities in the shop's own format.

The format is a setting (``shop_profile.order_number_pattern``, default the demo shop's 5 or 6
digits), applied when a message is parsed: a shop with 7-digit or ``NW-123456`` numbers needs
no retraining. It is the only source of ``order_number``: other extractors' guesses are dropped,
and a size or quantity read into an order number gives way to it.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.runtime.nlu import supersede
from bot.settings import load_settings
from bot.shop import OrderNumberFormat, order_number_format, use_order_number_format

ENTITY = "order_number"
#: Entities that an order number is not, where it stands.
_GIVE_WAY = {"size", "quantity"}


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class OrderNumberExtractor(GraphComponent, EntityExtractorMixin):
    """Adds ``{"entity": "order_number", "value": "1002345"}`` for each order number.

    Args:
        order_numbers: The shop's order-number format.
    """

    def __init__(self, order_numbers: OrderNumberFormat) -> None:
        self._format = order_numbers

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "OrderNumberExtractor":
        order_numbers = order_number_format(load_settings())
        use_order_number_format(order_numbers)  # the in-process actions read the same
        return cls(order_numbers)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = [{"entity": ENTITY, "value": value, "start": start, "end": end,
                      "confidence": 1.0, "extractor": "OrderNumberExtractor"}
                     for start, end, value in self._format.find(message.get(TEXT) or "")]
            entities = message.get(ENTITIES) or []
            updated = supersede(entities, found, ENTITY, _GIVE_WAY)
            if updated != entities:
                message.set(ENTITIES, updated, add_to_output=True)
        return messages
