"""Full turns through the REST webhook: latency, capacity, memory and cold start."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, List, Sequence, Union

import aiohttp

from bot.tools.run import Stack

#: A shopper's conversation: FAQ, an order lookup with verification (custom actions), chit-chat.
CONVERSATION = [
    "hi",
    "where is my order 10023",
    "anna.virtanen@example.com",
    "what is your return policy?",
    "do you have the rain jacket in size M",
    "how long does delivery take",
    "thanks!",
    "bye",
]


@dataclass
class Latencies:
    seconds: List[float]
    errors: int = 0
    wall: float = 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.seconds)
        if not ordered:
            return float("nan")
        index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
        return ordered[index] * 1000

    @property
    def p50(self) -> float:
        return self.percentile(0.50)

    @property
    def p99(self) -> float:
        return self.percentile(0.99)

    @property
    def per_second(self) -> float:
        return len(self.seconds) / self.wall if self.wall else 0.0


async def _turn(session: aiohttp.ClientSession, url: str, sender: str, text: str,
                sink: Latencies) -> None:
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as response:
            replies = await response.json()
            if response.status != 200 or not replies:
                sink.errors += 1
                return
    except (aiohttp.ClientError, asyncio.TimeoutError):
        sink.errors += 1
        return
    sink.seconds.append(time.perf_counter() - started)


async def _shopper(session, urls: Iterator[str], sender: str, turns: int, pause: float,
                   sink: Latencies, rng: random.Random, start: float) -> None:
    if start:
        await asyncio.sleep(start)
    for index in range(turns):
        await _turn(session, next(urls), sender, CONVERSATION[index % len(CONVERSATION)], sink)
        if pause:
            await asyncio.sleep(pause * rng.uniform(0.5, 1.5))


async def run_load(url: Union[str, Sequence[str]], shoppers: int, turns: int, pause: float,
                   tag: str, together: bool = False, token: str = "") -> Latencies:
    """``shoppers`` concurrent conversations of ``turns`` turns, ``pause`` s apart on average.

    With pauses, each shopper's first message comes at a random moment of the first pause, as
    when shoppers are already chatting; ``together`` sends every first message at the same
    instant instead (a burst of ``shoppers`` turns at once). With several URLs (Rasa replicas
    without a load balancer) the turns go to them in turn, round-robin, so one conversation's
    turns move between replicas as behind nginx (``make cluster``: give its one URL). A
    shopper sends a turn only after the previous one's reply, so even without a shared lock
    store no two turns of one conversation overlap. ``token`` is the integrator's token the
    REST channel asks of server-to-server callers.
    """
    urls = itertools.cycle([url] if isinstance(url, str) else list(url))
    sink = Latencies([])
    rng = random.Random(1)
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=0)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession(timeout=timeout, connector=connector,
                                     headers=headers) as session:
        started = time.perf_counter()
        senders = [f"{tag}-{i}-{time.time_ns()}" for i in range(shoppers)]
        starts = [0.0 if together else rng.uniform(0, pause) for _ in senders]
        await asyncio.gather(*[
            _shopper(session, urls, sender, turns, pause, sink, rng, start)
            for sender, start in zip(senders, starts)])
        sink.wall = time.perf_counter() - started
    return sink


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB (Linux /proc)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


@dataclass
class SpeedReport:
    cold_start: float
    one: Latencies
    fifty: Latencies
    #: The same 50 shoppers, every first message sent at the same instant.
    burst: Latencies
    capacity: Latencies
    rasa_rss: float
    actions_rss: float


def measure(stack: Stack, fifty_seconds: float = 60.0) -> SpeedReport:
    """Start the stack, run the scenarios, stop it."""
    started = time.perf_counter()
    stack.start()
    try:
        stack.wait_until_ready(timeout=300)
        cold = time.perf_counter() - started
        url = [f"{base}/webhooks/rest/webhook" for base in stack.rasa_urls]
        token = stack.integrator_token
        asyncio.run(run_load(url, 4, len(CONVERSATION), 0, "warmup", token=token))
        one = asyncio.run(run_load(url, 1, 48, 0, "one", token=token))
        turns = max(1, int(fifty_seconds / 2.0))
        fifty = asyncio.run(run_load(url, 50, turns, 2.0, "fifty", token=token))
        burst = asyncio.run(run_load(url, 50, turns, 2.0, "burst", together=True, token=token))
        capacity = asyncio.run(run_load(url, 16, 24, 0, "capacity", token=token))
        actions = stack.named.get("actions")
        return SpeedReport(cold, one, fifty, burst, capacity, rss_mb(stack.named["rasa"].pid),
                           rss_mb(actions.pid) if actions else 0.0)
    finally:
        stack.stop()
