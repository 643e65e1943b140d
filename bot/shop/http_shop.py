"""A shop backend that talks to the shop's own REST API (contract: docs/shop-api.md)."""

from __future__ import annotations

from typing import Any, List, Optional
from urllib.parse import quote

import requests

from bot.shop.models import (
    Address,
    Customer,
    Order,
    OrderNotFound,
    Product,
    ReturnRequest,
    ShopError,
    customer_from_json,
    order_from_json,
    product_from_json,
    return_from_json,
    to_json,
)


class HttpShop:
    """Client of the shop REST API, authenticated with a bearer token."""

    def __init__(self, base_url: str, token: str = "", timeout: float = 5.0,
                 session: Optional[requests.Session] = None) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._session = session or requests.Session()
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"
        self._session.headers["Accept"] = "application/json"

    def _call(self, method: str, path: str, json: Any = None, params: Any = None) -> Any:
        try:
            response = self._session.request(
                method, self._base + path, json=json, params=params, timeout=self._timeout
            )
        except requests.RequestException as error:
            raise ShopError(f"shop API unreachable: {type(error).__name__}") from error
        if response.status_code == 404:
            raise OrderNotFound(path)
        if response.status_code == 409:
            raise ShopError(response.json().get("error", "refused by the shop"))
        if response.status_code >= 400:
            raise ShopError(f"shop API answered {response.status_code}")
        return response.json()

    @staticmethod
    def _id(value: str) -> str:
        return quote(str(value), safe="")

    def get_order(self, order_id: str) -> Optional[Order]:
        try:
            return order_from_json(self._call("GET", f"/orders/{self._id(order_id)}"))
        except OrderNotFound:
            return None

    def orders_for_customer(self, customer_id: str) -> List[Order]:
        try:
            data = self._call("GET", f"/customers/{self._id(customer_id)}/orders")
        except OrderNotFound:
            return []
        return [order_from_json(item) for item in data["orders"]]

    def get_customer(self, customer_id: str) -> Optional[Customer]:
        try:
            return customer_from_json(self._call("GET", f"/customers/{self._id(customer_id)}"))
        except OrderNotFound:
            return None

    def search_products(self, query: str) -> List[Product]:
        data = self._call("GET", "/products", params={"q": query})
        return [product_from_json(item) for item in data["products"]]

    def all_products(self) -> List[Product]:
        data = self._call("GET", "/products")
        return [product_from_json(item) for item in data["products"]]

    def update_shipping_address(self, order_id: str, address: Address) -> Order:
        return order_from_json(self._call(
            "PUT", f"/orders/{self._id(order_id)}/shipping-address", json=to_json(address)
        ))

    def cancel_order(self, order_id: str) -> Order:
        return order_from_json(self._call("POST", f"/orders/{self._id(order_id)}/cancel"))

    def change_order_line(
        self, order_id: str, sku: str, size: Optional[str], quantity: Optional[int]
    ) -> Order:
        return order_from_json(self._call(
            "PATCH", f"/orders/{self._id(order_id)}/lines/{self._id(sku)}",
            json={"size": size, "quantity": quantity},
        ))

    def create_return(self, order_id: str, reason: str) -> ReturnRequest:
        return return_from_json(self._call(
            "POST", f"/orders/{self._id(order_id)}/returns", json={"reason": reason}
        ))
