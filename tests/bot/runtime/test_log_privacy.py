"""The Rasa server's logs keep what happened, not what the shopper wrote."""

import io
import json
import logging
import sys

import structlog

from bot.runtime import log_privacy


def test_message_fields_and_traceback_locals_are_hidden(monkeypatch):
    import rasa.utils.log_utils

    log_privacy.install()
    output = io.StringIO()
    monkeypatch.setattr(sys, "stdout", output)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)  # JSON logs, as in production
    for handler in list(logging.root.handlers):
        logging.root.removeHandler(handler)
    rasa.utils.log_utils.configure_structlog(logging.INFO)
    logger = structlog.get_logger("test")
    logger.info("rest.message.received", text="anna.virtanen@example.com order 10023",
                sender_count=1)
    try:
        secret = "anna.virtanen@example.com"  # noqa: F841 - a local in the failing frame
        raise ValueError("the shop is down")
    except ValueError:
        logger.exception("rest.message.received.failure", text="my card 4111 1111 1111 1111")
    logged = output.getvalue()
    structlog.reset_defaults()
    for handler in list(logging.root.handlers):
        logging.root.removeHandler(handler)
    assert "anna.virtanen" not in logged and "4111" not in logged and "10023" not in logged
    events = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert [e["event"] for e in events] == ["rest.message.received",
                                            "rest.message.received.failure"]
    assert events[0]["text"] == log_privacy.HIDDEN and events[0]["sender_count"] == 1
    from rasa.plugin import plugin_manager

    # No anonymisation pipeline: Rasa would re-read every conversation after each message.
    assert plugin_manager().hook.get_anonymization_pipeline() is None
    assert "the shop is down" in json.dumps(events[1]["exception"])


def test_quiet_keeps_parses_out_of_an_evaluation_run():
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    root = logging.getLogger()
    before = root.level
    handler = Collect()
    root.addHandler(handler)
    try:
        log_privacy.quiet()
        log = structlog.get_logger()
        log.debug("processor.message.parse", parse_data_text="where is 10023, anna@example.com")
        log.warning("model.load.failed", text="anna@example.com")
    finally:
        root.removeHandler(handler)
        root.setLevel(before)
    assert len(records) == 1
    assert "model.load.failed" in records[0] and "anna@example.com" not in records[0]
