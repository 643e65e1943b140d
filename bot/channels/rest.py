"""Rasa's REST channel with its input checked first: malformed requests get a 4xx, not a 500.

Configured in credentials.yml as ``bot.channels.rest.ShopRestInput``; it keeps Rasa's URL,
``POST /webhooks/rest/webhook``, and its request and response format.
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

MAX_MESSAGE_CHARS = 10_000
MAX_SENDER_CHARS = 200


def request_problem(body: bytes) -> Optional[tuple]:
    """(status, explanation) when the request body is unusable, else None."""
    try:
        data: Any = json.loads(body or b"")
    except (ValueError, UnicodeDecodeError):
        return 400, "the body must be JSON"
    if not isinstance(data, dict):
        return 400, "the body must be a JSON object"
    message, sender = data.get("message"), data.get("sender", "default")
    if not isinstance(message, str):
        return 400, "'message' must be a string"
    if len(message) > MAX_MESSAGE_CHARS:
        return 413, f"'message' is longer than {MAX_MESSAGE_CHARS} characters"
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
        return 400, f"'sender' must be a non-empty string of at most {MAX_SENDER_CHARS} characters"
    metadata = data.get("metadata")
    if metadata is not None and not isinstance(metadata, dict):
        return 400, "'metadata' must be a JSON object"
    return None


class ShopRestInput(RestInput):
    """REST input that answers malformed requests with a clear 4xx."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def check_request(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            problem = request_problem(request.body)
            if problem:
                status, explanation = problem
                return response.json({"error": explanation}, status=status)
            return None

        return blueprint
