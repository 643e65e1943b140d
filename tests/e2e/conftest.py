"""The end-to-end tests use the running assistant of tests/servers.py."""

from tests.servers import (  # noqa: F401 - imported by the tests from here
    ALWAYS_OPEN,
    FACEBOOK_SECRET,
    MODEL,
    SECRET,
    SLACK_SECRET,
    TELEGRAM_SECRET,
    TWILIO_SECRET,
    WEBHOOK_SECRET,
    Chat,
    free_port,
)
