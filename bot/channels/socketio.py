"""Rasa's socket.io channel, working with current python-socketio and checking its input.

Rasa 3.6 calls ``AsyncServer.enter_room`` without awaiting it; since python-socketio 5.8 that
is a coroutine, so a persistent session never joined its room and bot replies were lost. This
channel re-registers ``session_request`` with the await, and drops malformed messages instead of
failing on them. Configured in credentials.yml as ``bot.channels.socketio.ShopSocketIOInput``.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 10_000


class ShopSocketIOInput(SocketIOInput):
    """socket.io input for the web chat widget (same events and URL as Rasa's)."""

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        sio = self.sio

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not 0 < len(session_id) <= 200:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                joined = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(joined):
                    await joined
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
            if self.session_persistence:
                sender_id = data.get("session_id")
                if not isinstance(sender_id, str) or not sender_id:
                    return
            else:
                sender_id = sid
            metadata = data.get(self.metadata_key) or {}
            if not isinstance(metadata, dict):
                metadata = {}
            await on_new_message(UserMessage(
                text, SocketIOOutput(sio, self.bot_message_evt), sender_id,
                input_channel=self.name(), metadata=metadata))

        return blueprint
