"""The demo shop: a product list and an account page for a logged-in demo customer, with the
chat widget embedded and the customer's signed token passed to it.

Mounted only when the demo is switched on (``DEMO_SHOP=1``, what ``make run`` does with the
embedded shop; never with a shop's own backend or in production): it hands out the demo
customer's token without a login, as a demo must. Its event buttons act only on the caller's
own chat session (proven by the signed session id) and the demo customer's orders.
"""

from __future__ import annotations

import json
from typing import Optional

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channel_keys import scoped, session_public_id
from bot.console.events import handle_abandoned_cart, handle_order_event
from bot.i18n import format_money
from bot.proactive import sign
from bot.shop.customer_tokens import issue_customer_token

DEMO_CUSTOMER = "C-1001"


def own_conversation(request: Request) -> Optional[str]:
    """The widget conversation of the session id in the body, if the assistant issued it."""
    body = request.json if isinstance(request.json, dict) else {}
    public = session_public_id(body.get("session_id"), request.app.ctx.settings.session_secret)
    return scoped("socketio", public) if public else None


def demo_blueprint() -> Blueprint:
    """The demo shop under ``/demo``: its pages, its data and the shop events it plays."""
    demo = Blueprint("demo_shop", url_prefix="/demo")
    add_pages(demo)
    add_shop_events(demo)
    add_shop_data(demo)
    return demo


def add_pages(demo: Blueprint) -> None:
    """The shop, cart and account pages: one page that reads its data from the API."""

    @demo.get("/")
    async def shop(request: Request) -> HTTPResponse:
        return await response.file(request.app.ctx.static / "demo.html")

    @demo.get("/cart")
    async def cart_page(request: Request) -> HTTPResponse:
        return await response.file(request.app.ctx.static / "demo.html")

    @demo.get("/account")
    async def account_page(request: Request) -> HTTPResponse:
        return await response.file(request.app.ctx.static / "demo.html")


def add_shop_events(demo: Blueprint) -> None:
    """Buttons that play the shop's backend: signed events for the caller's own chat."""

    @demo.post("/api/abandon")
    async def abandon(request: Request) -> HTTPResponse:
        """Plays the shop's backend: signs an abandoned-cart event for this session."""
        conversation = own_conversation(request)
        if conversation is None:
            return response.json({"error": "not your chat session"}, status=403)
        event = json.dumps({"session_id": conversation,
                            "cart_id": f"demo-{conversation}",
                            "items": ["Rain jacket", "Wool socks"]}).encode()
        signature = sign(request.app.ctx.settings.shop_events_secret or "", event)
        return await handle_abandoned_cart(request.app, event, signature)

    @demo.post("/api/delivered")
    async def delivered(request: Request) -> HTTPResponse:
        """Plays the shop's backend: signs a delivery event for one of the demo orders."""
        body = request.json if isinstance(request.json, dict) else {}
        conversation = own_conversation(request)
        if conversation is None:
            return response.json({"error": "not your chat session"}, status=403)
        number = str(body.get("order_number") or "")
        # Only the demo customer's own orders: no way to tell other order numbers apart.
        if not request.app.ctx.orders.owns(DEMO_CUSTOMER, number):
            return response.json({"error": "not one of the demo customer's orders"},
                                 status=400)
        event = json.dumps({"session_id": conversation, "event": "delivered",
                            "order_number": number}).encode()
        signature = sign(request.app.ctx.settings.shop_events_secret or "", event)
        return await handle_order_event(request.app, event, signature)


def add_shop_data(demo: Blueprint) -> None:
    """What the pages show: the products, and the demo customer's account with a token."""

    @demo.get("/api/products")
    async def products(request: Request) -> HTTPResponse:
        items = request.app.ctx.orders.shop.all_products()
        return response.json({
            "chat_server": request.app.ctx.chat_server, "customer_token": None, "language": "en",
            "greeting": "Hi! Questions about sizes, delivery or an order? Ask me.",
            "proactive_delay": 20,
            "products": [{"name": p.name, "price": format_money(p.price, "EUR", "en"),
                          "sizes": p.sizes_in_stock} for p in items],
        })

    @demo.get("/api/account")
    async def account(request: Request) -> HTTPResponse:
        settings = request.app.ctx.settings
        orders = request.app.ctx.orders
        customer = orders.customer(DEMO_CUSTOMER)
        return response.json({
            "chat_server": request.app.ctx.chat_server, "language": "en",
            "customer": {"first_name": customer.first_name} if customer else {},
            "customer_token": issue_customer_token(DEMO_CUSTOMER,
                                                   settings.customer_token_secret),
            "orders": [{"order_id": o.order_id, "status": o.status.value,
                        "items": o.describe_items()}
                       for o in orders.recent_orders(DEMO_CUSTOMER, limit=10)],
        })
