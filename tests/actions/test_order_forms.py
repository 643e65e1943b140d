"""Verification: nothing about an order without the matching email or a valid token."""

import time

from rasa_sdk.executor import CollectingDispatcher

from actions.orders import (
    ActionBeginTask,
    ValidateAddressForm,
    ValidateCancelForm,
    ValidateOrderStatusForm,
)
from bot.auth import issue_customer_token
from tests.actions.helpers import entity, responses, tracker


async def test_wrong_email_counts_a_failure_and_reveals_nothing(services):
    form, dispatcher = ValidateOrderStatusForm(), CollectingDispatcher()
    result = form.validate_email("mikko.korhonen@example.fi", dispatcher,
                                 tracker({"order_number": "10023"}), {})
    assert result == {"email": None, "verification_failures": 1, "order_number": None,
                      "verified_order": None}
    assert responses(dispatcher) == ["utter_verification_failed"]
    assert dispatcher.messages[0]["remaining"] == 2


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
    shipped = tracker({"verified_order": "10023", "order_number": "10023"})
    assert await address.required_slots([], CollectingDispatcher(), shipped, {}) == []
    paid = tracker({"verified_order": "10022", "order_number": "10022"})
    assert await address.required_slots([], CollectingDispatcher(), paid, {}) == \
        ["new_address", "address_confirmed"]
    cancel = ValidateCancelForm()
    assert await cancel.required_slots([], CollectingDispatcher(), paid, {}) == \
        ["cancel_confirmed"]


async def test_new_address_is_validated_for_the_orders_country(services):
    form, dispatcher = ValidateAddressForm(), CollectingDispatcher()
    slots = tracker({"verified_order": "10022"})
    assert form.validate_new_address("Kauppakatu 3, 1234 Turku", dispatcher, slots, {}) == \
        {"new_address": None}
    assert responses(dispatcher) == ["utter_invalid_address_postcode"]
    ok = form.validate_new_address("aleksanterinkatu 5, 00170 helsinki", dispatcher, slots, {})
    assert ok == {"new_address": "aleksanterinkatu 5, 00170 Helsinki, FI"}


async def test_begin_task_keeps_a_verified_order_only_for_the_same_number(services):
    events = await ActionBeginTask().run(
        CollectingDispatcher(),
        tracker({"verified_order": "10023"}, text="cancel 10021", intent="cancel_order",
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
