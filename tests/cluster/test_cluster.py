"""The assistant on several replicas (``make cluster``): real PostgreSQL, Redis, nginx, three Rasa
replicas and two consoles, started once for this module and stopped even when a test fails.

Any replica serves any message of any conversation; two messages of one conversation at the
same moment are handled one after the other; a replica killed under load, PostgreSQL restarted
and Redis down lose no message and open no ticket twice. Figures are printed (``pytest -s``);
nothing here asserts a duration.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List, Tuple

import pytest

from bot.settings import PROJECT_ROOT
from tests.servers import ALWAYS_OPEN, MODEL, require_model, serving

pytestmark = pytest.mark.model

#: A verified order status, a question, a person with a ticket, thanks.
CONVERSATION = [
    "hi",
    "where is my order 10023?",
    "anna.virtanen@example.com",
    "what is your return policy?",
    "I want to talk to a person",
    "no thanks",
]
#: Slots whose values are moments or ids of this very run.
RUN_SPECIFIC_SLOTS = {"verified_at", "session_started_metadata", "handoff_ticket"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    require_model()
    from bot.tools.cluster import Cluster

    running = Cluster(data_dir=tmp_path_factory.mktemp("cluster"), model=MODEL,
                      endpoints_overrides={"handoff": {"hours": ALWAYS_OPEN}})
    yield from serving(running, timeout=300)


def send(url: str, token: str, sender: str, text: str,
         timeout: float = 60) -> Tuple[int, Dict[str, str], bytes]:
    """One REST turn: the status, the headers and the body as it came."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def post(url: str, token: str, sender: str, text: str,
         timeout: float = 60) -> Tuple[int, Any]:
    """One REST turn: the status and the replies (or the error body as text)."""
    status, _, body = send(url, token, sender, text, timeout)
    if status < 400:
        return status, json.loads(body or b"null")
    return status, body.decode(errors="replace")


def tracker(cluster, sender: str) -> Dict[str, Any]:
    """The conversation's tracker from Rasa's HTTP API (through nginx)."""
    from bot.handoff.rasa_client import api_jwt

    request = urllib.request.Request(
        f"{cluster.rasa_url}/conversations/rest:{sender}/tracker",
        headers={"Authorization": f"Bearer {api_jwt(cluster.stack.rasa_token)}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def replies_text(replies: List[Dict[str, Any]]) -> List[str]:
    """The replies' texts and buttons, ticket numbers left out (each run has its own)."""
    return [re.sub(r"\bH-[0-9A-F]{8}\b", "H-<ticket>", reply.get("text", ""))
            + json.dumps(reply.get("buttons", [])) for reply in replies]


def comparable_slots(state: Dict[str, Any]) -> Dict[str, Any]:
    return {name: value for name, value in state["slots"].items()
            if name not in RUN_SPECIFIC_SLOTS}


def user_turns(state: Dict[str, Any]) -> List[List[Dict[str, Any]]]:
    """The events after each user message, up to the next one."""
    turns: List[List[Dict[str, Any]]] = []
    for event in state["events"]:
        if event["event"] == "user":
            turns.append([event])
        elif turns:
            turns[-1].append(event)
    return turns


def well_formed(state: Dict[str, Any]) -> bool:
    """Every user message was answered and closed with action_listen before the next one."""
    for turn in user_turns(state):
        names = [e.get("name") for e in turn if e["event"] == "action"]
        if not names or names[-1] != "action_listen":
            return False
    return True


def upstreams_of(cluster, since: int) -> List[str]:
    """The replicas nginx sent the webhook requests to, from access-log line ``since`` on."""
    lines = (cluster.nginx.root / "nginx-access.log").read_text().splitlines()[since:]
    return [line.split("upstream=")[1].split()[0] for line in lines
            if line.startswith("POST /webhooks/rest/webhook")]


def access_log_length(cluster) -> int:
    path = cluster.nginx.root / "nginx-access.log"
    return len(path.read_text().splitlines()) if path.exists() else 0


def ticket_rows(cluster) -> List[Tuple[str, str]]:
    """(ticket id, conversation id) of every ticket in the queue database."""
    import psycopg2

    connection = psycopg2.connect(cluster.stack.env["HANDOFF_DB_URL"])
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT ticket_id, conversation_id FROM tickets")
            return list(cursor.fetchall())
    finally:
        connection.close()


def tickets_by_conversation(cluster) -> Counter:
    return Counter(conversation for _, conversation in ticket_rows(cluster))


def resolve_tickets(cluster, sender: str) -> None:
    """Resolve the conversation's tickets, as an agent would: the queue is empty again."""
    from bot.handoff import build_handoff_queue
    from bot.settings import load_settings

    queue = build_handoff_queue(load_settings(cluster.stack.env))
    try:
        for ticket_id, conversation in ticket_rows(cluster):
            if conversation == f"rest:{sender}":
                queue.resolve(ticket_id)
    finally:
        queue.close()


def replicas_cpu_seconds(cluster) -> Dict[str, float]:
    """CPU time each running Rasa replica has used so far (Linux /proc), for sizing."""
    used = {}
    for name, process in cluster.stack.named.items():
        if name.startswith("rasa") and process.poll() is None:
            with open(f"/proc/{process.pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            used[name] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def test_any_replica_serves_any_turn_as_one_process_would(cluster):
    token = cluster.stack.integrator_token
    suffix = time.time_ns()
    single, spread = f"single-{suffix}", f"spread-{suffix}"
    one_replica = cluster.stack.rasa_urls[0]
    expected = [post(one_replica, token, single, text) for text in CONVERSATION]
    resolve_tickets(cluster, single)  # the same queue position for the second conversation
    log_start = access_log_length(cluster)
    got = [post(cluster.rasa_url, token, spread, text) for text in CONVERSATION]

    assert [status for status, _ in got] == [200] * len(CONVERSATION)
    assert [replies_text(r) for _, r in got] == [replies_text(r) for _, r in expected]
    assert len(set(upstreams_of(cluster, log_start))) == 3  # every replica took turns
    reference, alternated = tracker(cluster, single), tracker(cluster, spread)
    assert comparable_slots(alternated) == comparable_slots(reference)
    assert alternated["slots"]["verified_order"] == "10023"
    assert alternated["slots"]["handoff_ticket"] and reference["slots"]["handoff_ticket"]
    assert well_formed(alternated)
    assert tickets_by_conversation(cluster)[f"rest:{spread}"] == 1


def test_a_model_deploy_rolls_across_the_replicas_without_a_failed_turn(cluster):
    token = cluster.stack.integrator_token
    env = {**os.environ, "SHOP_ASSISTANT_VAR": str(cluster.stack.var_dir),
           "RASA_URLS": ",".join(cluster.stack.rasa_urls),
           "RASA_API_TOKEN": cluster.stack.rasa_token}
    deploy = subprocess.Popen([sys.executable, "-m", "bot.tools.deploy", str(MODEL)],
                              cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    turns = []
    while deploy.poll() is None:  # a shopper chats through nginx all along
        turns.append(post(cluster.rasa_url, token, f"during-deploy-{time.time_ns()}",
                          "what is your return policy"))
    out, err = deploy.communicate()
    assert deploy.returncode == 0, err
    assert out.count("live model on") == len(cluster.stack.rasa_urls)
    assert turns and all(status == 200 and replies for status, replies in turns)
    print(f"deploy across {len(cluster.stack.rasa_urls)} replicas: {len(turns)} turns during"
          " it, all answered")


def test_two_messages_at_once_on_two_replicas_are_handled_in_turn(cluster):
    token = cluster.stack.integrator_token
    sender = f"together-{time.time_ns()}"
    first, second = cluster.stack.rasa_urls[:2]
    assert post(first, token, sender, "hi")[0] == 200
    texts = ["where is my order 10021?", "what is your return policy?"]
    results: Dict[str, Tuple[int, Any]] = {}
    start = threading.Barrier(2)

    def send(url: str, text: str) -> None:
        start.wait()
        results[text] = post(url, token, sender, text)

    threads = [threading.Thread(target=send, args=(url, text))
               for url, text in zip((first, second), texts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert all(results[text][0] == 200 and results[text][1] for text in texts), results
    state = tracker(cluster, sender)
    said = [turn[0]["text"] for turn in user_turns(state)]
    assert said[0] == "hi" and sorted(said[1:]) == sorted(texts)
    assert well_formed(state)
    ids = [event.get("timestamp") for event in state["events"]]
    assert ids == sorted(ids)  # one turn after the other, never interleaved


def test_an_agents_message_reaches_the_widget_on_another_replica(cluster):
    """The widget is connected to the first replica (directly); the agent's message goes
    through Rasa's HTTP API of the second, as the console's may."""
    import socketio

    from bot.channel_keys import scoped, session_public_id
    from bot.handoff.rasa_client import api_jwt

    widget_replica, api_replica = cluster.stack.rasa_urls[:2]

    async def scenario() -> List[Dict[str, Any]]:
        client = socketio.AsyncClient()
        confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
        heard: asyncio.Queue = asyncio.Queue()
        client.on("session_confirm", lambda session: confirmed.set_result(session))
        client.on("bot_uttered", heard.put_nowait)
        # Long-polling: python-engineio's WebSocket client needs a newer aiohttp than Rasa's.
        await client.connect(widget_replica, socketio_path="/socket.io",
                             transports=["polling"])
        try:
            await client.emit("session_request", {"session_id": None})
            session = await asyncio.wait_for(confirmed, 30)
            await client.emit("user_uttered", {"message": "hi", "session_id": session})
            await asyncio.wait_for(heard.get(), 60)
            conversation = scoped("socketio", session_public_id(session,
                                                                cluster.stack.session_secret))
            request = urllib.request.Request(
                f"{api_replica}/conversations/{conversation}/tracker/events"
                "?output_channel=latest&execute_side_effects=true",
                data=json.dumps([{"event": "bot", "text": "Hello, Alice here.",
                                  "metadata": {"agent": "alice", "agent_name": "Alice"}}]
                                ).encode(),
                method="POST", headers={"Content-Type": "application/json", "Authorization":
                                        f"Bearer {api_jwt(cluster.stack.rasa_token)}"})
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: urllib.request.urlopen(request, timeout=30).read())
            messages = []
            while not any(m.get("text") == "Hello, Alice here." for m in messages):
                messages.append(await asyncio.wait_for(heard.get(), 30))
            return messages
        finally:
            await client.disconnect()

    messages = asyncio.run(scenario())
    assert messages[-1]["metadata"] == {"agent": "Alice"}


@dataclass
class LoadReport:
    sent: int = 0
    replies: int = 0
    errors: int = 0
    retries: int = 0
    lost: int = 0
    #: Side effects that happened twice (second tickets), filled in after the run.
    duplicated: int = 0
    statuses: Counter = field(default_factory=Counter)

    def line(self, name: str) -> str:
        return (f"{name}: messages sent {self.sent}, replies received {self.replies},"
                f" errors {self.errors} {dict(self.statuses)}, retries {self.retries},"
                f" lost {self.lost}, duplicated side effects {self.duplicated}")


async def _turn(session, url: str, sender: str, text: str, report: LoadReport,
                attempts: int = 5) -> None:
    """One message, sent again after an HTTP error, a connection error or an empty answer
    (a second later, or after the ``Retry-After`` of a 503)."""
    import aiohttp

    report.sent += 1
    wait = 1.0
    for attempt in range(attempts):
        if attempt:
            report.retries += 1
            await asyncio.sleep(wait)
        wait = 1.0
        try:
            async with session.post(f"{url}/webhooks/rest/webhook",
                                    json={"sender": sender, "message": text}) as response:
                raw = await response.read()
                if response.status == 200 and json.loads(raw):
                    report.replies += 1
                    return
                if response.status == 503:
                    wait = float(response.headers.get("Retry-After", wait))
                # An empty list: Rasa 3.6's REST channel hides a failed turn behind 200 [].
                report.statuses["200 []" if response.status == 200 else response.status] += 1
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            report.statuses[type(error).__name__] += 1
        report.errors += 1
    report.lost += 1


async def _shoppers(url: str, token: str, senders: List[str], report: LoadReport,
                    on_progress=None, attempts: int = 5,
                    scripts: Dict[str, List[str]] = None) -> None:
    """Each sender chats its script (CONVERSATION unless ``scripts`` names another)."""
    import aiohttp

    rng = random.Random(7)
    scripts = scripts or {}

    async def shopper(sender: str) -> None:
        await asyncio.sleep(rng.uniform(0, 1.5))
        for text in scripts.get(sender, CONVERSATION):
            await _turn(session, url, sender, text, report, attempts)
            if on_progress:
                on_progress(report)
            await asyncio.sleep(rng.uniform(0.2, 0.8))

    timeout = aiohttp.ClientTimeout(total=90)
    async with aiohttp.ClientSession(timeout=timeout,
                                     headers={"Authorization": f"Bearer {token}"}) as session:
        await asyncio.gather(*[shopper(sender) for sender in senders])


def check_conversations(cluster, senders: List[str],
                        scripts: Dict[str, List[str]] = None) -> Tuple[int, int]:
    """Assert every conversation is whole; return (duplicated messages, duplicated tickets)."""
    tickets = tickets_by_conversation(cluster)
    scripts = scripts or {}
    duplicated = 0
    for sender in senders:
        script = scripts.get(sender, CONVERSATION)
        state = tracker(cluster, sender)
        said = [turn[0]["text"] for turn in user_turns(state)]
        collapsed = [text for k, text in enumerate(said) if k == 0 or said[k - 1] != text]
        assert collapsed == script, (sender, said)
        assert well_formed(state), sender
        duplicated += len(said) - len(script)
    twice = sum(1 for sender in senders if tickets[f"rest:{sender}"] > 1)
    assert all(tickets[f"rest:{sender}"] == 1 for sender in senders)
    return duplicated, twice


def cancel_script(order_id: str) -> List[str]:
    """A shopper who cancels a paid order (a refund is booked), then asks for a person."""
    return ["hi", f"cancel my order {order_id}", "anna.virtanen@example.com", "yes",
            "I want to talk to a person", "no thanks"]


def add_paid_orders(cluster, count: int) -> List[str]:
    """``count`` new paid orders of the demo customer (copies of 10022) in the demo shop."""
    from dataclasses import replace

    from bot.shop.sqlite_shop import SQLiteShop

    shop = SQLiteShop(cluster.stack.var_dir / "shop.db")
    try:
        template = shop.get_order("10022")
        first = random.randrange(200000, 900000)
        ids = [str(first + k) for k in range(count)]
        for order_id in ids:
            shop.add_order(replace(template, order_id=order_id))
        return ids
    finally:
        shop.close()


def cancellations(cluster, order_ids: List[str]) -> Dict[str, Tuple[str, int]]:
    """Each order's status and how many refunds it has (a second cancel would book another)."""
    import sqlite3

    connection = sqlite3.connect(cluster.stack.var_dir / "shop.db")
    try:
        return {order_id: (
            connection.execute("SELECT status FROM orders WHERE order_id = ?",
                               (order_id,)).fetchone()[0],
            connection.execute("SELECT count(*) FROM refunds WHERE order_id = ?",
                               (order_id,)).fetchone()[0]) for order_id in order_ids}
    finally:
        connection.close()


def test_redis_down_fails_turns_with_a_clear_503_and_recovers(cluster):
    """No turn runs without its conversation's lock: while Redis is down a message is answered
    503 with Retry-After at once, nothing of it stored; sent again once Redis is back, it
    goes through."""
    token = cluster.stack.integrator_token
    sender = f"redis-{time.time_ns()}"
    assert post(cluster.rasa_url, token, sender, "hi")[0] == 200
    cluster.redis.stop()
    try:
        started = time.monotonic()
        status, headers, body = post_answer(cluster.rasa_url, token, sender,
                                            "where is my order 10023?")
        took = time.monotonic() - started
    finally:
        cluster.redis.start()
    print(f"\nRedis down: status {status}, Retry-After {headers.get('Retry-After')}, {body},"
          f" after {took:.2f}s")
    assert status == 503 and int(headers["Retry-After"]) > 0 and "lock" in body["error"]
    report = LoadReport(sent=3, replies=1, errors=1, retries=1)
    report.statuses[status] += 1
    retried = post(cluster.rasa_url, token, sender, "where is my order 10023?")[1]
    verified = post(cluster.rasa_url, token, sender, "anna.virtanen@example.com")[1]
    report.replies += bool(retried) + bool(verified)
    report.lost = report.sent - report.replies
    state = tracker(cluster, sender)
    said = [turn[0]["text"] for turn in user_turns(state)]
    report.duplicated = tickets_by_conversation(cluster)[f"rest:{sender}"]  # none asked for
    print(report.line("Redis down for one message, sent again once it was back")
          + f"; the tracker holds {said}")
    assert report.lost == 0 and report.duplicated == 0
    assert said == ["hi", "where is my order 10023?", "anna.virtanen@example.com"]
    assert state["slots"]["verified_order"] == "10023" and well_formed(state)


def post_answer(url: str, token: str, sender: str, text: str,
                timeout: float = 60) -> Tuple[int, Dict[str, str], Any]:
    """One REST turn: the status, the headers and the JSON body (an error's too)."""
    status, headers, body = send(url, token, sender, text, timeout)
    return status, headers, json.loads(body or b"null")


async def widget_turn_while_down(url: str) -> List[Tuple[str, Any]]:
    """A widget's message through nginx while PostgreSQL is down: the events it gets."""
    from bot.tools.benchmarks.socketio_load import RawSocketIO

    client = RawSocketIO(url)
    await client.connect()
    try:
        await client.emit("session_request", {})
        session = None
        while session is None:
            name, data, _ = await asyncio.wait_for(client.events.get(), 30)
            session = data if name == "session_confirm" else None
        await client.emit("user_uttered", {"message": "hi", "session_id": session})
        heard = []
        while len(heard) < 2:
            name, data, _ = await asyncio.wait_for(client.events.get(), 30)
            heard.append((name, data))
        return heard
    finally:
        await client.close()


#: How long PostgreSQL stays down while shoppers chat.
OUTAGE_SECONDS = 4.0


def test_postgres_down_fails_turns_with_a_clear_503_and_recovers_by_itself(cluster):
    """While PostgreSQL is down every turn fails at once with 503 and Retry-After (the widget
    gets an apology) and nothing of it is stored; after the restart the cluster serves turns
    again by itself, and shoppers who retried lost no message and no ticket."""
    from bot.runtime.tracker_store import CONNECT_TIMEOUT_SECONDS

    # Stated bound: a dead server's socket fails at once, an unanswering one after the
    # connect timeout; a turn tries at most a ping and a new connection.
    bound = 2 * CONNECT_TIMEOUT_SECONDS
    token = cluster.stack.integrator_token
    sender = f"pg-{time.time_ns()}"
    assert post(cluster.rasa_url, token, sender, "hi")[0] == 200
    cluster.postgres.halt()
    try:
        started = time.monotonic()
        status, headers, body = post_answer(cluster.rasa_url, token, sender,
                                            "I want to talk to a person")
        took = time.monotonic() - started
        widget = asyncio.run(widget_turn_while_down(cluster.rasa_url))
    finally:
        cluster.postgres.resume()
    resumed, failed_tries = time.monotonic(), 0
    while post(cluster.rasa_url, token, sender, "I want to talk to a person")[0] != 200:
        failed_tries += 1
        assert time.monotonic() - resumed < 60
        time.sleep(0.2)
    recovered = time.monotonic() - resumed
    print(f"\nPostgreSQL down: status {status} after {took:.2f}s (bound {bound}s),"
          f" Retry-After {headers.get('Retry-After')}, {body}; widget heard"
          f" {[name for name, _ in widget]}; a turn answered again {recovered:.2f}s after the"
          f" restart, after {failed_tries} failed tries")
    assert status == 503 and int(headers["Retry-After"]) > 0 and "error" in body
    assert took < bound
    assert widget[0][0] == "bot_uttered" and "send it again" in widget[0][1]["text"]
    assert widget[1][0] == "error"
    said = [turn[0]["text"] for turn in user_turns(tracker(cluster, sender))]
    assert said == ["hi", "I want to talk to a person"]  # the failed turn was not stored
    assert tickets_by_conversation(cluster)[f"rest:{sender}"] == 1

    shoppers = 20
    senders = [f"pg-load-{k}-{time.time_ns()}" for k in range(shoppers)]
    report = LoadReport()
    outage: List[float] = []

    def restart_once(progress: LoadReport) -> None:
        if not outage and progress.replies >= shoppers * len(CONVERSATION) // 3:
            outage.append(progress.replies)

            def halt_then_resume() -> None:
                cluster.postgres.halt()
                time.sleep(OUTAGE_SECONDS)
                cluster.postgres.resume()

            threading.Thread(target=halt_then_resume, daemon=True).start()

    asyncio.run(_shoppers(cluster.rasa_url, token, senders, report, restart_once,
                          attempts=15))
    duplicated, report.duplicated = check_conversations(cluster, senders)
    print(report.line(f"PostgreSQL down {OUTAGE_SECONDS:.0f}s after {outage} replies,"
                      f" {shoppers} shoppers") + f", messages stored twice {duplicated}")
    assert outage and report.statuses and set(report.statuses) <= {503}
    assert report.lost == 0 and report.duplicated == 0
    assert report.replies == shoppers * len(CONVERSATION)


def test_200_widgets_through_nginx_lose_and_duplicate_no_message(cluster):
    """200 socket.io clients at once through nginx (WebSocket upgrade), spread over the
    replicas, each counting its bot messages per turn against the same turn over REST."""
    from bot.tools.benchmarks import socketio_load

    clients = 200
    log_start = access_log_length(cluster)
    result = asyncio.run(socketio_load.run(cluster.rasa_url, cluster.stack.integrator_token,
                                           clients))
    figures = socketio_load.summary(result, clients)
    lines = (cluster.nginx.root / "nginx-access.log").read_text().splitlines()[log_start:]
    replicas = {line.split("upstream=")[1].split()[0] for line in lines
                if line.startswith("GET /socket.io/ 101")}
    print(f"\nsocket.io through nginx: {clients} clients on {len(replicas)} replicas,"
          f" messages sent {clients * len(socketio_load.SCRIPT)}, bot messages expected"
          f" {result.expected}, received {result.received}, lost {result.lost}, duplicated"
          f" {result.duplicated}, clients failed {result.failed_clients}; first reply p50"
          f" {figures['p50_ms']:.0f} ms, p99 {figures['p99_ms']:.0f} ms,"
          f" {figures['messages_per_second']:.1f} bot messages/s")
    assert result.failed_clients == 0
    assert result.lost == 0 and result.duplicated == 0
    assert result.received == result.expected > 0
    assert len(replicas) == 3


def console_login(cluster) -> str:
    """The demo agent's session cookie, from a JSON login through nginx."""
    request = urllib.request.Request(
        f"{cluster.console_url}/login", method="POST",
        data=json.dumps({"username": "demo", "password": cluster.stack.demo_password}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        cookie = response.headers["Set-Cookie"].split(";")[0]
    assert cookie.startswith("console_session=") and len(cookie) > 30
    return cookie


class QueueStream:
    """The console's live queue (server-sent events) as its page opens it: GET /api/events
    with the agent's cookie, through nginx."""

    def __init__(self, cluster, cookie: str) -> None:
        import http.client

        port = int(cluster.console_url.rsplit(":", 1)[1])
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.connection.request("GET", "/api/events", headers={
            "Cookie": cookie, "Accept": "text/event-stream"})
        self.response = self.connection.getresponse()
        self.status = self.response.status
        self.content_type = self.response.headers.get("Content-Type", "")
        self.served_by = self.response.headers.get("X-Served-By", "")

    def next_queue(self) -> List[Dict[str, Any]]:
        """The next queue snapshot; EOFError when the server ended the stream."""
        event = None
        while True:
            line = self.response.readline()
            if not line:
                raise EOFError("stream ended")
            line = line.decode().rstrip("\n")
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event == "queue":
                return json.loads(line.split(":", 1)[1])

    def close(self) -> None:
        self.connection.close()


def console_serving(cluster, served_by: str) -> str:
    """The name of the console process behind nginx's ``X-Served-By`` (host:port)."""
    names = ["console", *[f"console-{k}" for k in range(2, 10)]]
    ports = {url.rsplit(":", 1)[1]: name for name, url in zip(names, cluster.stack.console_urls)}
    return ports[served_by.rsplit(":", 1)[1]]


def restart_console(cluster, name: str) -> None:
    """Start a killed console again (same command, environment and log) and wait for it."""
    stack = cluster.stack
    dead = stack.named[name]
    if dead.poll() is None:
        return
    log = open(stack.var_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
    stack.named[name] = subprocess.Popen(dead.args, cwd=PROJECT_ROOT, env=stack.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
    port = dict(zip(["console", *[f"console-{k}" for k in range(2, 10)]],
                    stack.console_urls))[name]
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{port}/health", timeout=2):
                return
        except OSError:
            assert time.monotonic() < deadline, f"{name} did not start again"
            time.sleep(0.3)


def new_ticket(cluster) -> str:
    """A shopper asks for a person (REST through nginx): the new ticket's id."""
    sender = f"console-kill-{time.time_ns()}"
    status, replies = post(cluster.rasa_url, cluster.stack.integrator_token, sender,
                           "I want to talk to a person")
    assert status == 200 and replies
    return next(t for t, c in ticket_rows(cluster) if c == f"rest:{sender}")


def test_a_console_killed_under_an_agents_live_queue_the_other_carries_on(cluster):
    """The agent's live queue through nginx; its console is killed (-9). The same request
    with the same cookie (what EventSource sends) gets the stream from the other console
    (sessions are in PostgreSQL), a new ticket included."""
    cookie = console_login(cluster)
    stream = QueueStream(cluster, cookie)
    assert stream.status == 200 and stream.content_type.startswith("text/event-stream")
    serving = console_serving(cluster, stream.served_by)
    stream.next_queue()
    os.killpg(cluster.stack.named[serving].pid, signal.SIGKILL)
    try:
        with pytest.raises((EOFError, ConnectionError)):
            while True:  # only keep-alives and snapshots until the instance is gone
                stream.next_queue()
        stream.close()
        again = QueueStream(cluster, cookie)
        try:
            assert again.status == 200 and again.content_type.startswith("text/event-stream")
            assert console_serving(cluster, again.served_by) != serving
            again.next_queue()
            ticket = new_ticket(cluster)
            snapshots = 1
            while not any(item.get("ticket_id") == ticket for item in again.next_queue()):
                snapshots += 1
        finally:
            again.close()
    finally:
        restart_console(cluster, serving)
    print(f"\nconsole {serving} killed under the live queue: the stream ended, the same"
          f" request with the same cookie got the queue from"
          f" {console_serving(cluster, again.served_by)}; the new ticket arrived in snapshot"
          f" {snapshots}")


def test_the_console_page_carries_on_at_the_other_console_when_its_own_dies(cluster):
    """A real Chromium with the agent console open through nginx: the console instance
    holding the page's live queue is killed (-9); the page reconnects by itself and shows a
    ticket opened afterwards."""
    from contextlib import contextmanager

    from playwright.sync_api import expect

    from tests.e2e.browser import TIMEOUT, launch

    # Its own Chromium, closed at the end: Playwright's event loop must not outlive the test
    # (the next tests run their own).
    with contextmanager(launch)() as browser:
        page = browser.new_context().new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto(f"{cluster.console_url}/login")
        page.fill("#username", "demo")
        page.fill("#password", cluster.stack.demo_password)
        with page.expect_response(lambda r: r.url.endswith("/api/events")) as first:
            page.click("button[type=submit]")
        serving = console_serving(cluster, first.value.headers["x-served-by"])
        expect(page.locator("#queue-empty, #queue li").first).to_be_visible()
        try:
            with page.expect_response(lambda r: r.url.endswith("/api/events"),
                                      timeout=60_000) as second:
                os.killpg(cluster.stack.named[serving].pid, signal.SIGKILL)
            ticket = new_ticket(cluster)
            expect(page.locator(f'#queue li[data-ticket="{ticket}"]')).to_be_visible(
                timeout=60_000)
            again = console_serving(cluster, second.value.headers["x-served-by"])
            status = second.value.status
        finally:
            restart_console(cluster, serving)
    print(f"\nconsole page: {serving} killed under its live queue; the page reconnected to"
          f" {again} and showed the new ticket")
    assert again != serving and status == 200


def test_a_replica_killed_under_load_loses_no_message(cluster):
    """Last in this module: the killed replica stays down. Every fifth shopper cancels a
    paid order of its own: each is cancelled with one refund, also when a retry repeats the
    confirmation."""
    shoppers = 100
    senders = [f"kill-{k}-{time.time_ns()}" for k in range(shoppers)]
    orders = add_paid_orders(cluster, shoppers // 5)
    scripts = {sender: cancel_script(order) for sender, order in zip(senders[::5], orders)}
    report = LoadReport()
    victim = cluster.stack.named["rasa-3"]
    killed: List[int] = []
    cpu_before, cpu_at_kill = replicas_cpu_seconds(cluster), {}

    def kill_once(progress: LoadReport) -> None:
        if not killed and progress.replies >= shoppers * len(CONVERSATION) // 3:
            cpu_at_kill.update(replicas_cpu_seconds(cluster))
            os.killpg(victim.pid, signal.SIGKILL)
            killed.append(progress.replies)

    asyncio.run(_shoppers(cluster.rasa_url, cluster.stack.integrator_token, senders, report,
                          kill_once, scripts=scripts))
    cpu = {**cpu_at_kill, **replicas_cpu_seconds(cluster)}
    per_turn = sum(cpu[name] - cpu_before[name] for name in cpu_before) / report.replies
    duplicated, twice = check_conversations(cluster, senders, scripts)
    cancelled = cancellations(cluster, orders)
    refunded_twice = sum(1 for _, refunds in cancelled.values() if refunds > 1)
    report.duplicated = twice + refunded_twice
    print("\n" + report.line(f"kill -9 of one replica after {killed} replies,"
                             f" {shoppers} shoppers ({len(orders)} cancelling an order)")
          + f" (second tickets {twice}, orders refunded twice {refunded_twice}),"
            f" messages stored twice {duplicated};"
            f" replicas' CPU per answered turn {per_turn * 1000:.0f} ms")
    assert killed and victim.poll() is not None
    assert report.lost == 0 and report.duplicated == 0
    assert report.replies == shoppers * len(CONVERSATION)
    assert all(state == ("cancelled", 1) for state in cancelled.values()), cancelled
