"""Attacks on the chat channels of the running assistant: other people's sender ids, forged
sessions and tokens, a made-up channel, malformed bodies. Each must fail while the shopper's
own use keeps working."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import urllib.error
import urllib.request
from typing import Any, List, Optional, Tuple
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from bot.shop.customer_tokens import issue_customer_token
from bot.tools.benchmarks.socketio_load import RawSocketIO
from tests.servers import SECRET, TWILIO_SECRET, Chat

ANNA = ("10023", "anna.virtanen@example.com")  # shipped with Posti: tracking in the answer


def post(url: str, body: bytes, headers: Optional[dict] = None) -> Tuple[int, Any]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=60) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def tracker_events(stack, conversation: str) -> List[dict]:
    with sqlite3.connect(stack.var_dir / "tracker.db") as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id",
                          (conversation,)).fetchall()
    return [json.loads(row[0]) for row in rows]


def shows_order(replies: str) -> bool:
    return "Posti" in replies or "https://" in replies


# -- REST -----------------------------------------------------------------------------------------


def test_anonymous_rest_caller_is_refused(stack):
    url = f"{stack.rasa_url}/webhooks/rest/webhook"
    body = json.dumps({"sender": "anyone", "message": "hi"}).encode()
    assert post(url, body)[0] == 401
    assert post(url, body, {"Authorization": "Bearer not-the-token"})[0] == 401
    made_up = json.dumps({"sender": "0" * 32 + "." + "0" * 32, "message": "hi"}).encode()
    assert post(url, made_up)[0] == 401


def test_a_shops_front_end_chats_with_an_issued_session(stack):
    status, issued = post(f"{stack.rasa_url}/webhooks/rest/session", b"")
    assert status == 200
    chat = Chat(stack, issued["session_id"], token="")
    assert "order number" in chat.text("where is my order").lower()
    public = issued["session_id"].split(".")[0]
    assert tracker_events(stack, f"rest:{public}")  # filed under the public part only
    assert not tracker_events(stack, f"rest:{issued['session_id']}")


def whatsapp(stack, number: str, text: str) -> None:
    url = f"{stack.rasa_url}/webhooks/twilio/webhook"
    params = {"From": f"whatsapp:{number}", "To": "whatsapp:+14155238886", "Body": text,
              "MessageSid": f"SM{time.time_ns()}"}
    signature = RequestValidator(TWILIO_SECRET).compute_signature(url, params)
    request = urllib.request.Request(url, data=urlencode(params).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded",
                                              "X-Twilio-Signature": signature})
    with urllib.request.urlopen(request, timeout=60) as reply:
        assert reply.status in (200, 204)


def test_rest_caller_cannot_continue_a_whatsapp_conversation(stack, platforms):
    number = "+358401110001"
    whatsapp(stack, number, f"where is my order {ANNA[0]}")
    whatsapp(stack, number, ANNA[1])
    sent = platforms.wait_for(lambda c: c["path"].endswith("/Messages.json")
                              and c["body"].get("To") == f"whatsapp:{number}"
                              and "Posti" in c["body"].get("Body", ""))
    assert sent  # the shopper on WhatsApp sees their verified order
    before = len(tracker_events(stack, f"twilio:whatsapp:{number}"))
    for sender in (f"whatsapp:{number}", f"twilio:whatsapp:{number}"):
        attacker = Chat(stack, sender)
        replies = attacker.text("and where is that order now?")
        assert not shows_order(replies)
    assert len(tracker_events(stack, f"twilio:whatsapp:{number}")) == before


def test_the_body_cannot_choose_the_channel(stack):
    chat = Chat(stack, "claims-telegram")
    payload = {"sender": chat.sender, "message": "hi", "input_channel": "telegram"}
    assert chat.post(json.dumps(payload).encode())[0] == 200
    channels = {e.get("input_channel") for e in tracker_events(stack, chat.conversation_id)
                if e.get("event") == "user"}
    assert channels == {"rest"}


def test_forged_customer_token_gives_no_identity(stack):
    # The string that used to be the default secret, and a token signed with nothing known.
    for secret in ("change-me-in-production", "guess"):
        forged = issue_customer_token("C-1002", secret)
        chat = Chat(stack, f"forger-{secret}", metadata={"customer_token": forged})
        replies = json.dumps(chat.say("where is my order?"))
        assert "10025" not in replies and "10026" not in replies  # Mikko's orders
    genuine = Chat(stack, "mikko-genuine",
                   metadata={"customer_token": issue_customer_token("C-1002", SECRET)})
    assert "10025" in json.dumps(genuine.say("where is my order?"))


@pytest.mark.parametrize("body", [
    b'{"sender": "x", "message": "hi", "metadata": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001,
    b"[" * 100_000 + b"]" * 100_000,
    b'{"sender": "x", "message": "hi", "metadata": [' + b"[" * 100_000 + b"]" * 100_001 + b"}",
])
def test_deeply_nested_json_gets_a_4xx(stack, body):
    status, _ = Chat(stack, "nested").post(body)
    assert 400 <= status < 500
    assert Chat(stack, "after-nesting").say("hi")  # the server carries on


# -- socket.io ------------------------------------------------------------------------------------


async def _collect(client: RawSocketIO, seconds: float) -> List[Tuple[str, Any]]:
    got = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            event, data, _ = await asyncio.wait_for(client.events.get(),
                                                    deadline - time.monotonic())
        except asyncio.TimeoutError:
            break
        got.append((event, data))
    return got


async def _session(url: str, session_id: Optional[str] = None) -> Tuple[RawSocketIO, str]:
    client = RawSocketIO(url)
    await client.connect()
    await client.emit("session_request", {"session_id": session_id} if session_id else {})
    while True:
        event, data, _ = await asyncio.wait_for(client.events.get(), 30)
        if event == "session_confirm":
            return client, data


async def _say(client: RawSocketIO, session: str, text: str, wait: float = 8.0) -> str:
    await client.emit("user_uttered", {"message": text, "session_id": session})
    return " ".join(str((data or {}).get("text", "")) for event, data
                    in await _collect(client, wait) if event == "bot_uttered")


def test_socketio_session_cannot_be_joined_without_its_secret(stack):
    async def scenario() -> None:
        shopper, session = await _session(stack.rasa_url)
        public = session.split(".")[0]
        assert "email" in (await _say(shopper, session, f"where is my order {ANNA[0]}")).lower()
        assert shows_order(await _say(shopper, session, ANNA[1]))

        # An eavesdropper who learnt the conversation id (or guesses a signature) gets a
        # session of its own, hears nothing of the shopper's, and cannot write into theirs.
        for claimed in (public, f"socketio:{public}", f"{public}.{'0' * 32}"):
            spy, given = await _session(stack.rasa_url, claimed)
            assert given.split(".")[0] != public
            await spy.emit("user_uttered", {"message": "where is it now?", "session_id": claimed})
            heard = await _collect(spy, 3)
            assert ("error", {"error": "unknown session: send session_request"}) in heard
            assert not any(event == "bot_uttered" for event, _ in heard)
            echo = await _say(shopper, session, "thanks, and when does it arrive?", wait=6)
            assert echo  # the shopper still gets answers ...
            assert not any(event == "bot_uttered" for event, _ in await _collect(spy, 2))
            await spy.close()

        # The shopper's own reconnect with the whole id continues the same conversation.
        again, same = await _session(stack.rasa_url, session)
        assert same == session
        await shopper.close()
        await again.close()
        assert tracker_events(stack, f"socketio:{public}")

    asyncio.run(scenario())
