"""Plain data the shop backend hands out: orders, customers, products, returns."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Dict, List, Optional, Tuple


class OrderState(str, Enum):
    """Where an order is in its life, in the order it happens."""

    PLACED = "placed"
    PAID = "paid"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


#: States in which the parcel has left the warehouse.
LEFT_WAREHOUSE = {OrderState.SHIPPED, OrderState.DELIVERED, OrderState.RETURNED}


@dataclass(frozen=True)
class Address:
    """A delivery address."""

    name: str
    street: str
    postcode: str
    city: str
    country: str = "FI"

    def one_line(self) -> str:
        """The address as shoppers read it back: ``Street, Postcode City, Country``."""
        return f"{self.street}, {self.postcode} {self.city}, {self.country}"


@dataclass(frozen=True)
class Customer:
    """A registered shopper."""

    customer_id: str
    first_name: str
    last_name: str
    email: str


@dataclass(frozen=True)
class Product:
    """A catalogue item with stock per size."""

    sku: str
    name: str
    category: str
    price: float
    stock: Tuple[Tuple[str, int], ...]
    colours: Tuple[str, ...] = ()
    description: str = ""
    #: Other names shoppers use, per language: ``(("fi", ("sadetakki",)), ...)``.
    synonyms: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()

    @property
    def sizes_in_stock(self) -> List[str]:
        """Sizes that can be ordered now."""
        return [size for size, count in self.stock if count > 0]

    @property
    def sizes(self) -> List[str]:
        """Every size the product comes in."""
        return [size for size, _ in self.stock]


@dataclass(frozen=True)
class OrderLine:
    """One product, size and quantity in an order."""

    sku: str
    product_name: str
    size: str
    quantity: int
    unit_price: float


@dataclass(frozen=True)
class Refund:
    """Money on its way back to the shopper."""

    reference: str
    amount: float
    status: str  # "pending" or "issued"
    created_at: datetime
    issued_at: Optional[datetime] = None


@dataclass(frozen=True)
class ReturnRequest:
    """A return the shopper has started."""

    reference: str
    order_id: str
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class Order:
    """An order as the shop knows it."""

    order_id: str
    customer_id: str
    email: str
    status: OrderState
    placed_at: datetime
    lines: Tuple[OrderLine, ...]
    shipping_address: Address
    currency: str = "EUR"
    carrier: Optional[str] = None
    tracking_code: Optional[str] = None
    tracking_url: Optional[str] = None
    expected_delivery: Optional[date] = None
    delivered_at: Optional[datetime] = None
    refund: Optional[Refund] = None
    returns: Tuple[ReturnRequest, ...] = field(default_factory=tuple)

    @property
    def total(self) -> float:
        """Sum of the order lines."""
        return round(sum(line.unit_price * line.quantity for line in self.lines), 2)

    def describe_items(self) -> str:
        """A short human description, e.g. ``Rain jacket (M) x1``."""
        return ", ".join(f"{line.product_name} ({line.size}) x{line.quantity}"
                         for line in self.lines)


class ShopError(Exception):
    """The shop refused or could not carry out an operation."""


class OrderNotFound(ShopError):
    """No order with that number."""


class ShopUnavailable(ShopError):
    """The shop's system did not answer properly: unreachable, too slow, the token refused
    (401/403) or an error on its side (5xx). Nobody's mistake on the shopper's side.

    Attributes:
        call: Which call, without the ids in it (``GET /orders/{order_id}``).
        status: The HTTP status, or what went wrong (``timeout``, ``unreachable``).
    """

    def __init__(self, call: str, status: str) -> None:
        super().__init__(f"shop API call {call} failed: {status}")
        self.call = call
        self.status = status


def _encode(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(item) for item in value]
    return value


def to_json(obj: Any) -> Dict[str, Any]:
    """Turn one of the dataclasses above into JSON-ready data (the REST API's format)."""
    data = _encode(asdict(obj))
    if isinstance(obj, Product):
        data["synonyms"] = synonyms_to_json(obj.synonyms)
    return data


def _dt(value: Optional[str]) -> Optional[datetime]:
    return datetime.fromisoformat(value) if value else None


def order_from_json(data: Dict[str, Any]) -> Order:
    """Parse an order in the REST API's format (see docs/shop-api.md)."""
    refund = data.get("refund")
    return Order(
        order_id=str(data["order_id"]),
        customer_id=str(data["customer_id"]),
        email=str(data["email"]),
        status=OrderState(data["status"]),
        placed_at=datetime.fromisoformat(data["placed_at"]),
        lines=tuple(OrderLine(**line) for line in data["lines"]),
        shipping_address=Address(**data["shipping_address"]),
        currency=data.get("currency", "EUR"),
        carrier=data.get("carrier"),
        tracking_code=data.get("tracking_code"),
        tracking_url=data.get("tracking_url"),
        expected_delivery=(
            date.fromisoformat(data["expected_delivery"]) if data.get("expected_delivery") else None
        ),
        delivered_at=_dt(data.get("delivered_at")),
        refund=(
            Refund(
                reference=refund["reference"],
                amount=float(refund["amount"]),
                status=refund["status"],
                created_at=datetime.fromisoformat(refund["created_at"]),
                issued_at=_dt(refund.get("issued_at")),
            )
            if refund
            else None
        ),
        returns=tuple(return_from_json(item) for item in data.get("returns") or []),
    )


def return_from_json(data: Dict[str, Any]) -> ReturnRequest:
    """Parse a return request in the REST API's format."""
    return ReturnRequest(
        reference=data["reference"],
        order_id=str(data["order_id"]),
        reason=data["reason"],
        created_at=datetime.fromisoformat(data["created_at"]),
    )


def product_from_json(data: Dict[str, Any]) -> Product:
    """Parse a product in the REST API's format."""
    return Product(
        sku=data["sku"],
        name=data["name"],
        category=data["category"],
        price=float(data["price"]),
        stock=tuple((str(size), int(count)) for size, count in data["stock"]),
        colours=tuple(data.get("colours") or ()),
        description=data.get("description") or "",
        synonyms=synonyms_from_json(data.get("synonyms")),
    )


def synonyms_from_json(data: Any) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    """``{"fi": ["sadetakki"], ...}`` (the REST API's format) as a Product's synonyms."""
    if not isinstance(data, dict):
        return ()
    return tuple((str(language), tuple(str(name) for name in names if str(name).strip()))
                 for language, names in sorted(data.items()) if isinstance(names, list))


def synonyms_to_json(synonyms: Tuple[Tuple[str, Tuple[str, ...]], ...]) -> Dict[str, List[str]]:
    """A Product's synonyms in the REST API's format."""
    return {language: list(names) for language, names in synonyms}


def customer_from_json(data: Dict[str, Any]) -> Customer:
    """Parse a customer in the REST API's format."""
    return Customer(**data)
