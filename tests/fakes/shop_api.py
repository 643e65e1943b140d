"""A local fake of a shop's REST API (docs/shop-api.md), backed by the SQLite shop; and a second
shop that is nothing like the demo (its catalogue, 7-digit order numbers, brand and currency)."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlparse

from bot.shop import Address, OrderNotFound, ShopError, SQLiteShop
from bot.shop.models import Customer, Order, OrderLine, OrderState, Product, to_json

CONTRACT = "1.1"


def _handler(shop: SQLiteShop, token: str, state: Dict[str, Any]):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"{}")

        def _route(self, method: str) -> Tuple[int, Any]:
            state["calls"] = state.get("calls", 0) + 1
            if state.get("failure"):  # the shop's system is down or refuses the token
                return state["failure"], {"error": "the shop is having a bad day"}
            if self.headers.get("Authorization") != f"Bearer {token}":
                return 401, {"error": "unauthorized"}
            url = urlparse(self.path)
            parts = [unquote(p) for p in url.path.strip("/").split("/")]
            try:
                if method == "GET" and parts == ["contract"]:
                    return 200, {"version": state.get("contract", CONTRACT)}
                if method == "GET" and parts[0] == "orders" and len(parts) == 2:
                    order = shop.get_order(parts[1])
                    return (200, to_json(order)) if order else (404, {"error": "not found"})
                if method == "GET" and parts[0] == "customers" and len(parts) == 3:
                    return 200, {"orders": [to_json(o) for o in shop.orders_for_customer(parts[1])]}
                if method == "GET" and parts[0] == "customers" and len(parts) == 2:
                    customer = shop.get_customer(parts[1])
                    return (200, to_json(customer)) if customer else (404, {"error": "not found"})
                if method == "GET" and parts[0] == "products":
                    query = parse_qs(url.query).get("q")
                    found = shop.search_products(query[0]) if query else shop.all_products()
                    return 200, {"products": [to_json(p) for p in found]}
                if method == "PUT" and parts[2:] == ["shipping-address"]:
                    order = shop.update_shipping_address(parts[1], Address(**self._body()))
                    return 200, to_json(order)
                if method == "POST" and parts[2:] == ["cancel"]:
                    return 200, to_json(shop.cancel_order(parts[1]))
                if method == "PATCH" and len(parts) == 4 and parts[2] == "lines":
                    body = self._body()
                    return 200, to_json(shop.change_order_line(
                        parts[1], parts[3], body.get("size"), body.get("quantity")))
                if method == "POST" and parts[2:] == ["returns"]:
                    return 201, to_json(shop.create_return(parts[1], self._body()["reason"]))
            except OrderNotFound:
                return 404, {"error": "not found"}
            except ShopError as error:
                return 409, {"error": str(error)}
            return 404, {"error": "no such route"}

        def _serve(self) -> None:
            self._send(*self._route(self.command))

        do_GET = do_PUT = do_POST = do_PATCH = _serve

    return Handler


class FakeShopApi:
    """Serve the shop on a free loopback port in a background thread.

    ``fail_with(500)`` (or 401, 503, ...) makes every call answer that status until
    ``fail_with(None)``: a shop whose system is down or whose token was revoked.
    """

    def __init__(self, shop: SQLiteShop, token: str = "secret-token",
                 contract: str = CONTRACT) -> None:
        self.token = token
        self.shop = shop
        self._state: Dict[str, Any] = {"failure": None, "contract": contract, "calls": 0}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(shop, token, self._state))
        self._server.daemon_threads = True
        self._thread: Optional[threading.Thread] = None

    def fail_with(self, status: Optional[int]) -> None:
        """Answer every call with this status (None: serve normally again)."""
        self._state["failure"] = status

    @property
    def calls(self) -> int:
        """Requests served so far."""
        return int(self._state["calls"])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> "FakeShopApi":
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


#: The second shop: a brand, currency, order-number format and catalogue the training data has
#: never seen.
SECOND_SHOP_PROFILE = {
    "name": "Tallgrass Supply Co.",
    "phone": "+46 8 555 010 20",
    "email": "hello@tallgrass.example",
    "currency": "SEK",
    "return_window_days": 14,
    "carriers": ["PostNord", "Budbee"],
    "order_number_pattern": r"\d{7}",
    "order_number_example": "4410078",
}

SECOND_SHOP_PRODUCTS = [
    Product("TG-KP-01", "Kestrel Trail Parka", "outerwear", 1890.0,
            (("S", 3), ("M", 0), ("L", 2)), ("moss", "charcoal"),
            "Fully waterproof 3-layer parka with taped seams and a helmet-compatible hood.",
            (("fi", ("parkatakki",)), ("tr", ("kestrel montu",)))),
    Product("TG-SB-02", "Solberg Wool Blanket", "home", 990.0, (("one size", 6),),
            ("oat", "rust"), "Lambswool throw, 130 x 170 cm, machine washable at 30 degrees.",
            (("fi", ("villahuopa", "solberg-viltti")), ("nb", ("ullpledd",)),
             ("tr", ("yün battaniye",)))),
    Product("TG-FH-03", "Fjordlight Headlamp", "lights", 449.0, (("one size", 0),),
            ("black",), "Rechargeable 400-lumen headlamp, splash-proof (IPX4).",
            (("fi", ("otsalamppu",)), ("tr", ("kafa lambası",)))),
    Product("TG-MM-04", "Mossa Enamel Mug", "kitchen", 179.0, (("one size", 12),),
            ("white", "forest"), "Enamelled steel camp mug, 350 ml.",
            (("fi", ("emalimuki",)),)),
]

SECOND_SHOP_CUSTOMER = Customer("TG-C-7", "Sam", "Rivers", "sam.rivers@example.org")


def second_shop(now: Optional[datetime] = None) -> SQLiteShop:
    """The second shop in memory: its catalogue, one customer, a shipped order 4410078 and a
    paid order 4410079."""
    now = (now or datetime.now()).replace(microsecond=0)
    shop = SQLiteShop(":memory:", clock=lambda: now)
    for product in SECOND_SHOP_PRODUCTS:
        shop.add_product(product)
    customer = SECOND_SHOP_CUSTOMER
    shop.add_customer(customer)
    home = Address("Sam Rivers", "Storgatan 12", "11455", "Stockholm", "SE")
    parka, mug = SECOND_SHOP_PRODUCTS[0], SECOND_SHOP_PRODUCTS[3]
    shop.add_order(Order(
        "4410078", customer.customer_id, customer.email, OrderState.SHIPPED,
        now - timedelta(days=3), (OrderLine(parka.sku, parka.name, "L", 1, parka.price),),
        home, currency="SEK", carrier="PostNord", tracking_code="TG4410078SE",
        tracking_url="https://tracking.postnord.example/TG4410078SE",
        expected_delivery=(now + timedelta(days=2)).date()))
    shop.add_order(Order(
        "4410079", customer.customer_id, customer.email, OrderState.PAID,
        now - timedelta(days=1), (OrderLine(mug.sku, mug.name, "one size", 2, mug.price),),
        home, currency="SEK"))
    return shop
