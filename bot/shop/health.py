"""Is the shop there? The start-up check of the configured backend: for the shop's API, that it
answers, accepts the token and speaks the contract this assistant speaks (docs/shop-api.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.settings import Settings
from bot.shop.http_shop import CONTRACT_VERSION, HttpShop
from bot.shop.models import OrderNotFound, ShopError, ShopUnavailable
from bot.shop.sqlite_shop import SQLiteShop

#: What the shopper gets while the shop does not answer (said in every problem line).
WHILE_DOWN = ("shoppers are told the order system is not answering and are offered a person")


@dataclass(frozen=True)
class ShopHealth:
    """The outcome of the check: ``ok`` and one line for people (the start-up banner)."""

    ok: bool
    line: str


def _major(version: Any) -> str:
    return str(version).split(".", 1)[0]


def check_http_shop(shop: HttpShop, url: str) -> ShopHealth:
    """Ask the shop's API for its contract version and its catalogue."""
    try:
        contract = shop.contract()
    except ShopUnavailable as error:
        if error.status in ("401", "403"):
            return ShopHealth(False, f"{url} refused the token ({error.status}): check"
                                     f" SHOP_API_TOKEN; until then {WHILE_DOWN}")
        return ShopHealth(False, f"{url} is not answering ({error.status}); until it does"
                                 f" {WHILE_DOWN}")
    except OrderNotFound:
        return ShopHealth(False, f"{url} answers, but not GET /contract (404): is the URL the"
                                 " API's base? (docs/shop-api.md)")
    version = contract.get("version") if isinstance(contract, dict) else None
    if _major(version) != _major(CONTRACT_VERSION):
        return ShopHealth(False, f"{url} speaks contract {version or 'unknown'}, this assistant"
                                 f" {CONTRACT_VERSION} (docs/shop-api.md)")
    try:
        count = len(shop.all_products())
    except ShopError as error:
        return ShopHealth(False, f"{url} accepted the token (contract {version}), but its"
                                 f" catalogue did not load ({error})")
    return ShopHealth(True, f"{url} answers: contract {version}, token accepted,"
                            f" {count} products")


def check_shop(settings: Settings) -> ShopHealth:
    """Check the configured shop backend; never raises."""
    if settings.shop.backend == "http":
        shop = HttpShop(settings.shop.url, settings.shop.token,
                        timeout=min(settings.shop.timeout_seconds, 5.0))
        return check_http_shop(shop, settings.shop.url)
    try:
        sqlite = SQLiteShop(settings.shop.sqlite_path)
        try:
            count = len(sqlite.all_products())
        finally:
            sqlite.close()
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return ShopHealth(False, f"the embedded shop {settings.shop.sqlite_path} cannot be"
                                 f" read ({type(error).__name__}: {error})")
    return ShopHealth(True, f"embedded demo shop {settings.shop.sqlite_path}: {count} products"
                            " (your shop's API: docs/your-shop.md)")
