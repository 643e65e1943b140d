"""Many shoppers on the socket.io channel at once: reply latency, throughput, and whether any
reply was lost or arrived twice (the widget's transport, measured end to end)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List

import websockets

SCRIPT = [
    "hi",
    "what is your return policy?",
    "do you have the rain jacket in size M",
    "how long does delivery take",
    "thanks!",
]


@dataclass
class LoadResult:
    latencies: List[float] = field(default_factory=list)
    expected: int = 0
    received: int = 0
    lost: int = 0
    duplicated: int = 0
    failed_clients: int = 0
    wall: float = 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000


def expected_replies(rasa_url: str, token: str) -> List[int]:
    """How many bot messages each turn of the script produces (asked once over REST, with the
    integrator's token)."""
    counts = []
    sender = f"probe-{uuid.uuid4().hex}"
    for text in SCRIPT:
        request = urllib.request.Request(
            f"{rasa_url}/webhooks/rest/webhook",
            data=json.dumps({"sender": sender, "message": text}).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
            method="POST")
        with urllib.request.urlopen(request, timeout=60) as response:
            counts.append(len(json.loads(response.read())))
    return counts


class RawSocketIO:
    """A minimal socket.io v5 client over a plain WebSocket (engine.io v4 framing), so that
    the benchmark needs nothing newer than what Rasa 3.6 pins."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/") + \
            "/socket.io/?EIO=4&transport=websocket"
        self.events: asyncio.Queue = asyncio.Queue()
        self._socket = None
        self._reader = None

    async def connect(self) -> None:
        self._socket = await websockets.connect(self.url, max_size=2**22)
        await self._socket.recv()  # engine.io open packet
        await self._socket.send("40")
        while not (await self._socket.recv()).startswith("40"):
            pass
        self._reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for frame in self._socket:
            if frame == "2":
                await self._socket.send("3")  # pong
            elif frame.startswith("42"):
                name, *args = json.loads(frame[2:])
                self.events.put_nowait((name, args[0] if args else None, time.perf_counter()))

    async def emit(self, name: str, data: object) -> None:
        await self._socket.send("42" + json.dumps([name, data]))

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self._socket:
            await self._socket.close()


async def _next(client: RawSocketIO, name: str, timeout: float, with_data: bool = False) -> Any:
    """When the next ``name`` event arrived (or, ``with_data``, what it carried)."""
    while True:
        event, data, arrived = await asyncio.wait_for(client.events.get(), timeout)
        if event == name:
            return data if with_data else arrived


async def _shopper(url: str, counts: List[int], pause: float, result: LoadResult) -> None:
    client = RawSocketIO(url)
    try:
        await client.connect()
        await client.emit("session_request", {})
        session = await _next(client, "session_confirm", 30, with_data=True)
        for text, count in zip(SCRIPT, counts):
            sent = time.perf_counter()
            await client.emit("user_uttered", {"message": text, "session_id": session})
            got = 0
            while got < count:
                try:
                    arrived = await _next(client, "bot_uttered", 30)
                except asyncio.TimeoutError:
                    break
                if got == 0:
                    result.latencies.append(arrived - sent)
                got += 1
            await asyncio.sleep(0.3)  # anything arriving now is a duplicate
            extra = sum(1 for e in _drain(client.events) if e[0] == "bot_uttered")
            result.expected += count
            result.received += got + extra
            result.lost += count - got
            result.duplicated += extra
            await asyncio.sleep(pause)
    except Exception:  # noqa: BLE001 - a client that could not connect is counted
        result.failed_clients += 1
    finally:
        await client.close()


def _drain(queue: asyncio.Queue) -> List[tuple]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


async def run(rasa_url: str, token: str, clients: int = 200, pause: float = 1.0) -> LoadResult:
    counts = expected_replies(rasa_url, token)
    result = LoadResult()
    started = time.perf_counter()
    await asyncio.gather(*[_shopper(rasa_url, counts, pause, result) for _ in range(clients)])
    result.wall = time.perf_counter() - started
    return result


def summary(result: LoadResult, clients: int) -> Dict[str, float]:
    return {"clients": clients, "p50_ms": result.percentile(0.5),
            "p99_ms": result.percentile(0.99),
            "messages_per_second": result.received / result.wall if result.wall else 0.0,
            "lost": result.lost, "duplicated": result.duplicated,
            "failed_clients": result.failed_clients}
