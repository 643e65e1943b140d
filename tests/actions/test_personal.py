"""A verified shopper gets the likely order offered first and suggestions from their history."""

from rasa_sdk.executor import CollectingDispatcher

from actions.catalogue import ActionRecommendProducts
from actions.orders import ActionAskOrderNumber
from bot.shop.customer_tokens import issue_customer_token
from tests.actions.helpers import responses, tracker


def signed(customer="C-1001"):
    return {"customer_token": issue_customer_token(customer, "test-secret")}


async def test_likely_order_is_offered_first_for_a_return(services):
    dispatcher = CollectingDispatcher()
    await ActionAskOrderNumber().run(dispatcher, tracker(metadata=signed(),
                                                         active_loop="return_form"), {})
    message = dispatcher.messages[0]
    assert message["response"] == "utter_ask_likely_order"
    assert message["order_id"] == "10024"  # the delivered one: returns are about those
    assert message["buttons"][0]["payload"] == '/inform{"order_number":"10024"}'


async def test_strangers_are_asked_for_the_number(services):
    dispatcher = CollectingDispatcher()
    await ActionAskOrderNumber().run(dispatcher, tracker(active_loop="return_form"), {})
    assert responses(dispatcher) == ["utter_ask_order_number"]


async def test_suggestions_from_the_purchase_history(services):
    dispatcher = CollectingDispatcher()
    await ActionRecommendProducts().run(dispatcher, tracker(text="any recommendations?",
                                                            intent="recommend_products",
                                                            metadata=signed()), {})
    message = dispatcher.messages[0]
    assert message["response"] == "utter_recommendations"
    assert message["products"] == "Gloves, Fleece hoodie, Hiking pants"
    assert message["buttons"][0]["payload"] == '/product_info{"product":"gloves"}'


async def test_no_suggestions_without_a_verified_customer(services):
    forged = {"customer_token": issue_customer_token("C-1001", "not-the-secret")}
    dispatcher = CollectingDispatcher()
    await ActionRecommendProducts().run(dispatcher, tracker(metadata=forged), {})
    assert responses(dispatcher) == ["utter_recommend_login"]


async def test_a_stranger_choosing_between_products_sees_them_side_by_side(services):
    dispatcher = CollectingDispatcher()
    await ActionRecommendProducts().run(dispatcher, tracker(
        text="going hiking in october, rain jacket or shell jacket? whats the difference",
        intent="recommend_products"), {})
    message = dispatcher.messages[0]
    assert message["response"] == "utter_recommend_named"
    assert message["products"] == "Rain jacket and Shell jacket"
    assert [b["payload"] for b in message["buttons"]] == [
        '/product_info{"product":"rain jacket"}', '/product_info{"product":"shell jacket"}']
    # Nothing named: what the shop sells, and that a logged-in customer gets suggestions.
    plain = CollectingDispatcher()
    await ActionRecommendProducts().run(plain, tracker(text="gift ideas for my dad",
                                                       intent="recommend_products"), {})
    assert responses(plain) == ["utter_recommend_login"]
