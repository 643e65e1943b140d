"""The shop behind the bot: a backend Protocol, its SQLite and HTTP implementations, and rules."""

from __future__ import annotations

from datetime import datetime

from bot.settings import Settings
from bot.shop.address import AddressProblem, parse_address
from bot.shop.backend import ShopBackend
from bot.shop.http_shop import HttpShop
from bot.shop.models import (
    Address,
    Customer,
    Order,
    OrderLine,
    OrderNotFound,
    OrderState,
    Product,
    Refund,
    ReturnRequest,
    ShopError,
)
from bot.shop.service import (
    Decision,
    OrderService,
    ShopPolicy,
    normalise_email,
    normalise_order_number,
)
from bot.shop.sqlite_shop import SQLiteShop
from bot.shop.verification import OrderVerifier, Verification, still_verified

__all__ = [
    "Address", "AddressProblem", "Customer", "Decision", "HttpShop", "Order", "OrderLine",
    "OrderNotFound", "OrderService", "OrderState", "OrderVerifier", "Product", "Refund",
    "ReturnRequest", "SQLiteShop", "ShopBackend", "ShopError", "ShopPolicy", "Verification",
    "build_order_service", "build_shop", "normalise_email", "normalise_order_number",
    "parse_address", "shop_call_timeout", "still_verified",
]


def build_shop(settings: Settings) -> ShopBackend:
    """The backend named in settings; the embedded shop is seeded with demo data when empty."""
    if settings.shop.backend == "http":
        return HttpShop(settings.shop.url, settings.shop.token, shop_call_timeout(settings))
    from bot.shop.seed import seed

    shop = SQLiteShop(settings.shop.sqlite_path)
    if shop.is_empty():
        seed(shop, datetime.now())
    return shop


def shop_call_timeout(settings: Settings) -> float:
    """Seconds one shop API call may take.

    The configured timeout, but at most half the custom action's: an action makes a few calls,
    and a slow one should end as a ShopError that the action answers, not cut the whole action
    off at its own timeout.
    """
    return min(settings.shop.timeout_seconds, settings.limits.action_timeout_seconds / 2)


def build_order_service(settings: Settings) -> OrderService:
    """An OrderService over the configured backend with the shop's policy."""
    return OrderService(
        build_shop(settings), ShopPolicy(return_window_days=settings.return_window_days)
    )
