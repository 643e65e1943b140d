"""The interface every shop backend implements."""

from __future__ import annotations

from typing import List, Optional, Protocol

from bot.shop.models import Address, Customer, Order, Product, ReturnRequest


class ShopBackend(Protocol):
    """Reads and changes the shop's orders. Implementations: SQLite (embedded) and HTTP."""

    def get_order(self, order_id: str) -> Optional[Order]:
        """The order with this number, or None."""

    def orders_for_customer(self, customer_id: str) -> List[Order]:
        """The customer's orders, newest first."""

    def get_customer(self, customer_id: str) -> Optional[Customer]:
        """The customer with this id, or None."""

    def search_products(self, query: str) -> List[Product]:
        """Products whose name or category matches the query, best first."""

    def all_products(self) -> List[Product]:
        """The whole catalogue (for recommendations)."""

    def update_shipping_address(self, order_id: str, address: Address) -> Order:
        """Replace the delivery address; raises ShopError if the shop refuses."""

    def cancel_order(self, order_id: str) -> Order:
        """Cancel the order; raises ShopError if the shop refuses."""

    def change_order_line(
        self, order_id: str, sku: str, size: Optional[str], quantity: Optional[int]
    ) -> Order:
        """Change size and/or quantity of the line with this SKU; raises ShopError on refusal."""

    def create_return(self, order_id: str, reason: str) -> ReturnRequest:
        """Register a return for the whole order and give its reference."""
