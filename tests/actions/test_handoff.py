from rasa_sdk.executor import CollectingDispatcher

from actions.catalogue import ActionBeginPayment, ActionPaymentHandoff
from actions.chitchat import ActionNotUnderstood
from actions.handoff import ActionAnswerAffirm, ActionHandoff, ActionQueueStatus
from tests.actions.helpers import bot_event, responses, slot_events, tracker, user_event, verified

HISTORY = [
    user_event("where is my order 10023", "order_status", 0.97, timestamp=1.0),
    bot_event("And the email address you used for the order?", timestamp=1.2),
    user_event("anna.virtanen@example.com", "inform", 0.9, timestamp=2.0),
    bot_event("Order 10023 is on its way with Posti.", timestamp=2.2),
]


async def test_ticket_carries_the_whole_context(services):
    dispatcher = CollectingDispatcher()
    slots = {**verified("10023"), "order_number": "10023", "task": "order_status"}
    events = await ActionHandoff().run(dispatcher, tracker(
        slots, text="i want to talk to a real person", intent="talk_to_human", events=HISTORY),
        {})
    ticket_id = slot_events(events)["handoff_ticket"]
    ticket = services.handoff.get(ticket_id)
    assert ticket.reason == "talk_to_human" and ticket.priority == 2
    assert ticket.order_number == "10023" and ticket.order_verified
    assert [line.sender for line in ticket.transcript] == ["shopper", "bot", "shopper", "bot",
                                                           "shopper"]
    assert ticket.intents[0] == {"text": "where is my order 10023", "intent": "order_status",
                                 "confidence": 0.97}
    assert "order 10023, verified" in ticket.summary
    assert ticket.slots["task"] == "order_status"
    assert responses(dispatcher)[0] == "utter_handoff_created"
    assert dispatcher.messages[0]["position"] == 1


async def test_asking_twice_does_not_queue_twice(services):
    first = await ActionHandoff().run(CollectingDispatcher(), tracker(
        text="human please", intent="talk_to_human"), {})
    second = await ActionHandoff().run(CollectingDispatcher(), tracker(
        text="hello?? human!!", intent="talk_to_human"), {})
    assert slot_events(first)["handoff_ticket"] == slot_events(second)["handoff_ticket"]
    assert len(services.handoff.list_open()) == 1


async def test_complaints_jump_the_queue(services):
    await ActionHandoff().run(CollectingDispatcher(), tracker(
        text="human please", intent="talk_to_human", sender="a"), {})
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, tracker(
        text="worst service ever, the jacket ripped", intent="complaint", sender="b"), {})
    assert responses(dispatcher)[:2] == ["utter_complaint_sorry", "utter_handoff_created"]
    assert dispatcher.messages[1]["position"] == 1
    assert [t.conversation_id for t in services.handoff.list_open()] == ["b", "a"]


async def test_an_unsure_complaint_is_offered_a_person_and_a_yes_makes_it_urgent(services):
    unsure = CollectingDispatcher()
    events = await ActionHandoff().run(unsure, tracker(
        text="let it ship, the jacket is fine, I just had doubts", intent="complaint",
        confidence=0.62), {})
    assert responses(unsure) == ["utter_complaint_sorry", "utter_offer_handoff"]
    assert services.handoff.list_open() == []
    yes = CollectingDispatcher()
    await ActionAnswerAffirm().run(yes, tracker(slot_events(events), text="yes please",
                                                intent="affirm"), {})
    assert responses(yes)[0] == "utter_handoff_created"  # no second apology
    assert services.handoff.list_open()[0].reason == "complaint"


async def test_yes_after_an_offer_creates_the_ticket(services):
    dispatcher = CollectingDispatcher()
    await ActionAnswerAffirm().run(dispatcher, tracker(
        {"offered_handoff": True, "handoff_reason": "verification_failed"}, text="yes",
        intent="affirm"), {})
    assert responses(dispatcher)[0] == "utter_handoff_created"
    assert services.handoff.list_open()[0].reason == "verification_failed"


async def test_two_misunderstandings_in_a_row_offer_a_person(services):
    history = [user_event("blorp", "nlu_fallback", 0.3), bot_event("Sorry?")]
    first, second = CollectingDispatcher(), CollectingDispatcher()
    await ActionNotUnderstood().run(first, tracker(text="blorp", intent="nlu_fallback"), {})
    events = await ActionNotUnderstood().run(second, tracker(
        text="zzz", intent="nlu_fallback", events=history), {})
    assert responses(first) == ["utter_please_rephrase"]
    assert responses(second) == ["utter_still_not_understood", "utter_offer_handoff"]
    assert slot_events(events)["handoff_reason"] == "misunderstanding"


async def test_double_charge_is_recognised_and_handed_off_urgently(services):
    dispatcher = CollectingDispatcher()
    events = await ActionBeginPayment().run(dispatcher, tracker(
        text="i was charged twice for 10023", intent="payment_issue"), {})
    assert responses(dispatcher) == ["utter_payment_double_charge"]
    slots = {**slot_events(events), "payment_method": "card",
             "payment_details": "yesterday, 129 eur two times"}
    await ActionPaymentHandoff().run(dispatcher, tracker(slots, text="yesterday"), {})
    ticket = services.handoff.list_open()[0]
    assert ticket.priority == 1 and ticket.reason == "payment_issue"
    assert ticket.slots["payment_problem"] == "double_charge"
    assert ticket.slots["payment_details"] == "yesterday, 129 eur two times"


async def test_position_and_wait_are_announced(services):
    services.handoff.add_agent("alice", "alice-password")
    services.handoff.start_session(services.handoff.authenticate("alice", "alice-password"))
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, tracker(text="human", intent="talk_to_human"), {})
    assert responses(dispatcher) == ["utter_handoff_created"]
    assert dispatcher.messages[0]["wait"] >= 1


async def test_nobody_online_is_said_honestly(services):
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, tracker(text="human", intent="talk_to_human"), {})
    assert responses(dispatcher) == ["utter_handoff_created", "utter_handoff_nobody_online"]


async def test_after_hours_gives_phone_and_asks_for_an_email(services):
    from dataclasses import replace

    from bot.settings import HandoffSettings

    services.settings = replace(services.settings, handoff=HandoffSettings(hours=(None,) * 7))
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(dispatcher, tracker(text="human", intent="talk_to_human"),
                                       {})
    assert responses(dispatcher) == ["utter_handoff_after_hours"]
    assert dispatcher.messages[0]["phone"] == services.settings.shop_phone
    assert any(e.get("event") == "followup" and e.get("name") == "followup_form"
               for e in events)
    ticket = services.handoff.list_open()[0]
    assert ticket.after_hours  # kept in the queue, never lost


async def test_never_mind_while_waiting_leaves_the_queue(services):
    from actions.handoff import ActionStop

    await ActionHandoff().run(CollectingDispatcher(), tracker(text="human",
                                                              intent="talk_to_human"), {})
    dispatcher = CollectingDispatcher()
    await ActionStop().run(dispatcher, tracker(text="never mind", intent="stop"), {})
    assert responses(dispatcher) == ["utter_handoff_cancelled"]
    assert services.handoff.list_open() == []
    again = CollectingDispatcher()
    await ActionStop().run(again, tracker(text="never mind", intent="stop"), {})
    assert responses(again) == ["utter_anything_else"]


async def test_payment_date_is_kept_for_the_agent(services):
    from actions.catalogue import ValidatePaymentForm
    from tests.actions.helpers import entity

    result = ValidatePaymentForm().validate_payment_details(
        "eilen 129 euroa kahdesti", CollectingDispatcher(),
        tracker(text="eilen 129 euroa kahdesti", intent="inform",
                entities=[entity("date", "2026-11-25")]), {})
    assert result == {"payment_details": "eilen 129 euroa kahdesti", "payment_date": "2026-11-25"}


def test_a_yes_is_not_taken_for_a_payment_method(services):
    from actions.catalogue import ValidatePaymentForm

    form = ValidatePaymentForm()
    assert form.validate_payment_method(
        "yes", CollectingDispatcher(), tracker(text="yes", intent="affirm"), {}) == {
        "payment_method": None}
    assert form.validate_payment_method(
        "visa debit  from nordea", CollectingDispatcher(),
        tracker(text="visa debit  from nordea", intent="inform"), {}) == {
        "payment_method": "visa debit from nordea"}


# -- no flooding the queue ----------------------------------------------------------------------


async def test_one_client_opens_a_limited_number_of_tickets(services):
    limit = services.settings.limits.tickets_per_client
    client = {"client_key": "c0ffee"}
    for n in range(limit):
        events = await ActionHandoff().run(CollectingDispatcher(), tracker(
            text="human", intent="talk_to_human", sender=f"s{n}", metadata=client), {})
        assert slot_events(events)["handoff_ticket"]
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(dispatcher, tracker(
        text="human", intent="talk_to_human", sender="s-new", metadata=client), {})
    assert responses(dispatcher) == ["utter_handoff_limited"]
    assert "handoff_ticket" not in slot_events(events)
    assert len(services.handoff.list_open()) == limit
    # Asking again where a ticket is open is answered with that ticket, not refused.
    again = CollectingDispatcher()
    await ActionHandoff().run(again, tracker(text="human!!", intent="talk_to_human", sender="s0",
                                             metadata=client), {})
    assert responses(again)[0] == "utter_handoff_created"


async def test_withdrawing_and_asking_again_in_one_conversation_is_limited(services):
    from actions.handoff import ActionStop

    limit = services.settings.limits.tickets_per_client
    for _ in range(limit):
        await ActionHandoff().run(CollectingDispatcher(), tracker(
            text="human", intent="talk_to_human"), {})
        await ActionStop().run(CollectingDispatcher(), tracker(text="never mind",
                                                               intent="stop"), {})
    dispatcher = CollectingDispatcher()
    await ActionAnswerAffirm().run(dispatcher, tracker(
        {"offered_handoff": True, "handoff_reason": "misunderstanding"}, text="yes",
        intent="affirm"), {})
    assert responses(dispatcher) == ["utter_handoff_limited"]
    assert services.handoff.list_open() == []


async def test_the_ticket_trusts_only_a_verification_that_still_holds(services):
    stale = {"verified_order": "10023", "verified_at": 0.0, "order_number": "10023"}
    await ActionHandoff().run(CollectingDispatcher(), tracker(
        stale, text="human", intent="talk_to_human"), {})
    ticket = services.handoff.list_open()[0]
    assert ticket.order_number == "10023" and not ticket.order_verified


async def test_how_long_is_the_wait_is_answered_from_the_queue(services):
    asked = tracker(text="how long is the wait??", intent="queue_status")
    # No ticket yet: the shopper hears so and is offered a person.
    nobody = CollectingDispatcher()
    events = await ActionQueueStatus().run(nobody, asked, {})
    assert responses(nobody) == ["utter_queue_not_waiting", "utter_offer_handoff"]
    assert slot_events(events)["offered_handoff"] is True
    await ActionHandoff().run(CollectingDispatcher(),
                              tracker(text="human", intent="talk_to_human"), {})
    waiting = CollectingDispatcher()
    await ActionQueueStatus().run(waiting, asked, {})
    assert responses(waiting) == ["utter_queue_update"]
    assert waiting.messages[0]["position"] == 1 and waiting.messages[0]["wait"] >= 1
    ticket = services.handoff.open_ticket_for("shopper-1")
    services.handoff.claim(ticket.ticket_id, "alice")
    taken = CollectingDispatcher()
    await ActionQueueStatus().run(taken, asked, {})
    assert responses(taken) == ["utter_queue_taken"]
