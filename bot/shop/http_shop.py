"""A shop backend that talks to the shop's own REST API (contract: docs/shop-api.md).

A refusal (``409``) is a :class:`ShopError` with the shop's reason; a shop that does not answer
properly (unreachable, too slow, ``401``/``403``, ``5xx``, not JSON) is a :class:`ShopUnavailable`,
logged as one line that names the call (without the ids in it) and the status. The traceback is
logged at debug level only.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional
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
    ShopUnavailable,
    customer_from_json,
    order_from_json,
    product_from_json,
    return_from_json,
    to_json,
)

logger = logging.getLogger(__name__)

#: The contract this client speaks (``GET /contract`` answers the shop's); the major must match.
CONTRACT_VERSION = "1.1"


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

    def _call(self, method: str, path: str, json: Any = None, params: Any = None,
              ids: Optional[Dict[str, str]] = None) -> Any:
        """One API call; ``path`` names the call with ``{placeholders}`` for ``ids``."""
        call = f"{method} {path}"
        url = self._base + path.format(**{key: self._id(value)
                                          for key, value in (ids or {}).items()})
        try:
            response = self._session.request(method, url, json=json, params=params,
                                              timeout=self._timeout)
        except requests.Timeout as error:
            raise self._unavailable(call, "timeout", error) from error
        except requests.RequestException as error:
            raise self._unavailable(call, f"unreachable ({type(error).__name__})",
                                    error) from error
        status = response.status_code
        if status == 404:
            raise OrderNotFound(call)
        if status == 409:
            raise ShopError(self._json(response, call).get("error", "refused by the shop"))
        if status >= 400:
            raise self._unavailable(call, str(status))
        return self._json(response, call)

    def _json(self, response: requests.Response, call: str) -> Any:
        try:
            return response.json()
        except ValueError as error:
            raise self._unavailable(call, f"{response.status_code}, not JSON", error) from error

    @staticmethod
    def _unavailable(call: str, status: str,
                     error: Optional[BaseException] = None) -> ShopUnavailable:
        # One line that an operator can act on; the traceback only for those who debug.
        logger.warning("shop API call %s failed: %s", call, status)
        if error is not None:
            logger.debug("shop API call %s failed", call, exc_info=error)
        return ShopUnavailable(call, status)

    def contract(self) -> Dict[str, Any]:
        """The shop's answer to ``GET /contract``: ``{"version": "1.1", ...}``."""
        return self._call("GET", "/contract")

    @staticmethod
    def _id(value: str) -> str:
        return quote(str(value), safe="")

    def get_order(self, order_id: str) -> Optional[Order]:
        try:
            return order_from_json(self._call("GET", "/orders/{order_id}",
                                              ids={"order_id": order_id}))
        except OrderNotFound:
            return None

    def orders_for_customer(self, customer_id: str) -> List[Order]:
        try:
            data = self._call("GET", "/customers/{customer_id}/orders",
                              ids={"customer_id": customer_id})
        except OrderNotFound:
            return []
        return [order_from_json(item) for item in data["orders"]]

    def get_customer(self, customer_id: str) -> Optional[Customer]:
        try:
            return customer_from_json(self._call("GET", "/customers/{customer_id}",
                                                 ids={"customer_id": customer_id}))
        except OrderNotFound:
            return None

    def search_products(self, query: str) -> List[Product]:
        return self._products({"q": query})

    def all_products(self) -> List[Product]:
        return self._products(None)

    def _products(self, params: Optional[Dict[str, str]]) -> List[Product]:
        try:
            data = self._call("GET", "/products", params=params)
        except OrderNotFound as error:  # a shop without the catalogue calls
            raise self._unavailable("GET /products", "404") from error
        return [product_from_json(item) for item in data["products"]]

    def update_shipping_address(self, order_id: str, address: Address) -> Order:
        return order_from_json(self._call(
            "PUT", "/orders/{order_id}/shipping-address", json=to_json(address),
            ids={"order_id": order_id}))

    def cancel_order(self, order_id: str) -> Order:
        return order_from_json(self._call("POST", "/orders/{order_id}/cancel",
                                          ids={"order_id": order_id}))

    def change_order_line(
        self, order_id: str, sku: str, size: Optional[str], quantity: Optional[int]
    ) -> Order:
        return order_from_json(self._call(
            "PATCH", "/orders/{order_id}/lines/{sku}", json={"size": size, "quantity": quantity},
            ids={"order_id": order_id, "sku": sku}))

    def create_return(self, order_id: str, reason: str) -> ReturnRequest:
        return return_from_json(self._call(
            "POST", "/orders/{order_id}/returns", json={"reason": reason},
            ids={"order_id": order_id}))
