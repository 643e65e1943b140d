"""Rasa's REST channel, safe to expose: callers prove who they are, bad input gets a 4xx.

Configured in credentials.yml as ``bot.runtime.channels.rest.ShopRestInput``; it keeps Rasa's URL,
``POST /webhooks/rest/webhook``, and its request and response format. A request is accepted
in one of two ways (anything else gets ``401``):

- **Server to server**: ``Authorization: Bearer <HANDOFF_API_TOKEN>`` (the integrator's token);
  ``sender`` is then any id the integrator chooses.
- **A shop's own front end**: ``sender`` is a session id the assistant issued, from
  ``POST /webhooks/rest/session`` (``{"session_id": "..."}``); it cannot be guessed or forged.

Either way the conversation is keyed ``rest:<sender>`` (for a session id, its public part), so
a REST caller can never reach a conversation of the widget or of a messaging app, and the
input channel is always ``rest``, whatever the body says.

When the conversation store or its lock cannot be reached (PostgreSQL or Redis down), the
answer is ``503`` with ``Retry-After`` and a JSON ``error``, nothing of the message stored
(:mod:`bot.runtime.store_errors`); Rasa's own handler would answer ``200 []``.
"""

from __future__ import annotations

import hmac
import json
import logging
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channel_keys import client_key, issue_session_id, session_public_id
from bot.runtime.channels.scoped import clean_metadata, scope_messages
from bot.runtime.store_errors import RETRY_AFTER_SECONDS, unavailable_reason

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 10_000
MAX_SENDER_CHARS = 200


def parse_body(body: bytes) -> Any:
    """The JSON document of a request body.

    Raises:
        ValueError: The body is not JSON (nesting too deep for the parser included).
    """
    try:
        return json.loads(body or b"")
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise ValueError("the body must be JSON") from error


def request_problem(body: bytes) -> Optional[tuple]:
    """(status, explanation) when the request body is unusable, else None."""
    try:
        data: Any = parse_body(body)
    except ValueError:
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


#: The webhook request being handled: Rasa's handler answers 200 whatever happened inside the
#: message handler, so the handler marks the request and a response middleware answers 503.
_current_request: ContextVar[Optional[Request]] = ContextVar("rest_request", default=None)


def failing_clearly(on_new_message: Callable[[UserMessage], Awaitable[Any]]
                    ) -> Callable[[UserMessage], Awaitable[Any]]:
    """The message handler, with an unreachable conversation store marked on the request."""

    async def handle(message: UserMessage) -> Any:
        try:
            return await on_new_message(message)
        except Exception as error:
            reason = unavailable_reason(error)
            request = _current_request.get()
            if reason is None or request is None:
                raise
            logger.warning("REST turn not handled, answered 503: %s", type(error).__name__)
            request.ctx.unavailable = reason
            return None

    return handle


def bearer_matches(request: Request, token: str) -> bool:
    """Whether the request carries ``Authorization: Bearer <token>`` (constant time)."""
    header = request.headers.get("authorization", "")
    if not token or not header.lower().startswith("bearer "):
        return False
    return hmac.compare_digest(header[7:].strip().encode(), token.encode())


class ShopRestInput(RestInput):
    """REST input for integrators and a shop's own front end (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self) -> None:
        self._settings: Any = None

    @property
    def settings(self) -> Any:
        if self._settings is None:
            from bot.settings import load_settings

            self._settings = load_settings()
        return self._settings

    def sender_of(self, request: Request) -> Optional[str]:
        """The conversation's id within the channel, or None when the caller may not use it.

        Decided once per request (the request check and Rasa's handler both ask).
        """
        if not hasattr(request.ctx, "sender"):
            sender = str(parse_body(request.body).get("sender", "default"))
            request.ctx.integrator = bearer_matches(request, self.settings.handoff.api_token)
            request.ctx.sender = sender if request.ctx.integrator else session_public_id(
                sender, self.settings.session_secret)
        return request.ctx.sender

    async def _extract_sender(self, req: Request) -> Optional[Text]:
        return self.sender_of(req)

    def _extract_input_channel(self, req: Request) -> Text:
        return self.name()

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        # A front end's shopper is counted per client address by the limits; an integrator's
        # server speaks for many shoppers, who are counted per conversation instead.
        client = None
        self.sender_of(request)
        if not request.ctx.integrator:
            client = client_key(request.remote_addr or request.ip, self.settings.session_secret)
        return clean_metadata(request.json.get("metadata"), client)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        blueprint = super().blueprint(scope_messages(self.name(),
                                                     failing_clearly(on_new_message)))

        @blueprint.middleware("request")
        async def check_request(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            problem = request_problem(request.body)
            if problem:
                status, explanation = problem
                return response.json({"error": explanation}, status=status)
            if self.sender_of(request) is None:
                return response.json(
                    {"error": "send the integrator's token (Authorization: Bearer ...) or a"
                              " session id from POST /webhooks/rest/session as 'sender'"},
                    status=401)
            _current_request.set(request)
            return None

        @blueprint.middleware("response")
        async def unavailable(request: Request, _response: HTTPResponse
                              ) -> Optional[HTTPResponse]:
            reason = getattr(request.ctx, "unavailable", None)
            if reason is None:
                return None
            return response.json({"error": reason}, status=503,
                                 headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

        @blueprint.route("/session", methods=["POST"])
        async def new_session(request: Request) -> HTTPResponse:
            try:
                return response.json({"session_id": issue_session_id(
                    self.settings.session_secret)})
            except ValueError:
                return response.json({"error": "sessions are not configured"}, status=503)

        return blueprint
