"""Product questions and payment problems."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    customer_id,
    entity_order_number,
    language,
    latest_entity,
    money,
    services,
)
from actions.order_forms import shop_unavailable
from actions.replies import announce, create_ticket, response_in_language
from bot.i18n import join_list
from bot.payment import classify_payment_problem
from bot.proactive import describe_items
from bot.shop import Product, ShopUnavailable


def categories(tracker: Tracker) -> str:
    """What the shop sells, from its catalogue's categories: "jackets, boots and socks"."""
    return join_list(services().orders.categories(), language(tracker))


def price(tracker: Tracker, product: Product) -> str:
    """A product's price in the shop's currency, as the conversation's language writes it."""
    return money(tracker, product.price, services().settings.profile.currency)


def product_buttons(tracker: Tracker, products: List[Product]) -> List[Dict[str, str]]:
    """One button per product, with its price, that asks about it."""
    return [{"title": f"{p.name} ({price(tracker, p)})",
             "payload": f'/product_info{{"product":"{p.name.lower()}"}}'} for p in products]


class ActionBeginProduct(Action):
    def name(self) -> Text:
        return "action_begin_product"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        product = latest_entity(tracker, "product")
        if product is None and follows_product_answer(tracker.events):
            product = tracker.get_slot("last_product")  # "and the price?", "in M?"
        if product is None and services().orders.categories():
            # "What do you sell?", "do you have something for rain?": what there is, before
            # the form asks which product.
            dispatcher.utter_message(response="utter_we_sell", categories=categories(tracker))
        return [SlotSet("product", product), SlotSet("size", latest_entity(tracker, "size"))]


def follows_product_answer(events: List[Dict[Text, Any]]) -> bool:
    """True when the shopper's previous message was itself a product question, so that a
    message naming no product is about the same one."""
    users = [event for event in events if event.get("event") == "user"]
    if len(users) < 2:
        return False
    intent = ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name")
    return intent == "product_info"


class ValidateProductForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_product_form"

    def validate_product(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[Text, Any]:
        text = " ".join(str(value or "").split())[:100]
        if not text:
            return {"product": None}  # nothing named: the question is asked again
        try:
            product = services().orders.find_product(text)
        except ShopUnavailable:  # the form ends; action_product_info has nothing to add
            offer = {event["name"]: event["value"] for event in shop_unavailable(dispatcher)}
            return {"product": None, "requested_slot": None, **offer}
        if product is None:
            dispatcher.utter_message(response="utter_product_not_found", product=text,
                                     categories=categories(tracker))
            return {"product": None}
        return {"product": product.name}


class ActionProductInfo(Action):
    """Price, sizes in stock, colours and the description from the shop's catalogue (the
    description answers "is it waterproof?")."""

    def name(self) -> Text:
        return "action_product_info"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        named = tracker.get_slot("product")
        if not named:
            return []  # the form ended without a product (and said why)
        try:
            product = services().orders.find_product(named)
        except ShopUnavailable:
            return [SlotSet("product", None)] + shop_unavailable(dispatcher)
        if product is None:
            dispatcher.utter_message(response="utter_product_not_found", product=named,
                                     categories=categories(tracker))
            return [SlotSet("product", None)]
        size = (tracker.get_slot("size") or "").upper()
        args = {"name": product.name, "price": price(tracker, product)}
        if size and size in [s.upper() for s in product.sizes]:
            in_stock = size in [s.upper() for s in product.sizes_in_stock]
            dispatcher.utter_message(
                response="utter_product_size_available" if in_stock
                else "utter_product_size_unavailable",
                size=size, sizes=", ".join(product.sizes_in_stock) or "none", **args)
        elif product.sizes_in_stock:
            dispatcher.utter_message(response="utter_product_info",
                                     sizes=", ".join(product.sizes_in_stock),
                                     colours=", ".join(product.colours) or "-",
                                     description=product.description, **args)
        else:
            dispatcher.utter_message(response="utter_product_sold_out", **args)
        return [SlotSet("product", None), SlotSet("size", None),
                SlotSet("last_product", product.name)]


#: Intents whose text cannot be the answer to "which payment method did you use?".
NOT_A_PAYMENT_METHOD = frozenset({"affirm", "greet", "thank", "goodbye", "bot_challenge"})


class ValidatePaymentForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_payment_form"

    def validate_payment_method(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        # "yes", "hi" or "thanks" names no way of paying: ask again (the buttons stay).
        if (tracker.latest_message.get("intent") or {}).get("name") in NOT_A_PAYMENT_METHOD:
            return {"payment_method": None}
        return {"payment_method": " ".join(str(value or "").split())[:100] or None}

    def validate_payment_details(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        details = " ".join(str(value or "").split())[:500] or None
        return {"payment_details": details, "payment_date": latest_entity(tracker, "date")}


class ActionBeginPayment(Action):
    """Recognise the kind of payment problem and say what happens next."""

    def name(self) -> Text:
        return "action_begin_payment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        kind = classify_payment_problem(tracker.latest_message.get("text") or "")
        dispatcher.utter_message(response=f"utter_payment_{kind}")
        events: List[EventType] = [SlotSet("payment_problem", kind),
                                   SlotSet("payment_method", None),
                                   SlotSet("payment_details", None)]
        number = entity_order_number(tracker)
        if number:
            events.append(SlotSet("order_number", number))
        return events


class ActionPaymentHandoff(Action):
    """Everything an agent needs is collected: create an urgent ticket."""

    def name(self) -> Text:
        return "action_payment_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        return announce(dispatcher, tracker, create_ticket(tracker, "payment_issue"))


class ActionRecommendProducts(Action):
    """Suggest products from a verified customer's purchase history."""

    def name(self) -> Text:
        return "action_recommend_products"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        customer = customer_id(tracker) or tracker.get_slot("customer_id")
        try:
            known = bool(customer) and services().orders.customer(customer) is not None
            picks = services().orders.recommendations(customer) if known else []
        except ShopUnavailable:  # suggestions can wait: no need to bother a person
            dispatcher.utter_message(response="utter_recommend_nothing")
            return []
        if not known:
            named = services().orders.products_named(
                (tracker.latest_message or {}).get("text"))
            if named:  # "rain jacket or shell jacket?": what the shopper is choosing between
                dispatcher.utter_message(response="utter_recommend_named",
                                         buttons=product_buttons(tracker, named),
                                         products=join_list([p.name for p in named],
                                                            language(tracker)))
                return []
            example = services().orders.example_product()
            dispatcher.utter_message(response="utter_recommend_login",
                                     categories=categories(tracker),
                                     product_example=example.name.lower() if example else "")
            return []
        if not picks:
            dispatcher.utter_message(response="utter_recommend_nothing")
            return []
        buttons = product_buttons(tracker, picks)
        dispatcher.utter_message(response="utter_recommendations", buttons=buttons,
                                 products=", ".join(p.name for p in picks))
        return []


class ActionAbandonedCart(Action):
    """The shop told us a cart was left behind: offer help once, in the shopper's language."""

    def name(self) -> Text:
        return "action_abandoned_cart"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        cart = services().shop_events.latest_cart(tracker.sender_id) or {}
        items = [str(item) for item in cart.get("items") or []]
        if not items:
            return []
        language = cart.get("language") or tracker.get_slot("language") or "en"
        variation = response_in_language(domain, "utter_abandoned_cart", language)
        dispatcher.utter_message(text=variation["text"].format(items=describe_items(items)),
                                 buttons=variation.get("buttons") or [])
        return [SlotSet("language", language)] if cart.get("language") else []
