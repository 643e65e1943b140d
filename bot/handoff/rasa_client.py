"""Talk to the Rasa server's HTTP API about one conversation: pause it while a person owns it,
send the agent's messages through the shopper's own channel, resume it afterwards."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Protocol

import aiohttp


def api_jwt(secret: str, ttl_seconds: int = 300) -> str:
    """A JWT that Rasa's HTTP API accepts as an admin's (``rasa run --jwt-secret``)."""
    import time

    import jwt

    now = int(time.time())
    return jwt.encode({"user": {"username": "shop-assistant", "role": "admin"},
                       "iat": now, "exp": now + ttl_seconds}, secret, algorithm="HS256")


#: Events that end the form the bot was running, if any, and its pending question.
ABANDON_QUESTION = (
    {"event": "active_loop", "name": None},
    {"event": "slot", "name": "requested_slot", "value": None},
)


class ConversationControl(Protocol):
    """What the console needs from Rasa (a fake stands in for it in unit tests)."""

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        """The conversation's tracker (events, slots, latest message)."""

    async def take_over(self, conversation_id: str, agent_name: str) -> None:
        """Pause the bot and tell the shopper who joined."""

    async def send_agent_message(self, conversation_id: str, text: str, agent: str,
                                 display_name: Optional[str] = None) -> None:
        """Deliver an agent's message on the shopper's channel (``agent`` is the account,
        ``display_name`` what the shopper sees)."""

    async def hand_back(self, conversation_id: str, action: str) -> None:
        """Resume the bot and run an action in the conversation (e.g. ``action_ask_csat``)."""

    async def notify(self, conversation_id: str, action: str, channel: str = "latest") -> None:
        """Run an action in the conversation (e.g. ``action_queue_update``); its messages go
        out on ``channel`` (the shopper's latest one by default)."""


class RasaConversationControl:
    """ConversationControl over Rasa's HTTP API (``rasa run --enable-api --jwt-secret``)."""

    def __init__(self, base_url: str, token: str = "", timeout: float = 10.0) -> None:
        self._base = base_url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    def _headers(self) -> Dict[str, str]:
        """A short-lived admin JWT signed with the server's secret, in the header (never in
        the URL, where proxies and access logs would keep it)."""
        return {"Authorization": f"Bearer {api_jwt(self._token)}"} if self._token else {}

    def _session(self, timeout: Optional[aiohttp.ClientTimeout] = None) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(timeout=timeout or self._timeout, headers=self._headers())

    async def _post(self, path: str, body: Any, **params: str) -> Any:
        async with self._session() as session:
            async with session.post(self._base + path, json=body,
                                    params=params) as response:
                if response.status >= 400:
                    raise RuntimeError(f"Rasa answered {response.status} to {path}")
                return await response.json()

    @staticmethod
    def _path(conversation_id: str) -> str:
        from urllib.parse import quote

        return f"/conversations/{quote(conversation_id, safe='')}"

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        async with self._session() as session:
            url = self._base + self._path(conversation_id) + "/tracker"
            async with session.get(url) as response:
                if response.status >= 400:
                    raise RuntimeError(f"Rasa answered {response.status} for the tracker")
                return await response.json()

    async def _events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        # execute_side_effects makes Rasa deliver appended bot events on the output channel.
        await self._post(self._path(conversation_id) + "/tracker/events", events,
                         output_channel="latest", execute_side_effects="true")

    async def take_over(self, conversation_id: str, agent_name: str) -> None:
        await self._events(conversation_id, [
            {"event": "slot", "name": "agent_name", "value": agent_name},
            # A question the bot was asking (the after-hours email, an order form) no longer
            # applies once a person talks: it is not asked again when the bot is back.
            *ABANDON_QUESTION,
            {"event": "pause"},
        ])
        await self._execute(conversation_id, "utter_agent_joined")

    async def send_agent_message(self, conversation_id: str, text: str, agent: str,
                                 display_name: Optional[str] = None) -> None:
        metadata = {"agent": agent, "agent_name": display_name or agent}
        await self._events(conversation_id, [{"event": "bot", "text": text, "metadata": metadata}])

    async def hand_back(self, conversation_id: str, action: str) -> None:
        await self._events(conversation_id, [{"event": "resume"}])
        await self.notify(conversation_id, action)

    async def notify(self, conversation_id: str, action: str, channel: str = "latest") -> None:
        await self._execute(conversation_id, action, channel)

    async def status(self) -> Dict[str, Any]:
        """Rasa's /status: which model is loaded."""
        async with self._session() as session:
            async with session.get(self._base + "/status") as response:
                if response.status >= 400:
                    raise RuntimeError(f"Rasa answered {response.status} for /status")
                return await response.json()

    async def load_model(self, model_file: str) -> None:
        """Switch the running server to another model; conversations carry on (they live in
        the tracker store, not in the model)."""
        async with self._session(aiohttp.ClientTimeout(total=600)) as session:
            body = {"model_file": model_file}
            async with session.put(self._base + "/model", json=body) as response:
                if response.status >= 400:
                    raise RuntimeError(f"Rasa answered {response.status} when loading the model")

    async def _execute(self, conversation_id: str, action: str, channel: str = "latest") -> None:
        # Executing an action (rather than triggering an intent) adds no pretend shopper
        # message and needs no training examples. The conversation then listens again, as
        # after any bot turn, so that the rules see the shopper's next message normally.
        # Appending an event creates the conversation if it does not exist yet (a widget that
        # connected but never wrote); executing an action in an unknown one answers 404.
        await self._events(conversation_id, [{"event": "action", "name": "action_listen"}])
        for name in (action, "action_listen"):
            await self._post(self._path(conversation_id) + "/execute", {"name": name},
                             output_channel=channel)


def agent_of(event: Dict[str, Any]) -> Optional[str]:
    """The agent who wrote a bot event, if a person did."""
    metadata = event.get("metadata") or {}
    return metadata.get("agent") if isinstance(metadata, dict) else None
