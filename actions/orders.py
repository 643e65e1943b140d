"""Order actions: start a task, verify the order, then do what the shopper asked."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import (
    customer_id,
    entity_order_number,
    language,
    latest_entity,
    money,
    reset_task_slots,
    services,
    status_text,
    unclear_entity,
    verified_order,
    verified_order_id,
    when,
)
from actions.order_forms import (
    SHOP_UNAVAILABLE,
    OrderFormValidation,
    OrderTaskAction,
    expired_verification,
    offer_handoff,
    shop_unavailable,
)
from bot.i18n import country_name
from bot.shop import (
    Decision,
    Order,
    OrderState,
    ShopError,
    ShopUnavailable,
    address_example,
    normalise_email,
    normalise_order_number,
    parse_address,
)
from bot.shop.changes import LineChange, parse_line_change

ORDER_TASKS = {
    "order_status", "change_address", "cancel_order", "change_order", "return_item",
    "refund_status",
}


class ActionBeginTask(Action):
    """Remember what the shopper wants and any order number or email they already gave."""

    def name(self) -> Text:
        return "action_begin_task"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        events: List[EventType] = [SlotSet("task", intent if intent in ORDER_TASKS else None)]
        events += reset_task_slots()
        number = entity_order_number(tracker) or \
            normalise_order_number(unclear_entity(tracker, "order_number"))
        email = normalise_email(latest_entity(tracker, "email") or
                                unclear_entity(tracker, "email"))
        known = verified_order_id(tracker)
        expired = expired_verification(tracker)
        if expired:  # both are asked again
            events += expired + [SlotSet("order_number", None)]
        elif known and number and number != known:  # another order: proven on its own
            events += [SlotSet("verified_order", None), SlotSet("verified_at", None)]
        if number:
            events.append(SlotSet("order_number", number))
        elif known:
            events.append(SlotSet("order_number", known))
        if email:
            events.append(SlotSet("email", email))
        customer = customer_id(tracker)
        events.append(SlotSet("customer_id", customer))
        if tracker.get_slot("handoff_reason") in (SHOP_UNAVAILABLE, ADDRESS_UNREADABLE):
            # a new try, a new answer
            events += [SlotSet("offered_handoff", False), SlotSet("handoff_reason", None)]
        if intent == "change_order":
            events += change_from_first_message(tracker, number or known)
        return events


def change_from_first_message(tracker: Tracker, number: Optional[str]) -> List[EventType]:
    """ "Change order 10029 to size L": the change is kept, so that it is not asked again once
    the order is verified (or taken at once when it already is)."""
    if not (latest_entity(tracker, "size") or latest_entity(tracker, "quantity")):
        return []
    message = tracker.latest_message or {}
    text = list(message.get("text") or "")
    for entity in message.get("entities") or []:  # extractors may report a span twice
        if entity.get("entity") in ("order_number", "email") and "end" in entity:
            text[int(entity["start"]):int(entity["end"])] = \
                " " * (int(entity["end"]) - int(entity["start"]))
    hint = " ".join("".join(text).split())[:200]
    if number and verified_order_id(tracker) == number:
        return [SlotSet("change_request", hint)]  # validated when the form starts
    return [SlotSet("change_hint", hint)]


#: The task each order form serves (the likely order depends on it).
FORM_TASKS = {"order_status_form": "order_status", "address_form": "change_address",
              "cancel_form": "cancel_order", "change_form": "change_order",
              "return_form": "return_item", "refund_form": "refund_status"}


class ActionAskOrderNumber(Action):
    """Ask for the order number; a logged-in customer gets their recent orders as buttons."""

    def name(self) -> Text:
        return "action_ask_order_number"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        customer = customer_id(tracker)
        try:
            orders = services().orders.recent_orders(customer) if customer else []
        except ShopUnavailable:
            orders = []  # the shopper can still type the number
        if orders:
            task = FORM_TASKS.get(tracker.active_loop_name or "")
            likely = services().orders.likely_order(customer, task)
            if likely is not None:  # the likely one first: "Is this about order 10023, ...?"
                orders = [likely] + [o for o in orders if o.order_id != likely.order_id]
            buttons = [{"title": f"{o.order_id}: {o.describe_items()}",
                        "payload": f'/inform{{"order_number":"{o.order_id}"}}'} for o in orders]
            if likely is not None:
                dispatcher.utter_message(response="utter_ask_likely_order", buttons=buttons,
                                         order_id=likely.order_id,
                                         items=likely.describe_items())
            else:
                dispatcher.utter_message(response="utter_ask_order_number_known",
                                         buttons=buttons)
        else:
            dispatcher.utter_message(response="utter_ask_order_number")
        return []


def stop_asking(dispatcher: CollectingDispatcher) -> List[EventType]:
    """The shop stopped answering while a form was asking: say so and end the form."""
    return shop_unavailable(dispatcher) + [SlotSet("requested_slot", None)]


class AskAboutOrder(Action, ABC):
    """A form's question about the verified order: read from the shop first; when the shop
    does not answer, the shopper is told so and the form ends (``stop_asking``)."""

    @abstractmethod
    def name(self) -> Text:
        """The action's name in the domain."""

    @abstractmethod
    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            order: Optional[Order]) -> List[EventType]:
        """Ask the question; ``order`` is None when the verification ran out meanwhile."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        try:
            order = verified_order(tracker)
        except ShopUnavailable:
            return stop_asking(dispatcher)
        return self.ask(dispatcher, tracker, order)


# -- order status and refunds ------------------------------------------------------------------


class ValidateOrderStatusForm(OrderFormValidation):
    def name(self) -> Text:
        return "validate_order_status_form"


class ActionOrderStatus(OrderTaskAction):
    """Status, carrier, tracking link and expected delivery of a verified order."""

    def name(self) -> Text:
        return "action_order_status"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  order: Order) -> List[EventType]:
        args = {"order_id": order.order_id, "items": order.describe_items()}
        if order.status == OrderState.SHIPPED:
            dispatcher.utter_message(response="utter_order_status_shipped", carrier=order.carrier,
                                     tracking_url=order.tracking_url,
                                     expected=when(tracker, order.expected_delivery), **args)
        elif order.status == OrderState.DELIVERED:
            dispatcher.utter_message(response="utter_order_status_delivered",
                                     delivered=when(tracker, order.delivered_at), **args)
        else:
            dispatcher.utter_message(response=f"utter_order_status_{order.status.value}", **args)
        return []


class ValidateRefundForm(OrderFormValidation):
    def name(self) -> Text:
        return "validate_refund_form"


class ActionRefundStatus(OrderTaskAction):
    """Where the shopper's money is, from the shop's refund records."""

    def name(self) -> Text:
        return "action_refund_status"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  order: Order) -> List[EventType]:
        args = {"order_id": order.order_id}
        refund = order.refund
        if refund and refund.status == "issued":
            dispatcher.utter_message(response="utter_refund_issued",
                                     amount=money(tracker, refund.amount, order.currency),
                                     issued=when(tracker, refund.issued_at), **args)
        elif refund:
            dispatcher.utter_message(
                response="utter_refund_pending",
                amount=money(tracker, refund.amount, order.currency),
                reference=refund.reference,
                expected=when(tracker, services().orders.refund_expected_by(order)), **args)
        elif order.returns:
            dispatcher.utter_message(response="utter_refund_awaiting_return",
                                     reference=order.returns[-1].reference, **args)
        else:
            dispatcher.utter_message(response="utter_no_refund",
                                     status=status_text(tracker, order.status.value),
                                     **args)
        return []


# -- address ------------------------------------------------------------------------------------


#: The handoff reason when the shopper's answers could not be read as an address.
ADDRESS_UNREADABLE = "address_unreadable"
#: Answers that are not an address before the form gives up and offers a person.
ADDRESS_TRIES = 3


def address_failures(tracker: Tracker) -> int:
    """How many answers the address form has not been able to read since it last started."""
    failures = 0
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == "address_form":
            break
        utter = str((event.get("metadata") or {}).get("utter_action") or "")
        if event.get("event") == "bot" and utter.startswith("utter_invalid_address_"):
            failures += 1
    return failures


class ValidateAddressForm(OrderFormValidation):
    """Verification, then a valid new address (postcode per country), then confirmation. After
    three answers that are not an address in the order's country, the form ends and a person is
    offered: the shopper is not asked the same question forever."""

    task_slots = ("new_address", "address_confirmed")

    def name(self) -> Text:
        return "validate_address_form"

    def decision(self, order: Order) -> Decision:
        return services().orders.address_change(order)

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        if tracker.get_slot("handoff_reason") == ADDRESS_UNREADABLE:
            return []
        return await super().required_slots(domain_slots, dispatcher, tracker, domain)

    def validate_new_address(self, value: Any, dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        order = verified_order(tracker)
        if order is None:
            return {"new_address": None}
        current = order.shipping_address
        address, problems = parse_address(str(value or ""), current.name, current.country)
        if address is not None:
            return {"new_address": address.one_line()}
        country = country_name(current.country, language(tracker))
        if address_failures(tracker) + 1 >= ADDRESS_TRIES:
            dispatcher.utter_message(response="utter_address_gave_up", country=country,
                                     order_id=order.order_id)
            offer = offer_handoff(dispatcher, ADDRESS_UNREADABLE)
            return {"new_address": None, **{event["name"]: event["value"] for event in offer}}
        dispatcher.utter_message(response=f"utter_invalid_address_{problems[0].field}",
                                 country=country, example=address_example(current.country))
        return {"new_address": None}

    def validate_address_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"address_confirmed": bool(value)}


class ActionAskNewAddress(AskAboutOrder):
    """Ask for the new address with an example written the way the order's country writes
    addresses."""

    def name(self) -> Text:
        return "action_ask_new_address"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            order: Optional[Order]) -> List[EventType]:
        country = order.shipping_address.country if order is not None else ""
        dispatcher.utter_message(response="utter_ask_new_address",
                                 example=address_example(country))
        return []


class ActionAskAddressConfirmed(Action):
    """Read the new address back before saving it."""

    def name(self) -> Text:
        return "action_ask_address_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        order_id = verified_order_id(tracker)
        if order_id is None:  # the verification ran out meanwhile: the form asks again
            return []
        dispatcher.utter_message(response="utter_confirm_address", order_id=order_id,
                                 address=tracker.get_slot("new_address"))
        return []


class ActionSaveAddress(OrderTaskAction):
    """Save the confirmed address, re-checking with the shop that it has still not shipped."""

    def name(self) -> Text:
        return "action_save_address"

    def decision(self, order: Order) -> Decision:
        return services().orders.address_change(order)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("handoff_reason") == ADDRESS_UNREADABLE:
            # The form has just said so and offered a person.
            return [SlotSet("new_address", None), SlotSet("address_confirmed", None)]
        return await super().run(dispatcher, tracker, domain)

    def refuse(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: Order,
               decision: Decision) -> List[EventType]:
        dispatcher.utter_message(response=f"utter_address_not_changeable_{decision.reason}",
                                 order_id=order.order_id,
                                 status=status_text(tracker, order.status.value))
        return offer_handoff(dispatcher, "shipped") if decision.reason == "shipped" else []

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  order: Order) -> List[EventType]:
        text = tracker.get_slot("new_address")
        done = [SlotSet("new_address", None), SlotSet("address_confirmed", None)]
        if not tracker.get_slot("address_confirmed") or not text:
            dispatcher.utter_message(response="utter_address_kept")
            return done
        current = order.shipping_address
        address, _ = parse_address(text, current.name, current.country)
        try:
            updated = services().orders.change_address(order, address)
        except ShopUnavailable:
            return done + shop_unavailable(dispatcher)
        except ShopError:
            dispatcher.utter_message(response="utter_order_changed_meanwhile")
            return done
        dispatcher.utter_message(response="utter_address_changed", order_id=updated.order_id,
                                 address=updated.shipping_address.one_line())
        return done


# -- cancel -------------------------------------------------------------------------------------


class ValidateCancelForm(OrderFormValidation):
    task_slots = ("cancel_confirmed",)

    def name(self) -> Text:
        return "validate_cancel_form"

    def decision(self, order: Order) -> Decision:
        return services().orders.cancellation(order)

    def validate_cancel_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"cancel_confirmed": bool(value)}


class ActionAskCancelConfirmed(AskAboutOrder):
    """Ask before cancelling, stating the fee if there is one."""

    def name(self) -> Text:
        return "action_ask_cancel_confirmed"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            order: Optional[Order]) -> List[EventType]:
        if order is None:
            return []
        fee = services().orders.cancellation(order).fee
        dispatcher.utter_message(
            response="utter_confirm_cancel_fee" if fee else "utter_confirm_cancel_free",
            order_id=order.order_id, items=order.describe_items(),
            fee=money(tracker, fee, order.currency))
        return []


class ActionCancelOrder(OrderTaskAction):
    def name(self) -> Text:
        return "action_cancel_order"

    def decision(self, order: Order) -> Decision:
        return services().orders.cancellation(order)

    def refuse(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: Order,
               decision: Decision) -> List[EventType]:
        dispatcher.utter_message(response=f"utter_cancel_not_possible_{decision.reason}",
                                 order_id=order.order_id)
        return offer_handoff(dispatcher, "shipped") if decision.reason == "shipped" else []

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  order: Order) -> List[EventType]:
        done = [SlotSet("cancel_confirmed", None)]
        if not tracker.get_slot("cancel_confirmed"):
            dispatcher.utter_message(response="utter_cancel_kept", order_id=order.order_id)
            return done
        try:
            cancelled = services().orders.cancel(order)
        except ShopUnavailable:
            return done + shop_unavailable(dispatcher)
        except ShopError:
            dispatcher.utter_message(response="utter_order_changed_meanwhile")
            return done
        if cancelled.refund:
            dispatcher.utter_message(response="utter_order_cancelled_refund",
                                     order_id=order.order_id,
                                     amount=money(tracker, cancelled.refund.amount, order.currency))
        else:
            dispatcher.utter_message(response="utter_order_cancelled", order_id=order.order_id)
        return done


# -- change sizes and quantities ----------------------------------------------------------------


def confirm_change_response(change: LineChange) -> str:
    """Which confirmation fits: a new size, a new quantity, or both."""
    if change.size and change.quantity:
        return "utter_confirm_change_both"
    return "utter_confirm_change_size" if change.size else "utter_confirm_change_quantity"


def checked_change(text: str, order: Optional[Order], dispatcher: CollectingDispatcher,
                   quiet_if_unclear: bool = False) -> Optional[str]:
    """The change request if it names a line of the order and a size in stock, else None
    (after telling the shopper what is wrong)."""
    change = parse_line_change(text, order) if order else None
    if change is None:
        if not quiet_if_unclear:
            dispatcher.utter_message(response="utter_change_not_understood",
                                     product=order.lines[0].product_name.lower()
                                     if order and order.lines else "")
        return None
    if change.size:
        product = next((p for p in services().orders.shop.search_products(
            change.product_name) if p.sku == change.sku), None)
        if product is not None and change.size not in product.sizes_in_stock:
            dispatcher.utter_message(response="utter_change_size_unavailable",
                                     product=change.product_name, size=change.size,
                                     sizes=", ".join(product.sizes_in_stock) or "none")
            return None
    return text[:200]


class ValidateChangeForm(OrderFormValidation):
    task_slots = ("change_request", "change_confirmed")

    def name(self) -> Text:
        return "validate_change_form"

    def decision(self, order: Order) -> Decision:
        return services().orders.order_change(order)

    def validate_change_request(self, value: Any, dispatcher: CollectingDispatcher,
                                tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        request = checked_change(str(value or ""), verified_order(tracker), dispatcher)
        return {"change_request": request}

    def validate_order_number(self, value: Any, dispatcher: CollectingDispatcher,
                              tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        result = super().validate_order_number(value, dispatcher, tracker, domain)
        return {**result, **self._hinted_change(result, tracker, dispatcher)}

    def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> Dict[Text, Any]:
        result = super().validate_email(value, dispatcher, tracker, domain)
        return {**result, **self._hinted_change(result, tracker, dispatcher)}

    def _hinted_change(self, result: Dict[Text, Any], tracker: Tracker,
                       dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        """The change named in the first message, once this answer has verified the order
        (and the shop allows changes to it)."""
        hint, number = tracker.get_slot("change_hint"), result.get("verified_order")
        if not hint or not number:
            return {}
        order = services().orders.shop.get_order(number)
        if order is None or not self.decision(order).allowed:
            return {}
        request = checked_change(hint, order, dispatcher, quiet_if_unclear=True)
        return {"change_hint": None, **({"change_request": request} if request else {})}

    def validate_change_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        return {"change_confirmed": bool(value)}


class ActionAskChangeRequest(AskAboutOrder):
    def name(self) -> Text:
        return "action_ask_change_request"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            order: Optional[Order]) -> List[EventType]:
        dispatcher.utter_message(response="utter_ask_change_request",
                                 order_id=order.order_id if order else "",
                                 items=order.describe_items() if order else "")
        return []


class ActionAskChangeConfirmed(AskAboutOrder):
    def name(self) -> Text:
        return "action_ask_change_confirmed"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            order: Optional[Order]) -> List[EventType]:
        change = parse_line_change(tracker.get_slot("change_request") or "", order) \
            if order else None
        if change is None:
            return []
        dispatcher.utter_message(response=confirm_change_response(change),
                                 order_id=order.order_id, product=change.product_name,
                                 size=change.size or "", quantity=change.quantity or "")
        return []


class ActionChangeOrder(OrderTaskAction):
    def name(self) -> Text:
        return "action_change_order"

    def decision(self, order: Order) -> Decision:
        return services().orders.order_change(order)

    def refuse(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: Order,
               decision: Decision) -> List[EventType]:
        dispatcher.utter_message(response="utter_change_not_possible", order_id=order.order_id,
                                 status=status_text(tracker, order.status.value))
        return offer_handoff(dispatcher, "not_allowed")

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  order: Order) -> List[EventType]:
        done = [SlotSet("change_request", None), SlotSet("change_confirmed", None)]
        change = parse_line_change(tracker.get_slot("change_request") or "", order)
        if not tracker.get_slot("change_confirmed") or change is None:
            dispatcher.utter_message(response="utter_change_kept")
            return done
        try:
            updated = services().orders.change_line(order, change.sku, change.size,
                                                    change.quantity)
        except ShopUnavailable:
            return done + shop_unavailable(dispatcher)
        except ShopError:
            dispatcher.utter_message(response="utter_order_changed_meanwhile")
            return done
        dispatcher.utter_message(response="utter_order_changed", order_id=updated.order_id,
                                 items=updated.describe_items())
        return done


# -- return -------------------------------------------------------------------------------------


class ValidateReturnForm(OrderFormValidation):
    """Verification, the shop's return rules, the reason, then a yes before anything is
    registered: a reason misread from a question is read back, not acted on."""

    task_slots = ("return_reason", "return_confirmed")

    def name(self) -> Text:
        return "validate_return_form"

    def decision(self, order: Order) -> Decision:
        return services().orders.return_eligibility(order)

    def validate_return_reason(self, value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = " ".join(str(value or "").split())[:300]
        return {"return_reason": text or None}


class ActionAskReturnConfirmed(AskAboutOrder):
    """Read the return back (order, items, reason) before registering it."""

    def name(self) -> Text:
        return "action_ask_return_confirmed"

    def ask(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            order: Optional[Order]) -> List[EventType]:
        if order is None:
            return []
        dispatcher.utter_message(response="utter_confirm_return", order_id=order.order_id,
                                 items=order.describe_items(),
                                 reason=tracker.get_slot("return_reason") or "-")
        return []


class ActionCreateReturn(OrderTaskAction):
    """Create the return inside the window and give its reference."""

    def name(self) -> Text:
        return "action_create_return"

    def decision(self, order: Order) -> Decision:
        return services().orders.return_eligibility(order)

    def refuse(self, dispatcher: CollectingDispatcher, tracker: Tracker, order: Order,
               decision: Decision) -> List[EventType]:
        args = {"order_id": order.order_id}
        if decision.reason == "window_closed":
            dispatcher.utter_message(response="utter_return_window_closed",
                                     delivered=when(tracker, order.delivered_at),
                                     deadline=when(tracker, decision.deadline), **args)
            return offer_handoff(dispatcher, "return_window_closed")
        if decision.reason == "already_returned":
            reference = order.returns[-1].reference if order.returns else "-"
            dispatcher.utter_message(response="utter_already_returned", reference=reference,
                                     **args)
            return []
        dispatcher.utter_message(response="utter_return_not_delivered",
                                 status=status_text(tracker, order.status.value), **args)
        return []

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  order: Order) -> List[EventType]:
        reason: Optional[str] = tracker.get_slot("return_reason")
        done = [SlotSet("return_reason", None), SlotSet("return_confirmed", None)]
        if not tracker.get_slot("return_confirmed"):
            dispatcher.utter_message(response="utter_return_kept", order_id=order.order_id)
            return done
        try:
            request = services().orders.start_return(order, reason or "not given")
        except ShopUnavailable:
            return done + shop_unavailable(dispatcher)
        except ShopError:
            dispatcher.utter_message(response="utter_order_changed_meanwhile")
            return done
        dispatcher.utter_message(response="utter_return_created", order_id=order.order_id,
                                 reference=request.reference,
                                 days=services().orders.policy.refund_business_days)
        return done
