"""The embedded shop: orders, customers and products in one SQLite file."""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterator, List, Optional, Union

from bot.shop.models import (
    LEFT_WAREHOUSE,
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
    synonyms_from_json,
    synonyms_to_json,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS customers (
    customer_id TEXT PRIMARY KEY, first_name TEXT NOT NULL, last_name TEXT NOT NULL,
    email TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS products (
    sku TEXT PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, price REAL NOT NULL,
    stock TEXT NOT NULL, colours TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    synonyms TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS orders (
    order_id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, email TEXT NOT NULL,
    status TEXT NOT NULL, placed_at TEXT NOT NULL, currency TEXT NOT NULL,
    ship_name TEXT NOT NULL, ship_street TEXT NOT NULL, ship_postcode TEXT NOT NULL,
    ship_city TEXT NOT NULL, ship_country TEXT NOT NULL,
    carrier TEXT, tracking_code TEXT, tracking_url TEXT, expected_delivery TEXT,
    delivered_at TEXT
);
CREATE TABLE IF NOT EXISTS order_lines (
    order_id TEXT NOT NULL REFERENCES orders(order_id), position INTEGER NOT NULL,
    sku TEXT NOT NULL, product_name TEXT NOT NULL, size TEXT NOT NULL,
    quantity INTEGER NOT NULL, unit_price REAL NOT NULL,
    PRIMARY KEY (order_id, position)
);
CREATE TABLE IF NOT EXISTS refunds (
    reference TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders(order_id),
    amount REAL NOT NULL, status TEXT NOT NULL, created_at TEXT NOT NULL, issued_at TEXT
);
CREATE TABLE IF NOT EXISTS returns (
    reference TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders(order_id),
    reason TEXT NOT NULL, created_at TEXT NOT NULL
);
"""

Clock = Callable[[], datetime]


class SQLiteShop:
    """A complete shop backend in a SQLite file; safe to share between threads."""

    def __init__(self, path: Union[str, Path], clock: Clock = datetime.now) -> None:
        self._path = str(path)
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys = ON")
        if self._path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(_SCHEMA)
        columns = {row["name"] for row in self._db.execute("PRAGMA table_info(products)")}
        if "synonyms" not in columns:  # a shop file from before products had synonyms
            self._db.execute("ALTER TABLE products ADD COLUMN synonyms TEXT NOT NULL"
                             " DEFAULT '{}'")

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    # -- reading -----------------------------------------------------------------------------

    def is_empty(self) -> bool:
        """True when no customer or order has been stored yet."""
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0

    def get_order(self, order_id: str) -> Optional[Order]:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM orders WHERE order_id = ?", (str(order_id),)
            ).fetchone()
            return self._order(row) if row else None

    def orders_for_customer(self, customer_id: str) -> List[Order]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM orders WHERE customer_id = ? ORDER BY placed_at DESC",
                (customer_id,),
            ).fetchall()
            return [self._order(row) for row in rows]

    def get_customer(self, customer_id: str) -> Optional[Customer]:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM customers WHERE customer_id = ?", (customer_id,)
            ).fetchone()
        return Customer(**dict(row)) if row else None

    def search_products(self, query: str) -> List[Product]:
        words = [word for word in query.lower().replace("-", " ").split() if len(word) > 1]
        with self._lock:
            products = [self._product(row) for row in self._db.execute("SELECT * FROM products")]
        scored = []
        for product in products:
            haystack = f"{product.name} {product.category} {product.description}".lower()
            haystack = haystack.replace("-", " ")
            score = sum(1 for word in words if word in haystack or word.rstrip("s") in haystack)
            name_hits = sum(1 for word in words if word.rstrip("s") in product.name.lower())
            if score:
                scored.append((name_hits, score, product))
        scored.sort(key=lambda item: (-item[0], -item[1], item[2].name))
        return [product for _, _, product in scored]

    def all_products(self) -> List[Product]:
        """Every product in the catalogue, by name."""
        with self._lock:
            rows = self._db.execute("SELECT * FROM products ORDER BY name").fetchall()
        return [self._product(row) for row in rows]

    # -- changing ----------------------------------------------------------------------------

    def update_shipping_address(self, order_id: str, address: Address) -> Order:
        with self._lock:
            order = self._require(order_id)
            if order.status in LEFT_WAREHOUSE or order.status == OrderState.CANCELLED:
                raise ShopError(f"order {order_id} is {order.status.value}")
            self._db.execute(
                "UPDATE orders SET ship_name = ?, ship_street = ?, ship_postcode = ?,"
                " ship_city = ?, ship_country = ? WHERE order_id = ?",
                (address.name, address.street, address.postcode, address.city,
                 address.country, order_id),
            )
            return self._require(order_id)

    def cancel_order(self, order_id: str) -> Order:
        with self._lock:
            order = self._require(order_id)
            if order.status in LEFT_WAREHOUSE or order.status == OrderState.CANCELLED:
                raise ShopError(f"order {order_id} is {order.status.value}")
            now = self._clock()
            self._transaction(
                ("UPDATE orders SET status = ? WHERE order_id = ?",
                 (OrderState.CANCELLED.value, order_id)),
                *self._refund_statements(order, now, issued=order.status == OrderState.PLACED),
            )
            return self._require(order_id)

    def change_order_line(
        self, order_id: str, sku: str, size: Optional[str], quantity: Optional[int]
    ) -> Order:
        with self._lock:
            order = self._require(order_id)
            if order.status not in (OrderState.PLACED, OrderState.PAID):
                raise ShopError(f"order {order_id} is {order.status.value}")
            line = next((item for item in order.lines if item.sku == sku), None)
            if line is None:
                raise ShopError(f"order {order_id} has no item {sku}")
            if quantity is not None and not 1 <= quantity <= 20:
                raise ShopError("quantity must be between 1 and 20")
            if size is not None:
                product = self._product_by_sku(sku)
                if product is None or size not in product.sizes_in_stock:
                    raise ShopError(f"size {size} is not in stock")
            self._db.execute(
                "UPDATE order_lines SET size = ?, quantity = ? WHERE order_id = ? AND sku = ?",
                (size or line.size, quantity or line.quantity, order_id, sku),
            )
            return self._require(order_id)

    def create_return(self, order_id: str, reason: str) -> ReturnRequest:
        with self._lock:
            order = self._require(order_id)
            if order.status != OrderState.DELIVERED:
                raise ShopError(f"order {order_id} is {order.status.value}")
            now = self._clock()
            reference = "RMA-" + uuid.uuid4().hex[:8].upper()
            self._db.execute(
                "INSERT INTO returns (reference, order_id, reason, created_at) VALUES (?,?,?,?)",
                (reference, order_id, reason[:500], now.isoformat(timespec="seconds")),
            )
            return ReturnRequest(reference, order_id, reason[:500], now.replace(microsecond=0))

    # -- seeding (used by bot.shop.seed) -----------------------------------------------------

    def add_customer(self, customer: Customer) -> None:
        """Store a customer (replacing one with the same id)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO customers VALUES (?,?,?,?)",
                (customer.customer_id, customer.first_name, customer.last_name, customer.email),
            )

    def add_product(self, product: Product) -> None:
        """Store a product (replacing one with the same SKU)."""
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO products (sku, name, category, price, stock, colours,"
                " description, synonyms) VALUES (?,?,?,?,?,?,?,?)",
                (product.sku, product.name, product.category, product.price,
                 json.dumps([list(item) for item in product.stock]),
                 json.dumps(list(product.colours)), product.description,
                 json.dumps(synonyms_to_json(product.synonyms), ensure_ascii=False)),
            )

    def add_order(self, order: Order) -> None:
        """Store an order with its lines, refund and returns."""
        a = order.shipping_address
        statements = [
            ("INSERT INTO orders VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
             (order.order_id, order.customer_id, order.email, order.status.value,
              order.placed_at.isoformat(timespec="seconds"), order.currency, a.name, a.street,
              a.postcode, a.city, a.country, order.carrier, order.tracking_code,
              order.tracking_url,
              order.expected_delivery.isoformat() if order.expected_delivery else None,
              order.delivered_at.isoformat(timespec="seconds") if order.delivered_at else None)),
        ]
        for position, line in enumerate(order.lines):
            statements.append((
                "INSERT INTO order_lines VALUES (?,?,?,?,?,?,?)",
                (order.order_id, position, line.sku, line.product_name, line.size,
                 line.quantity, line.unit_price),
            ))
        if order.refund:
            r = order.refund
            statements.append((
                "INSERT INTO refunds VALUES (?,?,?,?,?,?)",
                (r.reference, order.order_id, r.amount, r.status,
                 r.created_at.isoformat(timespec="seconds"),
                 r.issued_at.isoformat(timespec="seconds") if r.issued_at else None),
            ))
        for item in order.returns:
            statements.append((
                "INSERT INTO returns VALUES (?,?,?,?)",
                (item.reference, order.order_id, item.reason,
                 item.created_at.isoformat(timespec="seconds")),
            ))
        with self._lock:
            self._transaction(*statements)

    # -- internals ---------------------------------------------------------------------------

    def _transaction(self, *statements: tuple) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            for sql, params in statements:
                self._db.execute(sql, params)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _refund_statements(self, order: Order, now: datetime, issued: bool) -> Iterator[tuple]:
        if order.status == OrderState.PLACED:
            return  # nothing was charged yet
        yield (
            "INSERT INTO refunds VALUES (?,?,?,?,?,?)",
            ("RF-" + uuid.uuid4().hex[:8].upper(), order.order_id, order.total, "pending",
             now.isoformat(timespec="seconds"), None),
        )

    def _require(self, order_id: str) -> Order:
        order = self.get_order(order_id)
        if order is None:
            raise OrderNotFound(f"no order {order_id}")
        return order

    def _product_by_sku(self, sku: str) -> Optional[Product]:
        row = self._db.execute("SELECT * FROM products WHERE sku = ?", (sku,)).fetchone()
        return self._product(row) if row else None

    @staticmethod
    def _product(row: sqlite3.Row) -> Product:
        return Product(
            sku=row["sku"], name=row["name"], category=row["category"], price=row["price"],
            stock=tuple((str(size), int(count)) for size, count in json.loads(row["stock"])),
            colours=tuple(json.loads(row["colours"])), description=row["description"],
            synonyms=synonyms_from_json(json.loads(row["synonyms"] or "{}")),
        )

    def _order(self, row: sqlite3.Row) -> Order:
        order_id = row["order_id"]
        lines = tuple(
            OrderLine(r["sku"], r["product_name"], r["size"], r["quantity"], r["unit_price"])
            for r in self._db.execute(
                "SELECT * FROM order_lines WHERE order_id = ? ORDER BY position", (order_id,)
            )
        )
        refund_row = self._db.execute(
            "SELECT * FROM refunds WHERE order_id = ? ORDER BY created_at DESC LIMIT 1",
            (order_id,),
        ).fetchone()
        refund = None
        if refund_row:
            refund = Refund(
                reference=refund_row["reference"], amount=refund_row["amount"],
                status=refund_row["status"],
                created_at=datetime.fromisoformat(refund_row["created_at"]),
                issued_at=(datetime.fromisoformat(refund_row["issued_at"])
                           if refund_row["issued_at"] else None),
            )
        returns = tuple(
            ReturnRequest(r["reference"], order_id, r["reason"],
                          datetime.fromisoformat(r["created_at"]))
            for r in self._db.execute(
                "SELECT * FROM returns WHERE order_id = ? ORDER BY created_at", (order_id,)
            )
        )
        return Order(
            order_id=order_id, customer_id=row["customer_id"], email=row["email"],
            status=OrderState(row["status"]),
            placed_at=datetime.fromisoformat(row["placed_at"]), lines=lines,
            shipping_address=Address(row["ship_name"], row["ship_street"],
                                      row["ship_postcode"], row["ship_city"],
                                      row["ship_country"]),
            currency=row["currency"], carrier=row["carrier"],
            tracking_code=row["tracking_code"], tracking_url=row["tracking_url"],
            expected_delivery=(date.fromisoformat(row["expected_delivery"])
                               if row["expected_delivery"] else None),
            delivered_at=(datetime.fromisoformat(row["delivered_at"])
                          if row["delivered_at"] else None),
            refund=refund, returns=returns,
        )
