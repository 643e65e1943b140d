"""The mailbox's desk against the real SQLite shop and queue: what each kind of email gets."""

from email import message_from_bytes, policy
from typing import Any, Dict, List

import pytest

from bot.email import EmailDesk, MailboxSettings, Route, Understanding
from bot.email.desk import UNVERIFIED_SENDER
from bot.email.ratings import RatingLinks
from bot.handoff import SQLiteHandoffQueue
from bot.text.language import detect
from tests.bot.email.mails import auto_reply, bounce, shopper_email

ANNA = "anna.virtanen@example.com"

INTENTS = {
    "cancel": "cancel_order", "peru": "cancel_order", "unacceptable": "complaint",
    "return policy": "faq", "palautus": "faq",
}


class Desk:
    """A desk whose NLU and dialogue are stand-ins; what it sends is kept."""

    def __init__(self, services, queue=None, **mailbox: Any) -> None:
        self.sent: List[Any] = []
        self.turns: List[str] = []
        settings = MailboxSettings(address="support@shop.test", team="Northwind",
                                   chat_url="https://shop.test/#chat", **mailbox)
        queue = queue or services.handoff
        self.desk = EmailDesk(settings, services.settings, services.orders, queue,
                              services.limits, queue, send=self._send,
                              understand=self._understand, converse=self._converse,
                              detect_language=lambda text: detect(text).language,
                              rating_links=RatingLinks.from_secret(
                                  "test-secret", "https://chat.shop.test"))

    async def _send(self, message) -> None:
        self.sent.append(message_from_bytes(bytes(message), policy=policy.default))

    async def _understand(self, text: str) -> Understanding:
        for word, intent in INTENTS.items():
            if word in text.lower():
                return Understanding(intent, 0.9)
        return Understanding("order_status" if "order" in text.lower() else "inform", 0.9)

    async def _converse(self, conversation: str, text: str,
                        metadata: Dict[str, Any]) -> List[Dict[str, Any]]:
        self.turns.append(conversation)
        return [{"text": "Returns are free within 30 days."},
                {"text": "Anything else?", "buttons": [{"title": "No, thanks"}]}]


def body(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.mark.parametrize("language, text, words", [
    ("en", "Hello, where is my order 10023? It has been a week already.", "is shipped"),
    ("fi", "Hei, missä tilaukseni 10023 on? Odotan sitä jo kovasti.", "lähetetty"),
    ("tr", "Merhaba, 10023 numaralı siparişim nerede? Bir haftadır bekliyorum.",
     "kargoya verildi"),
    ("uk", "Добрий день, де моє замовлення 10023? Я чекаю вже тиждень.", "відправлене"),
    ("id", "Halo, di mana pesanan saya 10023? Saya sudah menunggu seminggu.", "dikirim"),
    ("nb", "Hei, hvor er bestillingen min 10023? Jeg har ventet en uke nå.", "sendt"),
])
async def test_order_status_from_the_orders_own_address(services, language, text, words):
    desk = Desk(services)
    raw = shopper_email(text, subject="10023", message_id="<q1@client.test>")
    outcome = await desk.desk.handle(raw)
    assert outcome.route is Route.ORDER_STATUS and outcome.sent_to == [ANNA]
    reply = desk.sent[0]
    assert reply["To"] == ANNA and reply["In-Reply-To"] == "<q1@client.test>"
    assert reply["Content-Language"] == language
    assert words in body(reply) and "Posti" in body(reply)
    assert reply["X-Shop-Assistant"] and reply["Auto-Submitted"] == "auto-replied"
    html = reply.get_body(preferencelist=("html",)).get_content()
    assert "10023" in html
    assert desk.turns == []  # order questions never run the dialogue


async def test_forged_sender_never_sees_the_order(services):
    desk = Desk(services)
    raw = shopper_email("Where is order 10023? Send me the tracking code.",
                        sender="stranger@evil.test", subject="SECRET subject from a stranger")
    outcome = await desk.desk.handle(raw)
    assert sorted(outcome.sent_to) == sorted([ANNA, "stranger@evil.test"])
    to_owner = next(m for m in desk.sent if m["To"] == ANNA)
    to_stranger = next(m for m in desk.sent if m["To"] == "stranger@evil.test")
    assert "Posti" in body(to_owner) and "stranger" not in str(to_owner)
    assert to_owner["Subject"] == "Your order 10023" and to_owner["In-Reply-To"] is None
    assert "10023" not in body(to_stranger) and "Posti" not in body(to_stranger)
    # the same answer for an order that does not exist: nothing to learn from it
    other = Desk(services)
    await other.desk.handle(shopper_email("Where is order 99999? Send me the tracking code.",
                                          sender="stranger2@evil.test"))
    assert [m["To"] for m in other.sent] == ["stranger2@evil.test"]
    assert body(other.sent[0]) == body(to_stranger)


@pytest.mark.parametrize("raw", [auto_reply(), bounce(ANNA)])
async def test_robots_get_nothing(services, raw):
    desk = Desk(services)
    outcome = await desk.desk.handle(raw)
    assert outcome.skipped and desk.sent == [] and desk.turns == []


async def test_order_changes_are_not_done_by_email(services):
    desk = Desk(services)
    outcome = await desk.desk.handle(shopper_email("Please cancel my order 10021, thanks."))
    assert outcome.route is Route.ORDER_CHANGE
    text = body(desk.sent[0])
    assert "https://shop.test/#chat" in text and "placed" not in text
    assert services.orders.shop.get_order("10021").status.value != "cancelled"


async def test_a_thread_of_three_emails_stays_one_conversation_and_one_ticket(services):
    desk = Desk(services)
    first = shopper_email("What is your return policy for shoes?", message_id="<t1@client.test>")
    await desk.desk.handle(first)
    reply = desk.sent[-1]
    assert "Returns are free" in body(reply) and "- No, thanks" in body(reply)
    assert desk.turns == [f"email:{ANNA}"]

    second = shopper_email("This is unacceptable, the shoes fell apart.\n\nOn Mon, 16 Mar 2026 "
                           "Northwind <support@shop.test> wrote:\n> Returns are free",
                           subject="Re: Question", message_id="<t2@client.test>",
                           in_reply_to=reply["Message-ID"],
                           references=["<t1@client.test>", reply["Message-ID"]])
    outcome = await desk.desk.handle(second)
    ticket = services.handoff.get(outcome.ticket_id)
    assert ticket.channel == "email" and ticket.reason == "complaint"
    assert ticket.conversation_id == f"email:{ANNA}"
    assert "fell apart" in ticket.transcript[-1].text
    assert "Returns are free" in ticket.transcript[0].text  # the thread, as quoted
    ack = desk.sent[-1]
    assert outcome.ticket_id in body(ack)
    assert ack["References"].split()[0] == "<t1@client.test>"

    third = shopper_email("Also the left one squeaks.", subject="Re: Question",
                          message_id="<t3@client.test>", in_reply_to=ack["Message-ID"],
                          references=["<t1@client.test>", ack["Message-ID"]])
    sent_before = len(desk.sent)
    again = await desk.desk.handle(third)
    assert again.ticket_id == outcome.ticket_id and len(desk.sent) == sent_before
    assert "squeaks" in services.handoff.notes(outcome.ticket_id)[-1].text

    assert await desk.desk.send_agent_message(ANNA, "Sorry! A new pair is on its way.")
    answer = desk.sent[-1]
    assert answer["In-Reply-To"] == "<t3@client.test>" and answer["Auto-Submitted"] is None
    assert "new pair" in body(answer)


async def test_attachments_become_a_ticket(services):
    desk = Desk(services)
    outcome = await desk.desk.handle(shopper_email("What is your return policy? Photo attached.",
                                                   attachment=b"\xff\xd8"))
    assert outcome.route is Route.PERSON
    assert services.handoff.get(outcome.ticket_id).reason == "sent_attachments"


async def test_one_address_cannot_make_the_assistant_send_many_emails(services):
    desk = Desk(services)
    for index in range(8):
        await desk.desk.handle(shopper_email(f"What is your return policy? ({index})",
                                             sender="flood@example.com"))
    assert len(desk.sent) == 4


async def test_the_forged_sender_cannot_flood_the_order_owner(services):
    desk = Desk(services)
    for index in range(8):
        await desk.desk.handle(shopper_email(f"Where is order 10023? ({index})",
                                             sender=f"stranger{index}@evil.test"))
    assert len([m for m in desk.sent if m["To"] == ANNA]) == 4


async def test_later_emails_on_an_open_ticket_become_notes_on_it(services):
    desk = Desk(services)
    first = await desk.desk.handle(shopper_email("This is unacceptable, my parcel is soaked."))
    ticket_id = first.ticket_id
    sent, turns = len(desk.sent), list(desk.turns)

    later = await desk.desk.handle(shopper_email(
        "Here is more: the box was open too.\n\nOn Mon, 16 Mar 2026 Northwind wrote:\n"
        "> Thanks for your message", subject="Re: Question"))
    assert later.ticket_id == ticket_id and later.route is Route.PERSON
    # no second ticket, no bot turn (so nothing in the transcript), no email to the shopper
    assert [t.ticket_id for t in services.handoff.list_open()] == [ticket_id]
    assert desk.turns == turns and len(desk.sent) == sent
    note = services.handoff.notes(ticket_id)[-1]
    assert note.author == "shopper (email)" and "the box was open too" in note.text
    assert "Thanks for your message" not in note.text  # the quote is not repeated
    assert all("box was open" not in line.text
               for line in services.handoff.get(ticket_id).transcript)


async def test_a_persons_answer_after_a_restart_is_threaded_to_the_right_address(services,
                                                                                tmp_path):
    before = Desk(services)
    await before.desk.handle(shopper_email("This is unacceptable, the shoes fell apart.",
                                           message_id="<r1@client.test>"))
    await before.desk.handle(shopper_email("Kengät hajosivat, tämä on unacceptable.",
                                           subject="Re: Question", message_id="<r2@client.test>",
                                           references=["<r1@client.test>"]))

    # A new process: a new desk over the same database file, nothing kept in memory.
    reopened = SQLiteHandoffQueue(services.settings.handoff_db_path)
    after = Desk(services, queue=reopened)
    assert await after.desk.send_agent_message(ANNA, "Uusi pari on matkalla.")
    answer = after.sent[-1]
    assert answer["To"] == ANNA and answer["In-Reply-To"] == "<r2@client.test>"
    assert answer["References"] == "<r1@client.test> <r2@client.test>"
    assert answer["Subject"] == "Re: Question" and answer["Content-Language"] == "fi"
    assert not await after.desk.send_agent_message("never.wrote@example.com", "Hello")
    reopened.close()


async def test_agents_see_which_emails_the_receiving_server_vouched_for(services):
    """From is easy to forge: a later email on someone's open ticket is marked unless the
    shop's own receiving server reports DMARC (or the From domain's DKIM) as passed."""
    desk = Desk(services, authserv_id="mx.shop.test")
    ticket_id = (await desk.desk.handle(shopper_email(
        "This is unacceptable, my parcel is soaked.",
        headers={"Authentication-Results": "mx.shop.test; dkim=pass header.d=example.com;"
                                           " dmarc=pass header.from=example.com"}))).ticket_id
    transcript = services.handoff.get(ticket_id).transcript
    assert any("soaked" in line.text for line in transcript)
    assert not any(UNVERIFIED_SENDER in line.text for line in transcript)

    await desk.desk.handle(shopper_email(
        "Please send the replacement to Fake Street 1 instead.", subject="Re: Question",
        headers={"Authentication-Results": "mx.shop.test; spf=fail; dmarc=fail"}))
    forged = services.handoff.notes(ticket_id)[-1]
    assert forged.text.startswith(UNVERIFIED_SENDER) and "Fake Street" in forged.text

    await desk.desk.handle(shopper_email(
        "One more photo of the box.", subject="Re: Question",
        headers={"Authentication-Results": "mx.shop.test; dmarc=pass header.from=example.com"}))
    assert not services.handoff.notes(ticket_id)[-1].text.startswith(UNVERIFIED_SENDER)


async def test_without_a_configured_receiving_server_every_email_is_unverified(services):
    desk = Desk(services)
    first = await desk.desk.handle(shopper_email("This is unacceptable, my parcel is soaked."))
    await desk.desk.handle(shopper_email(
        "More details.", subject="Re: Question",
        headers={"Authentication-Results": "mx.shop.test; dmarc=pass header.from=example.com"}))
    assert services.handoff.notes(first.ticket_id)[-1].text.startswith(UNVERIFIED_SENDER)
