"""Answers from the shop's own data, and its outages: a shop that does not answer (401, 500, a
timeout) gets the shopper an honest message and the offer of a person, never a verification
failure, and counts against no limit."""

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.catalogue import ActionProductInfo, ValidateProductForm
from actions.common import verifier
from actions.order_forms import SHOP_UNAVAILABLE
from actions.orders import (
    ActionAskOrderNumber,
    ActionBeginTask,
    ActionCancelOrder,
    ActionOrderStatus,
    ValidateOrderStatusForm,
)
from bot.shop import Catalogue, ShopUnavailable
from bot.shop.customer_tokens import issue_customer_token
from tests.actions.helpers import responses, slot_events, tracker, verified

DOMAIN = {"forms": {"order_status_form": {"required_slots": ["order_number", "email"]}}}


class Down:
    """The shop's API answering 500 to every call (or only to ``calls``)."""

    def __init__(self, shop, calls=None):
        self._shop, self._calls = shop, calls

    def __getattr__(self, name):
        real = getattr(self._shop, name)
        if self._calls is not None and name not in self._calls:
            return real

        def fail(*args, **kwargs):
            raise ShopUnavailable(f"call {name}", "500")
        return fail


@pytest.fixture
def down(services, shop):
    services.orders.shop = Down(shop)
    services.orders.catalogue = Catalogue(services.orders.shop.all_products)
    return services


async def verify(number, email, sender):
    dispatcher = CollectingDispatcher()
    message = tracker({"order_number": number, "email": email},
                      events=[{"event": "slot", "name": "order_number", "value": number},
                              {"event": "slot", "name": "email", "value": email}],
                      sender=sender)
    message.events.insert(0, message.events.pop())  # the message first, then the candidates
    return dispatcher, await ValidateOrderStatusForm().run(dispatcher, message, DOMAIN)


async def test_verification_while_the_shop_is_down_is_no_failure(down, shop):
    for _ in range(6):  # more than limits.verify_failures
        dispatcher, events = await verify("10023", "anna.virtanen@example.com", "shopper-1")
        assert responses(dispatcher) == ["utter_shop_unavailable"]
        slots = slot_events(events)
        assert slots["requested_slot"] is None and slots["offered_handoff"] is True
        assert slots["handoff_reason"] == SHOP_UNAVAILABLE
        assert "verification_failures" not in slots and "verification_locked" not in slots
    assert verifier().lock("sender:shopper-1", "10023", "anna.virtanen@example.com") is None
    # The task action that follows the form adds nothing to the honest message.
    task = CollectingDispatcher()
    assert await ActionOrderStatus().run(task, tracker(
        {"handoff_reason": SHOP_UNAVAILABLE, "offered_handoff": True}), {}) == []
    assert task.messages == []
    # A new try starts afresh, and works once the shop answers again.
    begin = await ActionBeginTask().run(CollectingDispatcher(), tracker(
        {"handoff_reason": SHOP_UNAVAILABLE}, text="where is my order", intent="order_status"),
        {})
    assert slot_events(begin)["handoff_reason"] is None
    down.orders.shop = shop
    dispatcher, events = await verify("10023", "anna.virtanen@example.com", "shopper-1")
    assert slot_events(events)["verified_order"] == "10023"


async def test_a_verified_order_the_shop_cannot_read_or_change_is_told_honestly(services, shop):
    services.orders.shop = Down(shop, calls={"get_order"})
    dispatcher = CollectingDispatcher()
    events = await ActionOrderStatus().run(dispatcher, tracker(verified("10023")), {})
    assert responses(dispatcher) == ["utter_shop_unavailable"]
    assert slot_events(events)["handoff_reason"] == SHOP_UNAVAILABLE
    services.orders.shop = Down(shop, calls={"cancel_order"})
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, tracker({**verified("10021"),
                                                       "cancel_confirmed": True}), {})
    assert responses(dispatcher) == ["utter_shop_unavailable"]  # not "changed meanwhile"


async def test_a_logged_in_customer_can_still_type_the_number(services, shop):
    services.orders.shop = Down(shop, calls={"orders_for_customer"})
    token = issue_customer_token("C-1001", "test-secret")
    dispatcher = CollectingDispatcher()
    await ActionAskOrderNumber().run(dispatcher, tracker(metadata={"customer_token": token}), {})
    assert responses(dispatcher) == ["utter_ask_order_number"]


async def test_product_questions_while_the_shop_is_down(down):
    dispatcher = CollectingDispatcher()
    result = ValidateProductForm().validate_product("rain jacket", dispatcher, tracker(), {})
    assert responses(dispatcher) == ["utter_shop_unavailable"]
    assert result["requested_slot"] is None and result["handoff_reason"] == SHOP_UNAVAILABLE
    silent = CollectingDispatcher()
    assert await ActionProductInfo().run(silent, tracker(), {}) == []  # the form said it


async def test_product_answers_use_the_catalogue_and_its_description(services):
    dispatcher = CollectingDispatcher()
    await ActionProductInfo().run(dispatcher, tracker({"product": "raincoat"}), {})
    answer = dispatcher.messages[0]
    assert answer["response"] == "utter_product_info" and answer["name"] == "Rain jacket"
    assert answer["description"].startswith("Waterproof") and answer["price"] == "129.00 EUR"
    missing = CollectingDispatcher()
    await ActionProductInfo().run(missing, tracker({"product": "surfboard"}), {})
    assert missing.messages[0]["categories"] == \
        "accessories, jackets, footwear, backpacks, midlayers, trousers and base layers"
