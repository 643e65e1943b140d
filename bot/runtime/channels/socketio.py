"""Rasa's socket.io channel (same events and URL), with sessions only the assistant can issue.

- ``session_request`` answers ``session_confirm`` with a session id the assistant signed
  (:mod:`bot.channel_keys`): a stored one that checks out is kept, anything else (none, a
  made-up one, someone else's public id) gets a new session. The community rasa-webchat widget
  stores and sends back whatever ``session_confirm`` carried, so it works unchanged.
- The conversation is ``socketio:<public part>``, and a socket joins its room only with the
  whole signed id: a second client that knows only the conversation id neither hears the
  replies nor writes into it.
- Rasa 3.6 calls ``AsyncServer.enter_room`` without awaiting it; since python-socketio 5.8 that
  is a coroutine, so the room was never joined. It is awaited here.
- When the conversation store or its lock cannot be reached (PostgreSQL or Redis down), the
  widget gets a short apology as a bot message (not stored) and an ``error`` event: send the
  message again (:mod:`bot.runtime.store_errors`).
- Malformed messages get an ``error`` event instead of failing; browsers from origins other
  than the shop's (``ALLOWED_ORIGINS``) cannot connect.
- With ``redis_url`` in its credentials, the replicas share their socket.io rooms through Redis
  (python-socketio's ``AsyncRedisManager``): a message for a conversation (an agent's reply
  sent through Rasa's HTTP API on any replica) reaches the widget on whichever replica holds
  its connection. Without it, only the replica holding the connection can reach the widget.

Configured in credentials.yml as ``bot.runtime.channels.socketio.ShopSocketIOInput``.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

from bot.channel_keys import client_key, issue_session_id, scoped, session_public_id
from bot.runtime.channels.scoped import clean_metadata
from bot.runtime.store_errors import RETRY_AFTER_SECONDS, unavailable_reason

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 10_000
#: What the widget shows when the conversation store cannot be reached (not stored).
UNAVAILABLE_APOLOGY = ("Sorry, I can't reach our records right now, so I didn't take in your"
                       " last message. Please send it again in a moment.")


def _client_address(environ: Dict[str, Any]) -> Optional[str]:
    request = environ.get("sanic.request")
    if request is not None:
        return getattr(request, "remote_addr", None) or getattr(request, "ip", None)
    return environ.get("REMOTE_ADDR")


def _share_rooms(sio: Any, redis_url: str) -> None:
    """Let ``sio`` (created by Rasa's channel, no client connected yet) emit to rooms through
    Redis, so that every replica's members of a room get the message."""
    import socketio

    manager = socketio.AsyncRedisManager(redis_url)
    sio.manager = manager
    manager.set_server(sio)
    sio.manager_initialized = False  # started with the first connection


class ShopSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with the agent's name on a person's messages (Rasa's own sends
    only the text, so the widget could not tell a person from the bot)."""

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        agent = kwargs.get("agent_name") or kwargs.get("agent")
        if not agent:
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        for part in text.strip().split("\n\n"):
            await self._send_message(recipient_id, {"text": part,
                                                    "metadata": {"agent": str(agent)[:80]}})


class ShopSocketIOInput(SocketIOInput):
    """socket.io input for the web chat widget (same events and URL as Rasa's)."""

    _settings: Any = None
    #: Redis that the replicas' socket.io servers share rooms through (None: not shared).
    redis_url: Optional[str] = None

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ShopSocketIOInput":
        channel = super().from_credentials(credentials)
        channel.redis_url = (credentials or {}).get("redis_url") or None
        return channel

    @property
    def settings(self) -> Any:
        if self._settings is None:
            from bot.settings import load_settings

            self._settings = load_settings()
        return self._settings

    def conversation_of(self, session_id: Any) -> Optional[str]:
        """The conversation key of a session id the assistant issued, else None."""
        public = session_public_id(session_id, self.settings.session_secret)
        return scoped(self.name(), public) if public else None

    def get_output_channel(self) -> Optional[SocketIOOutput]:
        if self.sio is None:
            return super().get_output_channel()
        return ShopSocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        if self.redis_url:
            _share_rooms(sio, self.redis_url)
        if self.settings.cors_origins:
            sio.eio.cors_allowed_origins = list(self.settings.cors_origins)

        async def join(sid: Text, room: str) -> None:
            joined = sio.enter_room(sid, room, namespace=self.namespace)
            if inspect.isawaitable(joined):
                await joined

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            conversation = self.conversation_of(session_id)
            if conversation is None:
                try:
                    session_id = issue_session_id(self.settings.session_secret)
                except ValueError:
                    logger.error("socket.io sessions need SESSION_SECRET")
                    await sio.emit("error", {"error": "chat is not configured"}, room=sid)
                    return
                conversation = self.conversation_of(session_id)
            await join(sid, conversation)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            if not isinstance(data, dict):
                return
            text = data.get("message", "")
            if not isinstance(text, str) or len(text) > MAX_MESSAGE_CHARS:
                await sio.emit("error", {"error": "message must be text of at most"
                                                  f" {MAX_MESSAGE_CHARS} characters"}, room=sid)
                return
            conversation = self.conversation_of(data.get("session_id"))
            if conversation is None:
                await sio.emit("error", {"error": "unknown session: send session_request"},
                               room=sid)
                return
            await join(sid, conversation)  # e.g. after a reconnect that skipped the request
            metadata = data.get(self.metadata_key) or {}
            if not isinstance(metadata, dict):
                metadata = {}
            environ = sio.get_environ(sid, namespace=self.namespace) or {}
            client = client_key(_client_address(environ), self.settings.session_secret)
            try:
                await on_new_message(UserMessage(
                    text, ShopSocketIOOutput(sio, self.bot_message_evt), conversation,
                    input_channel=self.name(), metadata=clean_metadata(metadata, client)))
            except Exception as error:
                reason = unavailable_reason(error)
                if reason is None:
                    raise
                logger.warning("socket.io turn not handled: %s", type(error).__name__)
                await sio.emit(self.bot_message_evt, {"text": UNAVAILABLE_APOLOGY}, room=sid)
                await sio.emit("error", {"error": reason, "retry_after": RETRY_AFTER_SECONDS},
                               room=sid)

        return blueprint
