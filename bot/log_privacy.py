"""Keep shoppers' messages out of the Rasa server's logs.

Rasa 3.6 logs with structlog and passes message texts, entities, slot values and tracker states
as fields of its log events (``text``, ``parse_data_entities``, ``slot_values``, ...), and on
errors a traceback with every frame's local variables: a failed message is logged with the
shopper's text, email or order number. Rasa's own hook for this (an anonymisation pipeline,
``get_anonymization_pipeline``) is left empty in Rasa Open Source; :func:`install` fills it
with one that hides those fields, and renders tracebacks without local variables. What was
logged, when and where stays in the log.
"""

from __future__ import annotations

from typing import Any, Callable

import pluggy

HIDDEN = "[hidden]"
hookimpl = pluggy.HookimplMarker("rasa")


class _HideValues:
    """Rasa's anonymisation pipeline interface: each personal field's value is hidden."""

    @staticmethod
    def log_run(value: Any) -> Any:
        return HIDDEN if value not in (None, "", [], {}) else value


class PrivateLogs:
    """The Rasa plugin that supplies the pipeline."""

    @hookimpl
    def get_anonymization_pipeline(self) -> Any:
        return _HideValues()


def without_locals(configure: Callable[..., None]) -> Callable[..., None]:
    """Rasa's ``configure_structlog``, then tracebacks rendered without local variables."""
    import functools

    @functools.wraps(configure)
    def configure_private(*args: Any, **kwargs: Any) -> None:
        import structlog
        from structlog.processors import ExceptionRenderer
        from structlog.tracebacks import ExceptionDictTransformer

        configure(*args, **kwargs)
        processors = [
            ExceptionRenderer(ExceptionDictTransformer(show_locals=False))
            if processor is structlog.processors.dict_tracebacks else processor
            for processor in structlog.get_config()["processors"]]
        structlog.configure(processors=processors)

    return configure_private


def install() -> None:
    """Register the plugin and wrap Rasa's log set-up (idempotent; before Rasa's CLI runs)."""
    import rasa.__main__
    import rasa.utils.log_utils
    from rasa.plugin import plugin_manager

    manager = plugin_manager()
    if not any(isinstance(plugin, PrivateLogs) for plugin in manager.get_plugins()):
        manager.register(PrivateLogs())
    for module in (rasa.utils.log_utils, rasa.__main__):
        if not getattr(module.configure_structlog, "__wrapped__", None):
            module.configure_structlog = without_locals(module.configure_structlog)
