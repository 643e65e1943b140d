"""Rasa's messaging-app channels with what integrators need on top.

- ``api_url`` (optional) sends replies to another API address: a regional endpoint, a proxy
  the shop runs, or a local fake in tests. Leave it out to talk to the platform itself.
- Conversations are keyed ``<channel>:<platform id>`` (:mod:`bot.runtime.channels.scoped`), so no
  other channel can reach them; replies still go to the platform's own id.
- Every request is authenticated: Messenger's ``X-Hub-Signature``, Slack's signing secret and
  Twilio's ``X-Twilio-Signature`` are checked and forged requests get ``403`` (Rasa's own
  channels answer some of them with ``200`` or do not check Twilio at all); Telegram checks
  the optional ``secret_token`` header.

Configured in credentials.yml with these class paths (see docs/channels.md).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.facebook import FacebookInput, Messenger
from rasa.core.channels.slack import SlackBot, SlackInput
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from rasa.core.channels.twilio import TwilioInput, TwilioOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.runtime.channels.scoped import ScopedOutput, scope_messages

logger = logging.getLogger(__name__)


def _forbidden(channel: str) -> HTTPResponse:
    logger.warning("%s request with a bad signature refused", channel)
    return response.json({"error": "bad signature"}, status=403)


# -- Telegram ---------------------------------------------------------------------------------


class ShopTelegramInput(TelegramInput):
    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        channel = cls(credentials.get("access_token"), credentials.get("verify"),
                      credentials.get("webhook_url"))
        channel.api_url = credentials.get("api_url")
        channel.secret_token = credentials.get("secret_token")
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(scope_messages(self.name(), on_new_message))

        @blueprint.middleware("request")
        async def check_secret(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST" and getattr(self, "secret_token", None):
                given = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
                if given != self.secret_token:
                    return _forbidden("telegram")
            return None

        return blueprint

    def get_output_channel(self) -> ScopedOutput:
        return ScopedOutput(self._telegram_output(), self.name())

    def _telegram_output(self) -> TelegramOutput:
        from aiogram.bot.api import TelegramAPIServer

        channel = TelegramOutput.__new__(TelegramOutput)
        api_url = getattr(self, "api_url", None)
        server = {"server": TelegramAPIServer.from_base(api_url)} if api_url else {}
        TelegramOutput.__bases__[0].__init__(channel, self.access_token, **server)

        async def register() -> None:
            await channel.set_webhook(url=self.webhook_url)
            await channel.session.close()

        if self.webhook_url:
            # Rasa registers the webhook in a throw-away event loop; the HTTP session made
            # there must not be reused by the server's loop (it fails with "Event loop is
            # closed"), so it is closed and a fresh one is made on first use.
            asyncio.run(register())
            channel._session = None
        return channel


# -- Facebook Messenger -----------------------------------------------------------------------


class ShopFacebookInput(FacebookInput):
    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        channel = cls(credentials.get("verify"), credentials.get("secret"),
                      credentials.get("page-access-token"))
        channel.api_url = credentials.get("api_url")
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("fb_webhook", __name__)
        inherited = super().blueprint(on_new_message)

        @blueprint.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if request.args.get("hub.verify_token") == self.fb_verify:
                return response.text(request.args.get("hub.challenge"))
            return response.json({"error": "invalid verify token"}, status=403)

        @blueprint.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            signature = request.headers.get("X-Hub-Signature") or ""
            if not self.validate_hub_signature(self.fb_secret, request.body, signature):
                return _forbidden("facebook")
            messenger = Messenger(self.fb_access_token,
                                  scope_messages(self.name(), on_new_message))
            if getattr(self, "api_url", None):
                messenger.client.graph_url = self.api_url.rstrip("/")
            await messenger.handle(request.json, self.get_metadata(request))
            return response.text("success")

        del inherited  # Rasa's routes are replaced by the checked ones above
        return blueprint

    def get_output_channel(self) -> ScopedOutput:
        channel = super().get_output_channel()
        if getattr(self, "api_url", None):
            channel.messenger_client.graph_url = self.api_url.rstrip("/")
        return ScopedOutput(channel, self.name())


# -- Slack --------------------------------------------------------------------------------------


class ShopSlackInput(SlackInput):
    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        channel.api_url = (credentials or {}).get("api_url")
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(scope_messages(self.name(), on_new_message))

        @blueprint.middleware("request")
        async def check_signature(request: Request) -> Optional[HTTPResponse]:
            if request.method == "POST" and not self.is_request_from_slack_authentic(request):
                return _forbidden("slack")
            return None

        return blueprint

    def get_output_channel(self, channel: Optional[Text] = None,
                           thread_id: Optional[Text] = None) -> ScopedOutput:
        bot: SlackBot = super().get_output_channel(channel, thread_id)
        if getattr(self, "api_url", None):
            from slack_sdk.web.async_client import AsyncWebClient

            bot.client = AsyncWebClient(self.slack_token, base_url=self.api_url.rstrip("/") + "/",
                                        proxy=self.proxy)
        return ScopedOutput(bot, self.name())


# -- Twilio (SMS and WhatsApp) --------------------------------------------------------------------


class ShopTwilioInput(TwilioInput):
    """Twilio SMS and WhatsApp ("whatsapp:+358..." numbers), with signature checks."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        channel = cls(credentials.get("account_sid"), credentials.get("auth_token"),
                      credentials.get("twilio_number"), debug_mode=False)
        channel.api_url = credentials.get("api_url")
        channel.webhook_url = credentials.get("webhook_url")
        return channel

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(scope_messages(self.name(), on_new_message))

        @blueprint.middleware("request")
        async def check_signature(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST":
                return None
            from twilio.request_validator import RequestValidator

            url = getattr(self, "webhook_url", None) or request.url
            params = {key: request.form.get(key) for key in request.form}
            signature = request.headers.get("X-Twilio-Signature", "")
            if not RequestValidator(self.auth_token or "").validate(url, params, signature):
                return _forbidden("twilio")
            return None

        return blueprint

    def get_output_channel(self) -> ScopedOutput:
        channel: TwilioOutput = super().get_output_channel()
        if getattr(self, "api_url", None):
            channel.api.base_url = self.api_url.rstrip("/")
        return ScopedOutput(channel, self.name())
