"""What a verified shopper can do, and what the shop's rules stop."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.orders import (
    ActionAskAddressConfirmed,
    ActionAskCancelConfirmed,
    ActionCancelOrder,
    ActionChangeOrder,
    ActionCreateReturn,
    ActionOrderStatus,
    ActionRefundStatus,
    ActionSaveAddress,
)
from bot.i18n import LANGUAGES
from bot.i18n.responses import load_catalog
from bot.settings import PROJECT_ROOT
from bot.shop import OrderState
from tests.actions.helpers import responses, slot_events, tracker, verified


async def test_unverified_shopper_gets_no_order_details_and_is_offered_a_person(services):
    dispatcher = CollectingDispatcher()
    events = await ActionOrderStatus().run(dispatcher, tracker({"order_number": "10023"}), {})
    assert responses(dispatcher) == ["utter_verification_gave_up", "utter_offer_handoff"]
    assert "Posti" not in str(dispatcher.messages)
    assert slot_events(events)["offered_handoff"] is True


async def test_status_of_a_shipped_order_has_carrier_tracking_and_date(services):
    dispatcher = CollectingDispatcher()
    await ActionOrderStatus().run(dispatcher, tracker({**verified("10023")}), {})
    message = dispatcher.messages[0]
    assert message["response"] == "utter_order_status_shipped"
    assert message["carrier"] == "Posti" and message["tracking_url"].startswith("https://")
    assert message["expected"] != "unknown"


async def test_confirmed_address_is_saved(services, shop):
    dispatcher = CollectingDispatcher()
    slots = {**verified("10022"), "new_address": "Aleksanterinkatu 5, 00170 Helsinki, FI",
             "address_confirmed": True}
    await ActionSaveAddress().run(dispatcher, tracker(slots), {})
    assert responses(dispatcher) == ["utter_address_changed"]
    assert shop.get_order("10022").shipping_address.street == "Aleksanterinkatu 5"


async def test_declined_address_is_not_saved(services, shop):
    dispatcher = CollectingDispatcher()
    slots = {**verified("10022"), "new_address": "Aleksanterinkatu 5, 00170 Helsinki, FI",
             "address_confirmed": False}
    await ActionSaveAddress().run(dispatcher, tracker(slots), {})
    assert responses(dispatcher) == ["utter_address_kept"]
    assert shop.get_order("10022").shipping_address.street == "Mannerheimintie 12 B 7"


async def test_address_of_a_shipped_order_is_not_changed(services, shop):
    dispatcher = CollectingDispatcher()
    slots = {**verified("10023"), "new_address": "Aleksanterinkatu 5, 00170 Helsinki, FI",
             "address_confirmed": True}
    events = await ActionSaveAddress().run(dispatcher, tracker(slots), {})
    assert responses(dispatcher) == ["utter_address_not_changeable_shipped",
                                     "utter_offer_handoff"]
    assert slot_events(events)["handoff_reason"] == "shipped"
    assert shop.get_order("10023").shipping_address.street == "Mannerheimintie 12 B 7"


async def test_cancel_only_after_yes(services, shop):
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, tracker({**verified("10022"),
                                                       "cancel_confirmed": False}), {})
    assert shop.get_order("10022").status == OrderState.PAID
    await ActionCancelOrder().run(dispatcher, tracker({**verified("10022"),
                                                       "cancel_confirmed": True}), {})
    assert shop.get_order("10022").status == OrderState.CANCELLED
    assert responses(dispatcher) == ["utter_cancel_kept", "utter_order_cancelled_refund"]


async def test_shipped_order_cannot_be_cancelled(services, shop):
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, tracker({**verified("10023"),
                                                       "cancel_confirmed": True}), {})
    assert responses(dispatcher)[0] == "utter_cancel_not_possible_shipped"
    assert shop.get_order("10023").status == OrderState.SHIPPED


async def test_size_change_after_confirmation(services, shop):
    dispatcher = CollectingDispatcher()
    slots = {**verified("10022"), "change_request": "size L instead of M",
             "change_confirmed": True}
    await ActionChangeOrder().run(dispatcher, tracker(slots), {})
    assert responses(dispatcher) == ["utter_order_changed"]
    assert shop.get_order("10022").lines[0].size == "L"


async def test_packed_order_cannot_be_changed(services, shop):
    dispatcher = CollectingDispatcher()
    slots = {**verified("10025"), "change_request": "size M", "change_confirmed": True}
    await ActionChangeOrder().run(dispatcher, tracker(slots), {})
    assert responses(dispatcher) == ["utter_change_not_possible", "utter_offer_handoff"]
    assert shop.get_order("10025").lines[0].size == "L"


async def test_return_inside_the_window_gets_a_reference(services, shop):
    dispatcher = CollectingDispatcher()
    await ActionCreateReturn().run(dispatcher, tracker({**verified("10024"),
                                                        "return_reason": "too small",
                                                        "return_confirmed": True}), {})
    assert dispatcher.messages[0]["reference"].startswith("RMA-")
    assert shop.get_order("10024").returns[0].reason == "too small"


async def test_a_return_is_read_back_and_registered_only_after_yes(services, shop):
    from actions.orders import ActionAskReturnConfirmed

    # A question taken for the reason is read back, so that the shopper can say no.
    slots = {**verified("10024"), "return_reason": "do you have a store in London?"}
    asked = CollectingDispatcher()
    await ActionAskReturnConfirmed().run(asked, tracker(slots), {})
    assert responses(asked) == ["utter_confirm_return"]
    assert asked.messages[0]["reason"] == "do you have a store in London?"
    assert "Hiking boots" in asked.messages[0]["items"]
    declined = CollectingDispatcher()
    events = await ActionCreateReturn().run(declined, tracker({**slots,
                                                              "return_confirmed": False}), {})
    assert responses(declined) == ["utter_return_kept"]
    assert shop.get_order("10024").returns == ()
    assert slot_events(events) == {"return_reason": None, "return_confirmed": None}


async def test_return_outside_the_window_is_refused_with_the_dates(services, shop):
    dispatcher = CollectingDispatcher()
    await ActionCreateReturn().run(dispatcher, tracker({**verified("10026"),
                                                        "return_reason": "meh"}), {})
    assert responses(dispatcher) == ["utter_return_window_closed", "utter_offer_handoff"]
    assert shop.get_order("10026").returns == ()


async def test_refund_status_comes_from_the_shop(services):
    dispatcher = CollectingDispatcher()
    await ActionRefundStatus().run(dispatcher, tracker({**verified("10028")}), {})
    await ActionRefundStatus().run(dispatcher, tracker({**verified("10027")}), {})
    await ActionRefundStatus().run(dispatcher, tracker({**verified("10023")}), {})
    assert responses(dispatcher) == ["utter_refund_pending", "utter_refund_issued",
                                     "utter_no_refund"]
    assert dispatcher.messages[0]["amount"] == "139.00 EUR"


# -- confirmations name the order ----------------------------------------------------------------

CONFIRMATIONS = ("utter_confirm_cancel_free", "utter_confirm_cancel_fee", "utter_confirm_address",
                 "utter_confirm_change_size", "utter_confirm_change_quantity",
                 "utter_confirm_change_both")


async def test_cancel_and_address_confirmations_name_the_order(services):
    dispatcher = CollectingDispatcher()
    await ActionAskCancelConfirmed().run(dispatcher, tracker(verified("10025")), {})
    await ActionAskAddressConfirmed().run(dispatcher, tracker(
        {**verified("10022"), "new_address": "Aleksanterinkatu 5, 00170 Helsinki, FI"}), {})
    assert responses(dispatcher) == ["utter_confirm_cancel_fee", "utter_confirm_address"]
    assert [m["order_id"] for m in dispatcher.messages] == ["10025", "10022"]


async def test_no_confirmation_once_the_verification_ran_out(services):
    dispatcher = CollectingDispatcher()
    stale = {"verified_order": "10022", "verified_at": 0.0, "new_address": "x"}
    await ActionAskCancelConfirmed().run(dispatcher, tracker(stale), {})
    await ActionAskAddressConfirmed().run(dispatcher, tracker(stale), {})
    assert dispatcher.messages == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_names_the_order_in_confirmations(language):
    catalog = load_catalog(PROJECT_ROOT / "data" / "responses")[language]
    for name in CONFIRMATIONS:
        assert all("{order_id}" in variation["text"] for variation in catalog[name]), name
