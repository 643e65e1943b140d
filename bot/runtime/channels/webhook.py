"""A channel Rasa lacks: a generic HMAC-signed webhook for a shop's own app.

The app posts ``{"sender": ..., "message": ..., "metadata": {...}}`` to
``/webhooks/shop_app/webhook`` with ``X-Signature: sha256=<HMAC-SHA256 of the body>``; the bot's
replies (and a person's, during a handoff) are posted to the app's ``callback_url``, signed the
same way, one JSON message per request: ``{"recipient_id": ..., "text": ..., "buttons": [...]}``.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.proactive import SIGNATURE_HEADER, sign, signature_ok
from bot.runtime.channels.rest import parse_body, request_problem
from bot.runtime.channels.scoped import ScopedOutput, clean_metadata, scope_messages

logger = logging.getLogger(__name__)


class SignedCallbackOutput(OutputChannel):
    """Posts every bot message to the app's callback URL, signed."""

    @classmethod
    def name(cls) -> Text:
        return "shop_app"

    def __init__(self, callback_url: str, secret: str) -> None:
        self.callback_url = callback_url
        self.secret = secret

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        body = json.dumps({"recipient_id": recipient_id, **{
            k: v for k, v in message.items() if v is not None}}).encode()
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(self.secret, body)}
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
                async with session.post(self.callback_url, data=body, headers=headers) as reply:
                    if reply.status >= 400:
                        logger.warning("shop app callback answered %s", reply.status)
        except aiohttp.ClientError as error:
            logger.warning("shop app callback failed: %s", type(error).__name__)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class SignedWebhookInput(InputChannel):
    """Input from the shop's own app, authenticated by an HMAC signature."""

    @classmethod
    def name(cls) -> Text:
        return "shop_app"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        if not credentials.get("secret") or not credentials.get("callback_url"):
            raise ValueError("shop_app needs 'secret' and 'callback_url' in credentials.yml")
        return cls(str(credentials["secret"]), str(credentials["callback_url"]))

    def __init__(self, secret: str, callback_url: str) -> None:
        self.secret = secret
        self.callback_url = callback_url

    def get_output_channel(self) -> OutputChannel:
        return ScopedOutput(SignedCallbackOutput(self.callback_url, self.secret), self.name())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("shop_app_webhook", __name__)
        on_new_message = scope_messages(self.name(), on_new_message)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not signature_ok(self.secret, request.body, request.headers.get(SIGNATURE_HEADER)):
                return response.json({"error": "bad signature"}, status=403)
            problem = request_problem(request.body)
            if problem:
                return response.json({"error": problem[1]}, status=problem[0])
            data = parse_body(request.body)
            await on_new_message(UserMessage(
                data["message"], self.get_output_channel(), data.get("sender", "default"),
                input_channel=self.name(), metadata=clean_metadata(data.get("metadata"))))
            return response.json({"accepted": True})

        return webhook
