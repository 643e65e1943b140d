"""The email channel against real mail servers on loopback: Dovecot holds the support mailbox,
aiosmtpd receives what the assistant sends. The NLU and the dialogue are stand-ins (the Rasa
model is not needed); the shop, the queue and the limits are the real SQLite stores."""

from typing import Any, Dict, List

import pytest

from bot.email import Understanding
from bot.runtime.channels.mail import EmailInput
from tests.bot.email.mails import auto_reply, bounce, shopper_email

ANNA, MIKKO, AYLIN = ("anna.virtanen@example.com", "mikko.korhonen@example.fi",
                      "aylin.demir@example.com")


async def understand(text: str) -> Understanding:
    if "unacceptable" in text.lower():
        return Understanding("complaint", 0.95)
    if "return policy" in text.lower():
        return Understanding("faq", 0.9)
    return Understanding("order_status", 0.9)


async def converse(conversation: str, text: str,
                   metadata: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [{"text": "Returns are free within 30 days."}]


@pytest.fixture
def channel(services, imap_server, smtp_server, monkeypatch) -> EmailInput:
    monkeypatch.setenv("EMAIL_IMAP_PASSWORD", imap_server.password)
    monkeypatch.delenv("EMAIL_SMTP_PASSWORD", raising=False)
    built = EmailInput.from_credentials({
        "address": "support@shop.test", "team": "Northwind",
        "chat_url": "https://shop.test/#chat",
        "imap_host": "127.0.0.1", "imap_port": imap_server.port, "imap_user": imap_server.user,
        "imap_security": "none", "smtp_host": "127.0.0.1", "smtp_port": smtp_server.port,
        "smtp_security": "none", "emails_per_hour": 20, "poll_seconds": 1,
    })
    built.desk = built.build_desk(understand, converse)
    return built


def by_recipient(smtp_server, address: str):
    return [message for message in smtp_server.received if message["To"] == address]


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


async def test_the_mailbox_is_answered_through_real_servers(channel, imap_server, smtp_server):
    questions = [
        (ANNA, "Hello, where is my order 10023? It has been a week already.", "shipped"),
        (ANNA, "Hei, missä tilaukseni 10024 on? Odotan sitä jo kovasti.", "toimitettu"),
        (MIKKO, "Merhaba, 10025 numaralı siparişim nerede? Bir haftadır bekliyorum.",
         "paketlendi"),
        (MIKKO, "Добрий день, де моє замовлення 10026? Я чекаю вже тиждень.", "доставлене"),
        (AYLIN, "Halo, di mana pesanan saya 10028? Saya sudah menunggu seminggu.",
         "dikembalikan"),
        (ANNA, "Hei, hvor er bestillingen min 10021? Jeg har ventet en uke nå.", "mottatt"),
    ]
    for sender, text, _ in questions:
        imap_server.deliver(shopper_email(text, sender=sender, subject="Order"))
    imap_server.deliver(shopper_email("Where is order 10027? Tell me everything.",
                                      sender="stranger@evil.test"))
    imap_server.deliver(auto_reply(ANNA))
    imap_server.deliver(bounce(MIKKO))

    assert await channel.poll_once() == 9
    assert imap_server.unseen() == 0 and await channel.poll_once() == 0

    for sender, text, status in questions:
        number = next(word for word in text.replace("?", " ").split() if word.isdigit())
        reply = next(m for m in by_recipient(smtp_server, sender) if number in text_of(m))
        assert status in text_of(reply), (number, text_of(reply))
        assert reply["In-Reply-To"] and reply["X-Shop-Assistant"] == "1"
    # the forged sender learns nothing; the order's owner gets the status
    to_stranger = by_recipient(smtp_server, "stranger@evil.test")
    assert len(to_stranger) == 1 and "10027" not in text_of(to_stranger[0])
    assert any("10027" in text_of(m) for m in by_recipient(smtp_server, MIKKO))
    # robots got nothing: 6 answers, 1 neutral note to the stranger, 1 status to the owner
    assert len(smtp_server.received) == 8


async def test_a_thread_of_three_through_real_servers(channel, imap_server, smtp_server,
                                                      services):
    imap_server.deliver(shopper_email("What is your return policy for shoes?",
                                      message_id="<t1@client.test>"))
    await channel.poll_once()
    first = smtp_server.received[-1]
    assert "Returns are free" in text_of(first)
    assert first["References"] == "<t1@client.test>"

    imap_server.deliver(shopper_email(
        "This is unacceptable, the shoes fell apart.\n\nOn Mon, 16 Mar 2026 Northwind "
        "<support@shop.test> wrote:\n> Returns are free", subject="Re: Question",
        message_id="<t2@client.test>", in_reply_to=first["Message-ID"],
        references=["<t1@client.test>", first["Message-ID"]]))
    await channel.poll_once()
    ticket = services.handoff.open_ticket_for(f"email:{ANNA}")
    assert ticket is not None and ticket.channel == "email"
    assert ticket.ticket_id in text_of(smtp_server.received[-1])

    imap_server.deliver(shopper_email("Also the left one squeaks.", subject="Re: Question",
                                      message_id="<t3@client.test>",
                                      references=["<t1@client.test>"]))
    await channel.poll_once()
    assert len(smtp_server.received) == 2
    assert "squeaks" in services.handoff.notes(ticket.ticket_id)[-1].text

    # a person answers from the console: Rasa sends it through the channel's output
    output = channel.get_output_channel()
    await output.send_text_message(f"email:{ANNA}", "Sorry! A new pair is on its way.")
    answer = smtp_server.received[-1]
    assert answer["To"] == ANNA and answer["In-Reply-To"] == "<t3@client.test>"
    assert "new pair" in text_of(answer)


class ReadyAgent:
    """What the channel uses of Rasa's agent: the NLU, and the conversation's tracker."""

    def __init__(self) -> None:
        from rasa.core.lock_store import InMemoryLockStore
        from rasa.core.tracker_store import InMemoryTrackerStore
        from rasa.shared.core.domain import Domain

        self.lock_store = InMemoryLockStore()
        self.tracker_store = InMemoryTrackerStore(Domain.empty())
        self.processor = self

    def is_ready(self) -> bool:
        return True

    async def parse_message(self, text: str) -> Dict[str, Any]:
        return {"intent": {"name": "complaint", "confidence": 0.95}}

    async def fetch_tracker_with_initial_session(self, sender_id: str, output_channel=None):
        return await self.tracker_store.get_or_create_tracker(sender_id)


def test_polling_starts_and_stops_with_the_server(channel, imap_server, smtp_server, services):
    """The channel's blueprint starts polling when the server starts; emails wait in the
    mailbox until a model is loaded. A ticket's conversation then knows it came by email (a
    person's answer goes out on the channel of its latest user turn)."""
    import asyncio

    from sanic import Sanic, response

    async def on_new_message(message) -> None:  # the dialogue is not reached on this route
        raise AssertionError("a complaint goes to a person, not to the dialogue")

    Sanic.test_mode = True
    app = Sanic("email_channel_test")
    app.ctx.agent = None
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/email")
    agent = ReadyAgent()

    @app.get("/sent")
    async def sent(_):
        await asyncio.sleep(3)  # three polls without a model: nothing is read
        unseen_before = imap_server.unseen()
        app.ctx.agent = agent
        for _ in range(100):
            if smtp_server.received:
                break
            await asyncio.sleep(0.1)
        return response.json({"unseen_before": unseen_before, "sent": len(smtp_server.received)})

    imap_server.deliver(shopper_email("This is unacceptable, the socks have holes."))
    _, health = app.test_client.get("/webhooks/email/")
    assert health.json == {"status": "ok"}
    _, result = app.test_client.get("/sent")
    assert result.json == {"unseen_before": 1, "sent": 1}
    ticket = services.handoff.open_ticket_for(f"email:{ANNA}")
    assert ticket is not None and ticket.ticket_id in text_of(smtp_server.received[0])
    tracker = asyncio.run(agent.tracker_store.retrieve(f"email:{ANNA}"))
    assert tracker.get_latest_input_channel() == "email"
    assert "socks have holes" in tracker.latest_message.text
