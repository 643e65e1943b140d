"""Rasa's responses with the shop's profile filled in (``{shop_name}``, ``{shop_phone}``, ...,
see :mod:`bot.i18n.placeholders`), plugged in by configuration, not patched: ``nlg: type:
bot.runtime.nlg.ShopResponses`` in endpoints.yml.

Everything else is Rasa's own response generator: the variation per language slot, the slots and
the values an action passes (which win over the profile's).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.i18n import LANGUAGES
from bot.i18n.placeholders import profile_values
from bot.settings import Settings, load_settings


class ShopResponses(TemplatedNaturalLanguageGenerator):
    """The domain's responses, with the profile's placeholders filled in.

    Args:
        endpoint_config: The ``nlg`` section of endpoints.yml (nothing in it is needed).
        domain: The model's domain (its responses).
        settings: The settings (read from the environment and endpoints.yml when not given).
    """

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None,
                 domain: Optional[Domain] = None, settings: Optional[Settings] = None) -> None:
        super().__init__(domain.responses if domain else {})
        settings = settings or load_settings()
        # Computed once: the profile does not change while the server runs.
        self._values: Dict[str, Dict[str, str]] = {
            language: profile_values(settings, language) for language in LANGUAGES}

    async def generate(self, utter_action: Text, tracker: DialogueStateTracker,
                       output_channel: Text, **kwargs: Any) -> Optional[Dict[Text, Any]]:
        language = tracker.get_slot("language") if "language" in tracker.slots else None
        values = self._values.get(language) or self._values["en"]
        return await super().generate(utter_action, tracker, output_channel,
                                      **{**values, **kwargs})
