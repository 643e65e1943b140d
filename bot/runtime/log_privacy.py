"""Keep shoppers' messages out of the Rasa server's logs.

Rasa 3.6 logs with structlog and passes message texts, entities, slot values and tracker states
as fields of its log events (``text``, ``parse_data_entities``, ``slot_values``, ...), and on
errors a traceback with every frame's local variables: a failed message is logged with the
shopper's text, email or order number. Rasa's log set-up has a processor for exactly those
fields (``_anonymizer``) that does nothing in Rasa Open Source; :func:`install` puts one in its
place that hides their values, and renders tracebacks without local variables. What was
logged, when and where stays in the log.

Rasa's anonymisation plugin hook is not used for this: once a plugin supplies a pipeline, Rasa
also re-reads every conversation after each message to feed the new events to it.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Dict

HIDDEN = "[hidden]"

#: The fields Rasa's own anonymiser would pass to an anonymisation pipeline, and metadata.
PERSONAL_FIELDS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text",
    "parse_data_entities", "prediction_events", "tracker_latest_message", "prefilled_slots",
    "message", "response", "slot_candidates", "rasa_event", "rasa_events", "tracker_states",
    "current_states", "old_states", "successes", "current_entity", "next_entity", "states",
    "entity", "token_text", "user_message", "json_message", "metadata"})


def hide_personal_fields(_logger: Any, _method: str, event_dict: Dict[str, Any]) -> Dict[str, Any]:
    """A structlog processor: the values of personal fields replaced by ``[hidden]``."""
    for key in PERSONAL_FIELDS.intersection(event_dict):
        value = event_dict[key]
        empty = value is None or (isinstance(value, (str, list, tuple, dict)) and not value)
        if not empty:
            event_dict[key] = HIDDEN
    return event_dict


def without_locals(configure: Callable[..., None]) -> Callable[..., None]:
    """Rasa's ``configure_structlog``, then tracebacks rendered without local variables."""
    import functools

    @functools.wraps(configure)
    def configure_private(*args: Any, **kwargs: Any) -> None:
        import structlog
        from rasa.utils import log_utils
        from structlog.processors import ExceptionRenderer
        from structlog.tracebacks import ExceptionDictTransformer

        configure(*args, **kwargs)
        replacements = {
            id(structlog.processors.dict_tracebacks):
                ExceptionRenderer(ExceptionDictTransformer(show_locals=False)),
            id(log_utils._anonymizer): hide_personal_fields,
        }
        processors = [replacements.get(id(processor), processor)
                      for processor in structlog.get_config()["processors"]]
        structlog.configure(processors=processors)

    return configure_private


def install() -> None:
    """Wrap Rasa's log set-up (idempotent; before Rasa's command line runs)."""
    import rasa.__main__
    import rasa.utils.log_utils

    for module in (rasa.utils.log_utils, rasa.__main__):
        if not getattr(module.configure_structlog, "__wrapped__", None):
            module.configure_structlog = without_locals(module.configure_structlog)


def quiet(level: int = logging.WARNING) -> None:
    """Log set-up for a program that runs a model in its own process (evaluation, benchmarks):
    Rasa's processors as the server has them, and nothing below ``level``. Without it structlog
    prints every parse, message text included, at debug level."""
    import rasa.utils.log_utils

    install()
    rasa.utils.log_utils.configure_structlog(level)
    logging.getLogger().setLevel(level)  # also where logging had handlers before
