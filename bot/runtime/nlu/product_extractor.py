"""Rasa NLU component: ``product`` entities from the shop's own catalogue.

The products are read from the configured shop backend (bot.shop, SQLite or the shop's API)
when the model is loaded and again every ``shop.catalogue_refresh_minutes``, so that new
products are understood without retraining. The matching (accents, case, inflections, typos,
synonyms per language) is :class:`bot.shop.ProductMatcher`'s. Each product named in a message
becomes ``{"entity": "product", "value": <the catalogue's name>}``; the catalogue is the
authority, so other extractors' guesses at ``product`` give way when it finds one (and stay when
it finds none: "do you sell surfboards?" still names what was asked for).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Dict, List, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.runtime.nlu import supersede
from bot.settings import Settings, load_settings
from bot.shop import Catalogue, build_catalogue

logger = logging.getLogger(__name__)

ENTITY = "product"
#: Entities inside a product's name that are part of the name, not of their own ("30 l").
_GIVE_WAY = {"size", "quantity"}

_lock = threading.Lock()
_catalogues: Dict[Tuple[str, str, str], Catalogue] = {}


def shared_catalogue(settings: Settings) -> Catalogue:
    """One refreshing catalogue per shop in this process (a model loaded again reuses it)."""
    key = (settings.shop.backend, settings.shop.url, str(settings.shop.sqlite_path))
    with _lock:
        catalogue = _catalogues.get(key)
        if catalogue is None:
            catalogue = _catalogues[key] = build_catalogue(settings)
            catalogue.start_refreshing()
        return catalogue


def product_entities(catalogue: Catalogue, text: str) -> List[Dict[str, Any]]:
    """The ``product`` entities of one message."""
    return [{"entity": ENTITY, "value": mention.product.name, "start": mention.start,
             "end": mention.end, "confidence": 1.0, "extractor": "ProductExtractor"}
            for mention in catalogue.current().find(text)]


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class ProductExtractor(GraphComponent, EntityExtractorMixin):
    """Adds ``{"entity": "product", "value": "Rain jacket"}`` for each product a shopper names.

    Args:
        catalogue: The shop's catalogue (read from the shop when the model is loaded).
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ProductExtractor":
        return cls(shared_catalogue(load_settings()))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            found = product_entities(self._catalogue, message.get(TEXT) or "")
            if not found:
                continue
            message.set(ENTITIES, supersede(message.get(ENTITIES) or [], found, ENTITY,
                                            _GIVE_WAY), add_to_output=True)
        return messages
