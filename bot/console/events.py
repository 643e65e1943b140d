"""Signed events from the shop's backend that make the assistant reach out to a shopper."""

from __future__ import annotations

import logging
from typing import Callable, Optional, Tuple, TypeVar

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.proactive import SIGNATURE_HEADER, parse_abandoned_cart, parse_order_event, signature_ok
from bot.shop_events import ShopEvents

logger = logging.getLogger(__name__)


Event = TypeVar("Event")


def read_event(app: Sanic, body: bytes, signature: Optional[str],
               parse: Callable[[bytes], Event]) -> Tuple[Optional[Event], Optional[HTTPResponse]]:
    """The shop's event, or the answer to one that is not configured (404), not signed by
    the shop (401) or malformed (400)."""
    secret = app.ctx.settings.shop_events_secret
    if not secret:
        return None, response.json({"error": "shop events are not configured"}, status=404)
    if not signature_ok(secret, body, signature):
        return None, response.json({"error": "bad signature"}, status=401)
    try:
        return parse(body), None
    except ValueError as error:
        return None, response.json({"error": str(error)}, status=400)


async def notify(app: Sanic, conversation: str, action: str, channel: str) -> HTTPResponse:
    """Run the action in the shopper's conversation; 202 when the message went out."""
    try:
        await app.ctx.control.notify(conversation, action, channel)
    except Exception as error:  # noqa: BLE001
        logger.warning("proactive message failed: %s", type(error).__name__)
        return response.json({"error": "the message could not be delivered"}, status=502)
    return response.json({"sent": True}, status=202)


async def handle_abandoned_cart(app: Sanic, body: bytes,
                                signature: Optional[str]) -> HTTPResponse:
    """Check the signed event and send the shopper one helpful message per cart."""
    cart, refusal = read_event(app, body, signature, parse_abandoned_cart)
    if cart is None:
        return refusal
    if not cart.items:
        return response.json({"sent": False, "reason": "empty cart"})
    events: ShopEvents = app.ctx.queue
    if not events.remember_cart(cart.cart_id, cart.session_id, items=cart.items,
                                language=cart.language):
        return response.json({"sent": False, "reason": "already nudged"})
    # The action reads the cart from the queue store: a conversation that has not
    # started yet would lose slots set from outside when Rasa opens its session.
    return await notify(app, cart.session_id, "action_abandoned_cart", cart.channel)


async def handle_order_event(app: Sanic, body: bytes, signature: Optional[str]) -> HTTPResponse:
    """A delivery or a received return: ask the shopper how it went, once per order."""
    event, refusal = read_event(app, body, signature, parse_order_event)
    if event is None:
        return refusal
    events: ShopEvents = app.ctx.queue
    if not events.remember_shop_event(
            event.key, event.session_id,
            {"kind": event.kind, "order_number": event.order_number,
             "language": event.language}):
        return response.json({"sent": False, "reason": "already followed up"})
    return await notify(app, event.session_id, "action_followup_survey", event.channel)


def events_blueprint() -> Blueprint:
    events = Blueprint("shop_events", url_prefix="/api/events")

    @events.post("/abandoned-cart")
    async def abandoned_cart(request: Request) -> HTTPResponse:
        return await handle_abandoned_cart(request.app, request.body,
                                           request.headers.get(SIGNATURE_HEADER))

    @events.post("/order")
    async def order_event(request: Request) -> HTTPResponse:
        return await handle_order_event(request.app, request.body,
                                        request.headers.get(SIGNATURE_HEADER))

    return events
