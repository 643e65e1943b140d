"""Verification: nothing about an order without the matching email or a valid token."""

import logging
import time

from rasa_sdk.executor import CollectingDispatcher

from actions.orders import (
    ActionAskNewAddress,
    ActionBeginTask,
    ActionOrderStatus,
    ActionSaveAddress,
    ValidateAddressForm,
    ValidateCancelForm,
    ValidateOrderStatusForm,
)
from bot.shop.customer_tokens import issue_customer_token
from tests.actions.helpers import entity, responses, slot_events, tracker, verified


async def test_wrong_email_counts_a_failure_and_reveals_nothing(services):
    form, dispatcher = ValidateOrderStatusForm(), CollectingDispatcher()
    result = form.validate_email("mikko.korhonen@example.fi", dispatcher,
                                 tracker({"order_number": "10023"}), {})
    # The number is kept and the email asked again; which of the two was wrong is not said.
    assert result == {"email": None, "verification_failures": 1, "verified_order": None,
                      "unmatched_email": "mikko.korhonen@example.fi"}
    assert responses(dispatcher) == ["utter_verification_failed"]
    assert dispatcher.messages[0]["remaining"] == 2


async def test_a_corrected_email_after_a_typo_verifies_the_kept_number(services):
    form, dispatcher = ValidateOrderStatusForm(), CollectingDispatcher()
    after_typo = {"order_number": "10023", "unmatched_email": "anna.virtanen@exampel.com",
                  "verification_failures": 1, "requested_slot": "email"}
    result = form.validate_email("anna.virtanen@example.com", dispatcher, tracker(after_typo), {})
    assert result["verified_order"] == "10023" and result["unmatched_email"] is None
    assert result["verification_failures"] == 0 and dispatcher.messages == []


async def test_a_corrected_number_after_a_typo_is_checked_with_the_email_given(services):
    form, dispatcher = ValidateOrderStatusForm(), CollectingDispatcher()
    after_typo = {"order_number": "10032", "unmatched_email": "anna.virtanen@example.com",
                  "verification_failures": 1, "requested_slot": "email"}
    result = form.validate_order_number("10023", dispatcher, tracker(after_typo), {})
    assert result["order_number"] == "10023" and result["verified_order"] == "10023"
    # ... and another wrong number counts like any failed pair.
    again = form.validate_order_number("10025", CollectingDispatcher(), tracker(after_typo), {})
    assert again["order_number"] == "10025" and again["verified_order"] is None
    assert again["verification_failures"] == 2


async def test_number_and_email_in_one_message_are_checked_once(services):
    form, dispatcher = ValidateOrderStatusForm(), CollectingDispatcher()
    both = tracker({"order_number": "10023", "email": "someone@example.com"},
                   events=[{"event": "slot", "name": "order_number", "value": "10023"},
                           {"event": "slot", "name": "email", "value": "someone@example.com"}])
    both.events.insert(0, both.events.pop())  # the message first, then the slot candidates
    events = await form.run(dispatcher, both, {"forms": {"order_status_form": {
        "required_slots": ["order_number", "email"]}}})
    assert responses(dispatcher) == ["utter_verification_failed"]
    assert slot_events(events)["verification_failures"] == 1


async def test_matching_email_verifies_the_order(services):
    form, dispatcher = ValidateOrderStatusForm(), CollectingDispatcher()
    result = form.validate_email("Anna.Virtanen@example.com", dispatcher,
                                 tracker({"order_number": "10023"}), {})
    assert result["verified_order"] == "10023" and dispatcher.messages == []


async def test_bad_order_number_is_rejected_with_a_hint(services):
    dispatcher = CollectingDispatcher()
    result = ValidateOrderStatusForm().validate_order_number("12", dispatcher, tracker(), {})
    assert result == {"order_number": None}
    assert responses(dispatcher) == ["utter_invalid_order_number"]


async def test_after_three_failures_the_form_stops_asking(services):
    form = ValidateOrderStatusForm()
    slots = {"verification_failures": 3}
    assert await form.required_slots([], CollectingDispatcher(), tracker(slots), {}) == []


async def test_valid_token_replaces_the_email_for_own_orders(services):
    token = issue_customer_token("C-1001", "test-secret")
    own = tracker({}, metadata={"customer_token": token})
    form = ValidateOrderStatusForm()
    assert await form.required_slots([], CollectingDispatcher(), own, {}) == ["order_number"]
    result = form.validate_order_number("10023", CollectingDispatcher(), own, {})
    assert result["verified_order"] == "10023"
    # someone else's order still needs the email on it
    other = form.validate_order_number("10025", CollectingDispatcher(), own, {})
    assert other["verified_order"] is None


async def test_forged_or_expired_tokens_are_ignored(services):
    forged = issue_customer_token("C-1001", "not-the-secret")
    expired = issue_customer_token("C-1001", "test-secret", ttl_seconds=60,
                                   now=time.time() - 3600)
    form = ValidateOrderStatusForm()
    for token in (forged, expired, "garbage", 12345):
        result = form.validate_order_number("10023", CollectingDispatcher(),
                                            tracker({}, metadata={"customer_token": token}), {})
        assert result["verified_order"] is None


async def test_task_slots_only_when_allowed(services):
    address = ValidateAddressForm()
    shipped = tracker({**verified("10023"), "order_number": "10023"})
    assert await address.required_slots([], CollectingDispatcher(), shipped, {}) == []
    paid = tracker({**verified("10022"), "order_number": "10022"})
    assert await address.required_slots([], CollectingDispatcher(), paid, {}) == \
        ["new_address", "address_confirmed"]
    cancel = ValidateCancelForm()
    assert await cancel.required_slots([], CollectingDispatcher(), paid, {}) == \
        ["cancel_confirmed"]


async def test_new_address_is_validated_for_the_orders_country(services):
    form, dispatcher = ValidateAddressForm(), CollectingDispatcher()
    slots = tracker({**verified("10022")})
    assert form.validate_new_address("Kauppakatu 3, 1234 Turku", dispatcher, slots, {}) == \
        {"new_address": None}
    assert responses(dispatcher) == ["utter_invalid_address_postcode"]
    ok = form.validate_new_address("aleksanterinkatu 5, 00170 helsinki", dispatcher, slots, {})
    assert ok == {"new_address": "aleksanterinkatu 5, 00170 Helsinki, FI"}
    # The shopper is told the order's country by name, in the conversation's language.
    said = CollectingDispatcher()
    form.validate_new_address("Thorvald Meyers gate 45B, 0555 Oslo", said,
                              tracker({**verified("10022"), "language": "nb"}), {})
    assert said.messages[0]["country"] == "Finland"


def unreadable(text):
    return {"event": "bot", "text": text, "timestamp": 2.0,
            "metadata": {"utter_action": "utter_invalid_address_postcode"}}


async def test_the_address_form_gives_up_after_three_unreadable_answers(services):
    form = ValidateAddressForm()
    started = [{"event": "active_loop", "name": "address_form", "timestamp": 1.0}]
    second = CollectingDispatcher()
    assert form.validate_new_address("yes thats correct", second, tracker(
        {**verified("10022")}, events=started + [unreadable("...")]), {}) == {"new_address": None}
    assert responses(second) == ["utter_invalid_address_postcode"]
    assert second.messages[0]["example"] == "Mannerheimintie 5 A 12, 00100 Helsinki"
    third = CollectingDispatcher()
    result = form.validate_new_address("thanks, bye", third, tracker(
        {**verified("10022")}, events=started + [unreadable("..."), unreadable("...")]), {})
    assert responses(third) == ["utter_address_gave_up", "utter_offer_handoff"]
    assert result == {"new_address": None, "offered_handoff": True,
                      "handoff_reason": "address_unreadable"}
    # The form asks nothing more; the save action adds nothing to the offer of a person.
    given_up = tracker({**verified("10022"), "order_number": "10022", **result})
    assert await form.required_slots([], CollectingDispatcher(), given_up, {}) == []
    quiet = CollectingDispatcher()
    await ActionSaveAddress().run(quiet, given_up, {})
    assert responses(quiet) == []
    # A form started again counts again.
    again = CollectingDispatcher()
    form.validate_new_address("thanks, bye", again, tracker({**verified("10022")}, events=[
        unreadable("..."), unreadable("...")] + started), {})
    assert responses(again) == ["utter_invalid_address_postcode"]


async def test_the_address_is_asked_with_an_example_of_the_orders_country(services):
    dispatcher = CollectingDispatcher()
    await ActionAskNewAddress().run(dispatcher, tracker({**verified("10029")}), {})
    assert responses(dispatcher) == ["utter_ask_new_address"]
    assert dispatcher.messages[0]["example"] == "Bağdat Caddesi 140, 34728 İstanbul"


async def test_begin_task_keeps_a_verified_order_only_for_the_same_number(services):
    events = await ActionBeginTask().run(
        CollectingDispatcher(),
        tracker({**verified("10023")}, text="cancel 10021", intent="cancel_order",
                entities=[entity("order_number", "#10021")]), {})
    slots = {e["name"]: e["value"] for e in events}
    assert slots["task"] == "cancel_order"
    assert slots["order_number"] == "10021" and slots["verified_order"] is None


async def test_an_email_the_extractors_missed_is_still_answered(services):
    domain = {"forms": {"order_status_form": {"required_slots": ["order_number", "email"]}}}

    async def answer(text):
        dispatcher = CollectingDispatcher()
        events = await ValidateOrderStatusForm().run(dispatcher, tracker(
            {"order_number": "10023", "requested_slot": "email"}, text=text, intent="inform",
            active_loop="order_status_form"), domain)
        return responses(dispatcher), {e["name"]: e["value"] for e in events
                                       if e["event"] == "slot"}

    said, slots = await answer("anna.virtanen@example")  # no domain ending
    assert said == ["utter_invalid_email"] and slots["email"] is None
    said, slots = await answer("sähköposti on äiti@example.fi")  # not the order's email
    assert said == ["utter_verification_failed"] and slots["verification_failures"] == 1
    said, slots = await answer("en muista")  # no address at all: the form asks again
    assert said == [] and "email" not in slots


def located(name, value, text):
    start = text.index(value)
    return {"entity": name, "value": value, "start": start, "end": start + len(value)}


async def test_a_change_named_in_the_first_message_is_not_asked_again(services):
    from actions.orders import ValidateChangeForm

    text = "change my order 10022 to size XL please"
    events = await ActionBeginTask().run(CollectingDispatcher(), tracker(
        text=text, intent="change_order",
        entities=[located("order_number", "10022", text), located("size", "XL", text),
                  located("order_number", "10022", text)]), {})  # two extractors, one span
    slots = {e["name"]: e["value"] for e in events}
    assert slots["order_number"] == "10022"
    assert slots["change_hint"] == "change my order to size XL please"
    dispatcher = CollectingDispatcher()
    result = ValidateChangeForm().validate_email(
        "anna.virtanen@example.com", dispatcher,
        tracker({"order_number": "10022", "change_hint": slots["change_hint"]}), {})
    assert result["verified_order"] == "10022"
    assert result["change_request"] == "change my order to size XL please"
    assert result["change_hint"] is None and dispatcher.messages == []


async def test_a_first_message_change_waits_until_the_order_is_verified(services):
    from actions.orders import ValidateChangeForm

    result = ValidateChangeForm().validate_email(
        "mikko.korhonen@example.fi", CollectingDispatcher(),
        tracker({"order_number": "10022", "change_hint": "to size XL"}), {})
    assert "change_request" not in result and result["verified_order"] is None


# -- limits across conversations ---------------------------------------------------------------

ANNA = "anna.virtanen@example.com"
STATUS_FORM = {"forms": {"order_status_form": {"required_slots": ["order_number", "email"]}}}


async def email_turn(number, email, sender, metadata=None):
    """The shopper answers the email question of the order status form for ``number``."""
    dispatcher = CollectingDispatcher()
    events = await ValidateOrderStatusForm().run(dispatcher, tracker(
        {"order_number": number, "requested_slot": "email"}, text=email, intent="inform",
        active_loop="order_status_form", sender=sender, metadata=metadata), STATUS_FORM)
    return responses(dispatcher), slot_events(events)


async def test_guessing_orders_of_a_known_email_is_locked_across_conversations(services,
                                                                               caplog):
    # Every guess from a new conversation, as the attack in the issue did.
    for n, number in enumerate(["10010", "10011", "10012", "10013"]):
        said, slots = await email_turn(number, ANNA, sender=f"attacker-{n}")
        assert said == ["utter_verification_failed"] and slots["verified_order"] is None
    said, slots = await email_turn("10014", ANNA, sender="attacker-4")
    # The fifth failure ends the form at once: no "try again" that would then be refused.
    assert said == [] and slots["verification_locked"] is True
    assert slots["requested_slot"] is None
    # The right order number is refused too while the lock lasts: guessing learns nothing.
    with caplog.at_level(logging.WARNING):
        said, slots = await email_turn("10023", ANNA, sender="attacker-5")
    assert slots["verification_locked"] is True and slots["verified_order"] is None
    assert "verification locked (kind=email)" in caplog.text
    assert ANNA not in caplog.text and "10023" not in caplog.text
    # The task action tells the shopper and offers a person.
    dispatcher = CollectingDispatcher()
    events = await ActionOrderStatus().run(dispatcher, tracker(slots, sender="attacker-5"), {})
    assert responses(dispatcher) == ["utter_verification_locked", "utter_offer_handoff"]
    assert "Posti" not in str(dispatcher.messages)
    assert slot_events(events)["handoff_reason"] == "verification_locked"
    assert slot_events(events)["verification_locked"] is None


async def test_one_client_is_locked_whatever_conversation_it_opens(services):
    client = {"client_key": "c0ffee"}
    for n in range(5):
        await email_turn(str(20000 + n), f"guess{n}@example.com", sender=f"s{n}",
                         metadata=client)
    # A new conversation of the same client is asked nothing and told why.
    fresh = tracker(text="where is my order", intent="order_status", sender="s9",
                    metadata=client)
    form = ValidateOrderStatusForm()
    assert await form.required_slots([], CollectingDispatcher(), fresh, {}) == []
    dispatcher = CollectingDispatcher()
    await ActionOrderStatus().run(dispatcher, fresh, {})
    assert responses(dispatcher) == ["utter_verification_locked", "utter_offer_handoff"]
    # Another client verifies as before; a logged-in customer's own orders need no guessing.
    said, slots = await email_turn("10023", ANNA, sender="s10", metadata={"client_key": "abc"})
    assert said == [] and slots["verified_order"] == "10023"
    token = issue_customer_token("C-1001", "test-secret")
    own = tracker({}, metadata={**client, "customer_token": token}, sender="s11")
    assert await form.required_slots([], CollectingDispatcher(), own, {}) == ["order_number"]
    assert form.validate_order_number("10023", CollectingDispatcher(), own, {})[
        "verified_order"] == "10023"


async def test_without_a_client_key_each_conversation_is_counted(services):
    for n in range(5):
        await email_turn(str(20000 + n), f"guess{n}@example.com", sender="same-conversation")
    blocked = tracker(text="order status", intent="order_status", sender="same-conversation")
    assert await ValidateOrderStatusForm().required_slots(
        [], CollectingDispatcher(), blocked, {}) == []


# -- how long a verification holds ---------------------------------------------------------------


async def test_a_verification_is_dated_and_runs_out(services):
    result = ValidateOrderStatusForm().validate_email(ANNA, CollectingDispatcher(),
                                                      tracker({"order_number": "10023"}), {})
    assert abs(result["verified_at"] - time.time()) < 5
    form = ValidateOrderStatusForm()
    minutes = services.settings.limits.verified_minutes
    for stale in ({"verified_at": time.time() - (minutes + 1) * 60}, {}):
        slots = {"verified_order": "10023", "order_number": "10023", **stale}
        assert await form.required_slots([], CollectingDispatcher(), tracker(slots), {}) == \
            ["order_number", "email"]
        dispatcher = CollectingDispatcher()
        await ActionOrderStatus().run(dispatcher, tracker(slots), {})
        assert responses(dispatcher) == ["utter_verification_gave_up", "utter_offer_handoff"]


async def test_a_new_task_forgets_a_verification_that_ran_out(services):
    stale = {"verified_order": "10023", "verified_at": time.time() - 3600,
             "order_number": "10023", "email": ANNA}
    events = await ActionBeginTask().run(CollectingDispatcher(), tracker(
        stale, text="cancel it", intent="cancel_order"), {})
    slots = slot_events(events)
    # Asked again from the start: the email given then is no proof now.
    assert slots["verified_order"] is None and slots["verified_at"] is None
    assert slots["order_number"] is None and slots["email"] is None
    fresh = await ActionBeginTask().run(CollectingDispatcher(), tracker(
        verified("10023"), text="cancel it", intent="cancel_order"), {})
    assert slot_events(fresh)["order_number"] == "10023"
    assert "verified_order" not in slot_events(fresh)


async def test_a_verification_that_runs_out_during_a_form_asks_for_the_email_again(services):
    domain = {"forms": {"cancel_form": {"required_slots": ["order_number", "email",
                                                           "cancel_confirmed"]}}}
    slots = {"verified_order": "10022", "verified_at": time.time() - 3600,
             "order_number": "10022", "email": ANNA, "requested_slot": "cancel_confirmed",
             "cancel_confirmed": True}
    events = await ValidateCancelForm().run(CollectingDispatcher(), tracker(
        slots, text="yes", intent="affirm", active_loop="cancel_form"), domain)
    changed = slot_events(events)
    assert changed["verified_order"] is None and changed["email"] is None
    assert changed["requested_slot"] == "email"


async def test_a_no_the_classifier_missed_declines_the_change(services):
    form = ValidateCancelForm()

    async def extracted(text, intent, requested="cancel_confirmed"):
        return await form.extract_cancel_confirmed(CollectingDispatcher(), tracker(
            {**verified("10021"), "requested_slot": requested}, text=text, intent=intent,
            active_loop="cancel_form"), {})

    assert await extracted("hmm wait actually no, dont cancel it", "cancel_order") == \
        {"cancel_confirmed": False}
    assert await extracted("ei sittenkään, älä peru", "nlu_fallback") == \
        {"cancel_confirmed": False}
    # Never a "yes" without the classifier; a "no" it found is the slot mapping's.
    assert await extracted("go ahead, cancel it", "cancel_order") == {}
    assert await extracted("no", "deny") == {}
    # Only where the form asks that question.
    assert await extracted("no, the email is wrong", "inform", requested="email") == {}


async def test_an_order_number_in_a_message_not_understood_is_not_asked_again(services):
    from tests.actions.helpers import user_event

    unclear = user_event("10033. and dont give me automated rubbish", "nlu_fallback",
                         entities=[entity("order_number", "10033")])
    events = await ActionBeginTask().run(CollectingDispatcher(), tracker(
        text="budi.santoso@example.co.id", intent="inform", events=[unclear],
        entities=[entity("email", "budi.santoso@example.co.id")]), {})
    slots = slot_events(events)
    assert slots["order_number"] == "10033" and slots["email"] == "budi.santoso@example.co.id"
    # A message that was understood had its own answer: its number is not carried over.
    understood = user_event("my order 10033 is late!!", "complaint",
                            entities=[entity("order_number", "10033")])
    events = await ActionBeginTask().run(CollectingDispatcher(), tracker(
        text="where is my order", intent="order_status", events=[understood]), {})
    assert "order_number" not in slot_events(events)
