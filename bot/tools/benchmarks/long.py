"""One long conversation through the REST webhook: does a turn get slower as it grows?

A shopper who keeps one chat open for hundreds of turns (a WhatsApp or Telegram thread, an
agent's long conversation) sends a realistic mix of messages: greetings, FAQ questions, order
lookups with email verification, chit-chat and thanks. The turns are timed in blocks of 50; a
turn's cost should be the same in the last block as in the first.

A second sender already has many earlier sessions in the tracker store (copies of the first
conversation, moved days back in time); its turns should cost what a new sender's do.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional

import aiohttp

from bot.channel_keys import scoped
from bot.tools.benchmarks.speed import Latencies, _turn
from bot.tools.run import Stack

#: One round of the shopper's messages; the conversation repeats it.
SCRIPT = [
    "hi",
    "what is your return policy?",
    "where is my order 10023",
    "anna.virtanen@example.com",
    "thanks!",
    "how long does delivery take",
    "how are you today?",
    "which payment methods do you accept?",
    "what's the status of order 10024",
    "anna.virtanen@example.com",
    "do you have the rain jacket in size M",
    "are you a bot?",
    "do you ship to Norway?",
    "great, thank you",
    "hello again",
    "can I pay with Klarna?",
    "ok",
    "thank you so much",
]

#: Turns per timed block.
BLOCK = 50


@dataclass
class LongReport:
    """Latencies of each block of one conversation, and of a sender with old sessions."""

    blocks: List[Latencies]
    #: The Rasa server's CPU time per turn in each block, in ms (less disturbed than the
    #: latencies by other work on the machine).
    cpu_ms: List[float]
    #: The turns after the first of a new sender, and of a sender with old sessions.
    fresh: Latencies
    many_sessions: Latencies
    fresh_cpu_ms: float
    many_sessions_cpu_ms: float
    #: The first message of each of the two senders.
    fresh_first: Latencies
    many_sessions_first: Latencies
    old_sessions: int
    old_events: int


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process (all its threads) so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def conversation(url: str, token: str, sender: str, turns: int, block: int = BLOCK,
                       pid: Optional[int] = None, cpu_ms: Optional[List[float]] = None,
                       start: int = 0) -> List[Latencies]:
    """``turns`` turns of one sender, one after another (from message ``start`` of the
    script), timed per ``block`` turns; with ``pid``, the server's CPU time per turn of each
    block is appended to ``cpu_ms``."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    blocks: List[Latencies] = []
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120),
                                     headers=headers) as session:
        for first in range(0, turns, block):
            blocks.append(Latencies([]))
            started = cpu_seconds(pid) if pid else 0.0
            count = min(block, turns - first)
            for index in range(first, first + count):
                await _turn(session, url, sender, SCRIPT[(start + index) % len(SCRIPT)],
                            blocks[-1])
            if pid and cpu_ms is not None:
                cpu_ms.append((cpu_seconds(pid) - started) * 1000 / count)
    return blocks


def copy_as_old_sessions(database: Path, sender: str, target: str, sessions: int) -> int:
    """Store ``sessions`` copies of REST sender ``sender``'s conversation as ``target``'s,
    each a day older than the next and all older than a session lasts, as if ``target`` had
    chatted that often before. Returns the number of events stored."""
    sender, target = scoped("rest", sender), scoped("rest", target)
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT type_name, timestamp, intent_name, action_name, data FROM events"
            " WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
        stored = 0
        for age in range(sessions, 0, -1):
            shift = age * 86400.0
            for type_name, timestamp, intent, action, data in rows:
                event = json.loads(data)
                event["timestamp"] = event["timestamp"] - shift
                connection.execute(
                    "INSERT INTO events (sender_id, type_name, timestamp, intent_name,"
                    " action_name, data) VALUES (?, ?, ?, ?, ?, ?)",
                    (target, type_name, timestamp - shift, intent, action, json.dumps(event)))
                stored += 1
        connection.commit()
        return stored
    finally:
        connection.close()


def measure(stack: Stack, turns: int = 300, sessions: int = 20,
            say: Callable[[str], None] = print) -> LongReport:
    """Start the stack, run the long conversation and the sender with old sessions, stop it."""
    stack.start()
    try:
        stack.wait_until_ready(timeout=300)
        url = f"{stack.rasa_url}/webhooks/rest/webhook"
        token = stack.integrator_token
        tag = time.time_ns()
        pid = stack.named["rasa"].pid
        asyncio.run(conversation(url, token, f"long-warmup-{tag}", len(SCRIPT)))
        sender = f"long-{tag}"
        cpu_blocks: List[float] = []
        blocks = asyncio.run(conversation(url, token, sender, turns, pid=pid,
                                          cpu_ms=cpu_blocks))
        veteran = f"long-veteran-{tag}"
        events = copy_as_old_sessions(stack.var_dir / "tracker.db", sender, veteran, sessions)
        # The first message of each sender is timed on its own: the veteran's reads and
        # closes its last old session, once.
        firsts, seconds, cpus = [], [], []
        for name in (f"long-new-{tag}", veteran):
            firsts.append(asyncio.run(conversation(url, token, name, 1))[0])
            cpu: List[float] = []
            seconds.append(asyncio.run(conversation(url, token, name, BLOCK, pid=pid,
                                                    cpu_ms=cpu, start=1))[0])
            cpus.append(cpu[0])
        return LongReport(blocks, cpu_blocks, seconds[0], seconds[1], cpus[0], cpus[1],
                          firsts[0], firsts[1], sessions, events)
    finally:
        stack.stop()


def run(say: Callable[[str], None], work: Path, model: Path, turns: int = 300) -> LongReport:
    """The section of ``make bench``: p50 / p99 per block of turns, and old sessions."""
    stack = Stack(rasa_port=5805, actions_port=5855, console_port=5885,
                  var_dir=work / "var-long", model=model)
    report = measure(stack, turns)
    say("### One long conversation\n")
    say(f"One shopper, {turns} turns one after another through the REST webhook (the"
        f" {len(SCRIPT)} messages of a round repeated: greetings, FAQ questions, order lookups"
        " with email verification, chit-chat, thanks), timed per block of"
        f" {BLOCK} turns. A turn should cost the same in the last block as in the first.\n")
    say("| turns | p50 / p99 | Rasa server CPU per turn | errors |")
    say("|---|---|---|---|")
    for index, (block, cpu) in enumerate(zip(report.blocks, report.cpu_ms)):
        first = index * BLOCK + 1
        say(f"| {first}-{first + len(block.seconds) + block.errors - 1} |"
            f" {block.p50:.1f} / {block.p99:.1f} ms | {cpu:.1f} ms | {block.errors} |")
    say(f"\nA sender with {report.old_sessions} earlier sessions ({report.old_events} stored"
        f" events, copies of the conversation above moved back by days) against a new sender:"
        f" the first message, then {BLOCK} more:\n")
    say("| sender | first message | next turns p50 / p99 | Rasa server CPU per turn | errors |")
    say("|---|---|---|---|---|")
    for name, first, block, cpu in (
            ("new", report.fresh_first, report.fresh, report.fresh_cpu_ms),
            (f"{report.old_sessions} earlier sessions", report.many_sessions_first,
             report.many_sessions, report.many_sessions_cpu_ms)):
        say(f"| {name} | {first.p50:.0f} ms | {block.p50:.1f} / {block.p99:.1f} ms |"
            f" {cpu:.1f} ms | {block.errors + first.errors} |")
    say("")
    return report
