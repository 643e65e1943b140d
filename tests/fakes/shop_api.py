"""A local fake of a shop's REST API (docs/shop-api.md), backed by the SQLite shop."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlparse

from bot.shop import Address, OrderNotFound, ShopError, SQLiteShop
from bot.shop.models import to_json


def _handler(shop: SQLiteShop, token: str):
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
            if self.headers.get("Authorization") != f"Bearer {token}":
                return 401, {"error": "unauthorized"}
            url = urlparse(self.path)
            parts = [unquote(p) for p in url.path.strip("/").split("/")]
            try:
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
    """Serve the shop on a free loopback port in a background thread."""

    def __init__(self, shop: SQLiteShop, token: str = "secret-token") -> None:
        self.token = token
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(shop, token))
        self._thread: Optional[threading.Thread] = None

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
