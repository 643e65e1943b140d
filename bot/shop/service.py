"""The shop's rules for what a shopper may do with an order, on top of any ShopBackend."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Callable, List, Optional

from bot.shop.backend import ShopBackend
from bot.shop.catalogue import Catalogue
from bot.shop.models import (
    LEFT_WAREHOUSE,
    Address,
    Customer,
    Order,
    OrderState,
    Product,
    ReturnRequest,
    ShopError,
    ShopUnavailable,
)
from bot.shop.order_numbers import normalise_order_number
from bot.shop.recommend import recommend


def normalise_email(text: Optional[str]) -> Optional[str]:
    """Trim and lower-case an email address; None when it does not look like one."""
    if not text:
        return None
    value = str(text).strip().strip(".,;").lower()
    return value if re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", value) else None


@dataclass(frozen=True)
class ShopPolicy:
    """The shop's rules, from settings."""

    return_window_days: int = 30
    packed_cancellation_fee: float = 5.0
    refund_business_days: int = 5


@dataclass(frozen=True)
class Decision:
    """Whether an action is allowed, and the facts the shopper needs to hear."""

    allowed: bool
    reason: str = ""
    fee: float = 0.0
    deadline: Optional[date] = None


def add_business_days(start: date, days: int) -> date:
    """The date ``days`` working days (Mon-Fri) after ``start``."""
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


class OrderService:
    """Verification and order rules; never reveals an order to an unverified shopper."""

    def __init__(self, shop: ShopBackend, policy: ShopPolicy = ShopPolicy(),
                 clock: Callable[[], datetime] = datetime.now,
                 catalogue: Optional[Catalogue] = None) -> None:
        self.shop = shop
        self.policy = policy
        self._clock = clock
        self.catalogue = catalogue or Catalogue(shop.all_products)

    # -- who may see what ------------------------------------------------------------------

    def verify(self, order_number: Optional[str], email: Optional[str] = None,
               customer_id: Optional[str] = None) -> Optional[Order]:
        """The order if the shopper proved it is theirs, else None.

        Proof is either the email on the order or a verified customer token for its owner.
        The same None answers "no such order" and "wrong email", so nothing leaks.
        """
        order_id = normalise_order_number(order_number)
        if order_id is None:
            return None
        order = self.shop.get_order(order_id)
        if order is None:
            return None
        if customer_id and order.customer_id == customer_id:
            return order
        given = normalise_email(email)
        if given and given == order.email.lower():
            return order
        return None

    def owns(self, customer_id: Optional[str], order_number: Optional[str]) -> bool:
        """True when a token-verified customer owns this order."""
        return bool(customer_id) and self.verify(order_number, customer_id=customer_id) is not None

    def customer(self, customer_id: Optional[str]) -> Optional[Customer]:
        """The customer behind a verified token."""
        return self.shop.get_customer(customer_id) if customer_id else None

    def recent_orders(self, customer_id: str, limit: int = 3) -> List[Order]:
        """A verified customer's newest orders."""
        return self.shop.orders_for_customer(customer_id)[:limit]

    def likely_order(self, customer_id: str, task: Optional[str] = None) -> Optional[Order]:
        """The order a verified customer most likely means for a task, or None.

        Returns and refunds are about delivered or cancelled orders; everything else is about
        an order still on its way. The newest matching order wins.
        """
        wanted = {
            "return_item": {OrderState.DELIVERED},
            "refund_status": {OrderState.CANCELLED, OrderState.RETURNED, OrderState.DELIVERED},
        }.get(task or "", {OrderState.PLACED, OrderState.PAID, OrderState.PACKED,
                           OrderState.SHIPPED})
        orders = self.shop.orders_for_customer(customer_id)
        return next((o for o in orders if o.status in wanted), orders[0] if orders else None)

    def recommendations(self, customer_id: str, limit: int = 3) -> List[Product]:
        """Products a verified customer might like, from their purchase history."""
        return recommend(self.shop.orders_for_customer(customer_id), self.shop.all_products(),
                         limit)

    # -- rules --------------------------------------------------------------------------------

    def address_change(self, order: Order) -> Decision:
        """The delivery address can change until the parcel leaves the warehouse."""
        if order.status == OrderState.CANCELLED:
            return Decision(False, "cancelled")
        if order.status in LEFT_WAREHOUSE:
            return Decision(False, "shipped")
        return Decision(True)

    def cancellation(self, order: Order) -> Decision:
        """Free while placed or paid; a handling fee once packed; impossible once shipped."""
        if order.status == OrderState.CANCELLED:
            return Decision(False, "cancelled")
        if order.status in LEFT_WAREHOUSE:
            return Decision(False, "shipped")
        fee = self.policy.packed_cancellation_fee if order.status == OrderState.PACKED else 0.0
        return Decision(True, fee=fee)

    def order_change(self, order: Order) -> Decision:
        """Sizes and quantities can change before the order is packed."""
        if order.status in (OrderState.PLACED, OrderState.PAID):
            return Decision(True)
        return Decision(False, order.status.value)

    def return_eligibility(self, order: Order) -> Decision:
        """Delivered orders can be returned within the return window."""
        if order.status == OrderState.RETURNED or order.returns:
            return Decision(False, "already_returned")
        if order.status != OrderState.DELIVERED or order.delivered_at is None:
            return Decision(False, "not_delivered")
        deadline = order.delivered_at.date() + timedelta(days=self.policy.return_window_days)
        if self._clock().date() > deadline:
            return Decision(False, "window_closed", deadline=deadline)
        return Decision(True, deadline=deadline)

    def refund_expected_by(self, order: Order) -> Optional[date]:
        """When a pending refund should reach the shopper."""
        if order.refund is None or order.refund.status != "pending":
            return None
        return add_business_days(order.refund.created_at.date(), self.policy.refund_business_days)

    # -- changes --------------------------------------------------------------------------------

    def change_address(self, order: Order, address: Address) -> Order:
        """Save a new delivery address if the rules allow it."""
        if not self.address_change(order).allowed:
            raise ShopError("address can no longer be changed")
        return self.shop.update_shipping_address(order.order_id, address)

    def cancel(self, order: Order) -> Order:
        """Cancel the order if the rules allow it."""
        if not self.cancellation(order).allowed:
            raise ShopError("order can no longer be cancelled")
        return self.shop.cancel_order(order.order_id)

    def change_line(self, order: Order, sku: str, size: Optional[str],
                    quantity: Optional[int]) -> Order:
        """Change size or quantity of one line if the rules allow it."""
        if not self.order_change(order).allowed:
            raise ShopError("order can no longer be changed")
        return self.shop.change_order_line(order.order_id, sku, size, quantity)

    def start_return(self, order: Order, reason: str) -> ReturnRequest:
        """Create a return if the order is inside the return window."""
        if not self.return_eligibility(order).allowed:
            raise ShopError("order cannot be returned")
        return self.shop.create_return(order.order_id, reason.strip() or "not given")

    def find_product(self, query: Optional[str]) -> Optional[Product]:
        """The product the shopper named, with its current price and stock.

        The catalogue's matcher first (names, synonyms, inflected and misspelt forms); the
        shop's own search for anything it does not know. The product is read again from the
        shop so that stock is current; while the shop does not answer, the catalogue's copy
        (at most ``catalogue_refresh_minutes`` old) is given.

        Raises:
            ShopUnavailable: the shop does not answer and the catalogue does not know the name.
        """
        if not query or not query.strip():
            return None
        query = query.strip()[:100]
        known = self.catalogue.matcher().best(query)
        if known is None:
            matches = self.shop.search_products(query)
            return matches[0] if matches else None
        try:
            fresh = self.shop.search_products(known.name)
        except ShopUnavailable:
            return known
        return next((p for p in fresh if p.sku == known.sku), known)

    def products_named(self, text: Optional[str], limit: int = 4) -> List[Product]:
        """The products a message names that are in stock, in the order written ("rain jacket
        or shell jacket?"): what a shopper asking for advice is choosing between."""
        picked: List[Product] = []
        for mention in self.catalogue.matcher().find((text or "")[:500]):
            product = mention.product
            if product.sizes_in_stock and product not in picked:
                picked.append(product)
        return picked[:limit]

    def categories(self) -> List[str]:
        """The catalogue's categories, the largest first."""
        return self.catalogue.matcher().categories()

    def example_product(self) -> Optional[Product]:
        """A product to name in examples ("ask me about the ..."): the first one in stock."""
        products = self.catalogue.matcher().products
        return next((p for p in products if p.sizes_in_stock), products[0] if products else None)
