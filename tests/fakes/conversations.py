"""A stand-in for Rasa's HTTP API that records what the console asked it to do."""

from __future__ import annotations

from typing import Any, Dict, List, Tuple


class FakeConversationControl:
    def __init__(self) -> None:
        self.calls: List[Tuple[str, str, Any]] = []
        self.events: Dict[str, List[Dict[str, Any]]] = {}
        self.model_file = "models/current.tar.gz"

    async def tracker(self, conversation_id: str) -> Dict[str, Any]:
        return {"events": self.events.get(conversation_id, [])}

    async def take_over(self, conversation_id: str, agent_name: str) -> None:
        self.calls.append(("take_over", conversation_id, agent_name))

    async def send_agent_message(self, conversation_id: str, text: str, agent: str,
                                 display_name=None) -> None:
        self.calls.append(("send", conversation_id, text))
        self.events.setdefault(conversation_id, []).append(
            {"event": "bot", "text": text, "timestamp": 9.0, "metadata": {"agent": agent}})

    async def hand_back(self, conversation_id: str, action: str) -> None:
        self.calls.append(("hand_back", conversation_id, action))

    async def notify(self, conversation_id: str, action: str, channel: str = "latest") -> None:
        self.calls.append(("notify", conversation_id, action))


    async def status(self) -> Dict[str, Any]:
        return {"model_file": self.model_file}

    async def load_model(self, model_file: str) -> None:
        self.calls.append(("load_model", "", model_file))
        self.model_file = model_file
