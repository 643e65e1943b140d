from rasa_sdk.executor import CollectingDispatcher

from actions.catalogue import ActionProductInfo
from actions.chitchat import ActionGreet, ActionStoreFeedback
from bot.shop.customer_tokens import issue_customer_token
from tests.actions.helpers import responses, tracker


async def test_logged_in_customer_is_greeted_by_name(services):
    dispatcher = CollectingDispatcher()
    token = issue_customer_token("C-1003", "test-secret")
    await ActionGreet().run(dispatcher, tracker(metadata={"customer_token": token}), {})
    assert dispatcher.messages[0]["first_name"] == "Aylin"
    anonymous = CollectingDispatcher()
    await ActionGreet().run(anonymous, tracker(), {})
    assert responses(anonymous) == ["utter_greet"]


async def test_product_stock_and_sizes_come_from_the_catalogue(services):
    dispatcher = CollectingDispatcher()
    await ActionProductInfo().run(dispatcher, tracker({"product": "down jacket"}), {})
    await ActionProductInfo().run(dispatcher, tracker({"product": "rain jacket", "size": "s"}),
                                  {})
    await ActionProductInfo().run(dispatcher, tracker({"product": "beanie"}), {})
    await ActionProductInfo().run(dispatcher, tracker({"product": "surfboard"}), {})
    assert responses(dispatcher) == ["utter_product_info", "utter_product_size_unavailable",
                                     "utter_product_sold_out", "utter_product_not_found"]
    assert dispatcher.messages[0]["sizes"] == "S, M, XL"


async def test_feedback_is_stored(services):
    dispatcher = CollectingDispatcher()
    await ActionStoreFeedback().run(dispatcher, tracker(text="love the new fleece!",
                                                        intent="feedback"), {})
    assert services.feedback.recent_feedback()[0][1] == "love the new fleece!"
    assert responses(dispatcher) == ["utter_feedback_thanks"]


async def test_empty_message_gets_a_clear_answer_and_is_not_a_misunderstanding(services):
    from actions.chitchat import ActionNotUnderstood
    from tests.actions.helpers import bot_event, user_event

    history = [user_event("blorp", "nlu_fallback", 0.2), bot_event("Sorry?"),
               user_event("   ", "nlu_fallback", 0.0)]
    dispatcher = CollectingDispatcher()
    await ActionNotUnderstood().run(dispatcher, tracker(text="", intent="nlu_fallback",
                                                        events=history[:2]), {})
    assert responses(dispatcher) == ["utter_empty_message"]
    dispatcher = CollectingDispatcher()
    await ActionNotUnderstood().run(dispatcher, tracker(text="qwzx", intent="nlu_fallback",
                                                        events=history), {})
    assert responses(dispatcher) == ["utter_still_not_understood", "utter_offer_handoff"]


async def test_abandoned_cart_message_names_the_items_in_the_shoppers_language(services):
    from actions.catalogue import ActionAbandonedCart

    domain = {"responses": {"utter_abandoned_cart": [
        {"condition": [{"type": "slot", "name": "language", "value": "nb"}],
         "text": "Tenker du fortsatt på {items}?"},
        {"text": "Still thinking about your {items}?"}]}}
    services.handoff.remember_cart("cart-1", "shopper-1", items=["Rain jacket", "Wool socks"],
                                   language="nb")
    dispatcher = CollectingDispatcher()
    events = await ActionAbandonedCart().run(dispatcher, tracker(), domain)
    assert dispatcher.messages[0]["text"] == "Tenker du fortsatt på Rain jacket, Wool socks?"
    assert events[0]["value"] == "nb"
    silent = CollectingDispatcher()
    await ActionAbandonedCart().run(silent, tracker(sender="nobody"), domain)
    assert silent.messages == []


async def test_a_language_request_is_answered_and_not_counted_as_a_misunderstanding(services):
    from actions.chitchat import ActionNotUnderstood
    from actions.replies import misunderstood_in_a_row
    from tests.actions.helpers import user_event

    dispatcher = CollectingDispatcher()
    await ActionNotUnderstood().run(dispatcher, tracker(
        {"language": "en"}, text="in english please", intent="nlu_fallback"), {})
    assert responses(dispatcher) == ["utter_language_switched"]
    events = [user_event("asdfgh", "nlu_fallback"), user_event("suomeksi kiitos", "nlu_fallback")]
    assert misunderstood_in_a_row(events) == 1


async def test_a_follow_up_question_is_about_the_product_just_answered(services):
    from actions.catalogue import ActionBeginProduct
    from tests.actions.helpers import bot_event, user_event

    answer = await ActionProductInfo().run(CollectingDispatcher(),
                                           tracker({"product": "down jacket"}), {})
    remembered = {e["name"]: e["value"] for e in answer}["last_product"]
    earlier = [user_event("what sizes does the down jacket come in", "product_info"),
               bot_event("Down jacket costs 219.00 EUR.")]
    follow_up = await ActionBeginProduct().run(CollectingDispatcher(), tracker(
        {"last_product": remembered}, text="and the price?", intent="product_info",
        events=earlier), {})
    assert {e["name"]: e["value"] for e in follow_up}["product"] == remembered
    fresh = await ActionBeginProduct().run(CollectingDispatcher(), tracker(
        {"last_product": remembered}, text="what do you sell", intent="product_info",
        events=[user_event("hi", "greet")]), {})
    assert {e["name"]: e["value"] for e in fresh}["product"] is None


async def test_a_second_hello_gets_no_second_introduction(services):
    from tests.actions.helpers import bot_event, user_event

    earlier = [{"event": "session_started"}, user_event("hello???", "greet"),
               {"event": "action", "name": "action_greet"}, bot_event("Hi! I'm ...")]
    dispatcher = CollectingDispatcher()
    await ActionGreet().run(dispatcher, tracker(text="HELLO", events=earlier), {})
    assert responses(dispatcher) == ["utter_greet_again"]
    new_session = earlier + [{"event": "session_started"}]
    fresh = CollectingDispatcher()
    await ActionGreet().run(fresh, tracker(text="hi", events=new_session), {})
    assert responses(fresh) == ["utter_greet"]
