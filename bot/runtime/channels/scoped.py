"""Conversation keys that include the channel, for every input channel of the assistant.

Rasa keys a conversation by the sender id alone, so two channels (or a REST caller naming
someone's WhatsApp number) would share one conversation. Every channel here hands Rasa
``<channel>:<platform id>`` instead (:mod:`bot.channel_keys`) and the channel itself, never
the request body, names the input channel. Replies go back to the platform's own id: the
output channel is wrapped so that the prefix is removed again on the way out.
"""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.channel_keys import scoped, unscoped

#: Metadata keys only the assistant may set; whatever a client sends under them is dropped.
RESERVED_METADATA = ("client_key",)


class ScopedOutput(OutputChannel):
    """An output channel that sends to the platform's id behind a scoped conversation key."""

    def __init__(self, inner: OutputChannel, channel: str) -> None:
        self.inner = inner
        self.channel = channel

    def name(self) -> Text:  # type: ignore[override]  # the wrapped channel's name
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        await self.inner.send_response(unscoped(self.channel, recipient_id), message)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.inner.send_text_message(unscoped(self.channel, recipient_id), text, **kwargs)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self.inner, attribute)


def clean_metadata(metadata: Optional[Dict[Text, Any]],
                   client: Optional[str] = None) -> Dict[Text, Any]:
    """The message metadata without reserved keys, plus the assistant's own client key."""
    cleaned = {k: v for k, v in (metadata or {}).items() if k not in RESERVED_METADATA}
    if client:
        cleaned["client_key"] = client
    return cleaned


def scope_messages(channel: str, on_new_message: Callable[[UserMessage], Awaitable[Any]]
                   ) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wrap a channel's message handler so that Rasa sees scoped keys and the true channel."""

    async def handle(message: UserMessage) -> Any:
        message.sender_id = scoped(channel, message.sender_id)
        message.input_channel = channel
        if message.output_channel is not None and not isinstance(message.output_channel,
                                                                  ScopedOutput):
            message.output_channel = ScopedOutput(message.output_channel, channel)
        return await on_new_message(message)

    return handle
