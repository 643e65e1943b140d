"""The shop behind the bot: a backend Protocol, its SQLite and HTTP implementations, and rules."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from bot.settings import Settings
from bot.shop.address import AddressProblem, address_example, parse_address
from bot.shop.backend import ShopBackend
from bot.shop.catalogue import Catalogue, ProductMatcher, ProductMention
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
    ShopUnavailable,
)
from bot.shop.order_numbers import (
    OrderNumberFormat,
    current_order_number_format,
    normalise_order_number,
    use_order_number_format,
)
from bot.shop.service import Decision, OrderService, ShopPolicy, normalise_email
from bot.shop.sqlite_shop import SQLiteShop
from bot.shop.verification import OrderVerifier, Verification, still_verified

__all__ = [
    "Address", "AddressProblem", "Catalogue", "Customer", "Decision", "HttpShop", "Order",
    "OrderLine", "OrderNotFound", "OrderNumberFormat", "OrderService", "OrderState",
    "OrderVerifier", "Product", "ProductMatcher", "ProductMention", "Refund", "ReturnRequest",
    "SQLiteShop", "ShopBackend", "ShopError", "ShopPolicy", "ShopUnavailable", "Verification",
    "address_example", "build_catalogue", "build_order_service", "build_shop",
    "current_order_number_format", "normalise_email", "normalise_order_number",
    "order_number_format", "parse_address", "shop_call_timeout", "still_verified",
    "use_order_number_format",
]


def build_shop(settings: Settings) -> ShopBackend:
    """The backend named in settings; the embedded shop is seeded with demo data when empty."""
    if settings.shop.backend == "http":
        return HttpShop(settings.shop.url, settings.shop.token, shop_call_timeout(settings))
    from bot.shop.seed import add_demo_synonyms, seed

    shop = SQLiteShop(settings.shop.sqlite_path)
    if shop.is_empty():
        seed(shop, datetime.now())
    else:
        add_demo_synonyms(shop)  # a demo shop seeded before products had synonyms
    return shop


def shop_call_timeout(settings: Settings) -> float:
    """Seconds one shop API call may take.

    The configured timeout, but at most half the custom action's: an action makes a few calls,
    and a slow one should end as a ShopError that the action answers, not cut the whole action
    off at its own timeout.
    """
    return min(settings.shop.timeout_seconds, settings.limits.action_timeout_seconds / 2)


def order_number_format(settings: Settings) -> OrderNumberFormat:
    """The shop's order-number format (``shop_profile``)."""
    return OrderNumberFormat(settings.profile.order_number_pattern,
                             settings.profile.order_number_example)


def build_catalogue(settings: Settings, shop: Optional[ShopBackend] = None) -> Catalogue:
    """The catalogue of the configured backend, read again every few minutes (nothing is read
    until it is first used)."""
    backend = shop if shop is not None else build_shop(settings)
    return Catalogue(backend.all_products,
                     refresh_seconds=settings.shop.catalogue_refresh_minutes * 60)


def build_order_service(settings: Settings) -> OrderService:
    """An OrderService over the configured backend with the shop's policy; makes the shop's
    order-number format this process's."""
    use_order_number_format(order_number_format(settings))
    shop = build_shop(settings)
    return OrderService(shop, ShopPolicy(return_window_days=settings.return_window_days),
                        catalogue=build_catalogue(settings, shop))
