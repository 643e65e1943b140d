"""Realistic demo data for the embedded shop: customers, a catalogue and orders in every state.

Dates are relative to ``now`` so that the demo always has a delivered order inside the return
window and one outside it. The order numbers and emails below are listed in the README.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Dict, List

from bot.shop.models import (
    Address,
    Customer,
    Order,
    OrderLine,
    OrderState,
    Product,
    Refund,
    ReturnRequest,
)
from bot.shop.sqlite_shop import SQLiteShop

CLOTHING = ("XS", "S", "M", "L", "XL")
BOOTS = ("38", "39", "40", "41", "42", "43", "44", "45")

#: Other names shoppers use for the demo products, per language (what a shop's API sends as
#: ``synonyms``).
SYNONYMS: Dict[str, Dict[str, List[str]]] = {
    "NW-RJ-01": {"en": ["raincoat", "rain coat", "waterproof jacket"], "fi": ["sadetakki"],
                 "tr": ["yağmurluk"], "uk": ["дощовик"], "id": ["jas hujan"],
                 "nb": ["regnjakke"]},
    "NW-DJ-02": {"en": ["puffer jacket", "puffer", "down coat"], "fi": ["untuvatakki"],
                 "tr": ["kaz tüyü mont"], "uk": ["пуховик"], "id": ["jaket bulu angsa"],
                 "nb": ["dunjakke"]},
    "NW-SJ-03": {"en": ["hardshell"], "fi": ["kuoritakki"], "nb": ["skalljakke"]},
    "NW-FH-04": {"en": ["fleece", "hoodie"], "fi": ["fleecehuppari", "huppari"],
                 "nb": ["fleecegenser"]},
    "NW-MT-05": {"en": ["merino tee"], "fi": ["merinopaita"], "nb": ["ullskjorte"]},
    "NW-HP-06": {"en": ["trekking trousers", "hiking trousers"], "fi": ["vaellushousut"],
                 "nb": ["turbukse"]},
    "NW-HB-07": {"en": ["walking boots"], "fi": ["vaelluskengät", "vaelluskengat"],
                 "tr": ["yürüyüş botu"], "nb": ["fjellstøvler"]},
    "NW-TS-08": {"en": ["trail runners", "trail running shoes", "running shoes"],
                 "fi": ["polkujuoksukengät"], "nb": ["terrengløpesko"]},
    "NW-BP-09": {"en": ["rucksack", "daypack"], "fi": ["reppu"], "tr": ["sırt çantası"],
                 "uk": ["рюкзак"], "id": ["ransel"], "nb": ["sekk", "ryggsekk"]},
    "NW-WS-10": {"en": ["woolen socks", "hiking socks"], "fi": ["villasukat"],
                 "tr": ["yün çorap"], "nb": ["ullsokker"]},
    "NW-BN-11": {"en": ["wooly hat", "woolly hat"], "fi": ["pipo"], "tr": ["bere"],
                 "uk": ["шапка"], "nb": ["lue"]},
    "NW-GL-12": {"en": ["mittens"], "fi": ["käsineet", "hanskat"], "tr": ["eldiven"],
                 "uk": ["рукавички"], "id": ["sarung tangan"], "nb": ["hansker"]},
}


def _product(sku: str, name: str, category: str, price: float, stock: tuple,
             colours: tuple, description: str) -> Product:
    synonyms = tuple((language, tuple(names))
                     for language, names in sorted(SYNONYMS.get(sku, {}).items()))
    return Product(sku, name, category, price, stock, colours, description, synonyms)


PRODUCTS: List[Product] = [
    _product("NW-RJ-01", "Rain jacket", "jackets", 129.0,
            tuple(zip(CLOTHING, (2, 0, 7, 4, 1))), ("black", "navy", "olive"),
            "Waterproof, breathable 2.5-layer shell with taped seams."),
    _product("NW-DJ-02", "Down jacket", "jackets", 219.0,
            tuple(zip(CLOTHING, (0, 3, 5, 0, 2))), ("black", "red"),
            "Warm 700-fill down jacket for Nordic winters."),
    _product("NW-SJ-03", "Shell jacket", "jackets", 249.0,
            tuple(zip(CLOTHING, (1, 2, 0, 3, 2))), ("blue", "black"),
            "Three-layer hardshell for hiking and skiing."),
    _product("NW-FH-04", "Fleece hoodie", "midlayers", 69.0,
            tuple(zip(CLOTHING, (5, 8, 0, 6, 3))), ("grey", "green"),
            "Soft recycled-polyester fleece with a hood."),
    _product("NW-MT-05", "Merino t-shirt", "base layers", 49.0,
            tuple(zip(CLOTHING, (10, 12, 15, 9, 4))), ("black", "white", "blue"),
            "Odour-resistant 150 g merino wool tee."),
    _product("NW-HP-06", "Hiking pants", "trousers", 89.0,
            tuple(zip(CLOTHING, (3, 6, 4, 0, 1))), ("khaki", "black"),
            "Stretchy, quick-drying trekking trousers."),
    _product("NW-HB-07", "Hiking boots", "footwear", 179.0,
            tuple(zip(BOOTS, (1, 2, 0, 4, 5, 3, 0, 1))), ("brown",),
            "Waterproof leather boots with a Vibram sole. Run half a size small."),
    _product("NW-TS-08", "Trail shoes", "footwear", 139.0,
            tuple(zip(BOOTS, (0, 2, 3, 3, 4, 2, 1, 0))), ("grey", "orange"),
            "Light trail running shoes with a grippy sole."),
    _product("NW-BP-09", "Backpack 30 l", "backpacks", 119.0, (("one size", 14),),
            ("black", "green"), "30-litre day pack with a rain cover."),
    _product("NW-WS-10", "Wool socks", "accessories", 19.0,
            (("36-38", 20), ("39-42", 25), ("43-46", 0)), ("grey",),
            "Cushioned merino hiking socks."),
    _product("NW-BN-11", "Beanie", "accessories", 29.0, (("one size", 0),), ("grey", "navy"),
            "Merino rib-knit beanie."),
    _product("NW-GL-12", "Gloves", "accessories", 39.0,
            tuple(zip(("S", "M", "L"), (4, 0, 6))), ("black",),
            "Windproof softshell gloves with touchscreen fingertips."),
]

CUSTOMERS: List[Customer] = [
    Customer("C-1001", "Anna", "Virtanen", "anna.virtanen@example.com"),
    Customer("C-1002", "Mikko", "Korhonen", "mikko.korhonen@example.fi"),
    Customer("C-1003", "Aylin", "Demir", "aylin.demir@example.com"),
    Customer("C-1004", "Olena", "Shevchenko", "olena.shevchenko@example.com"),
    Customer("C-1005", "Budi", "Santoso", "budi.santoso@example.co.id"),
    Customer("C-1006", "Ingrid", "Hansen", "ingrid.hansen@example.no"),
]

_ADDRESSES: Dict[str, Address] = {
    "C-1001": Address("Anna Virtanen", "Mannerheimintie 12 B 7", "00100", "Helsinki", "FI"),
    "C-1002": Address("Mikko Korhonen", "Hämeenkatu 5 A 3", "33100", "Tampere", "FI"),
    "C-1003": Address("Aylin Demir", "Bagdat Caddesi 140", "34728", "Istanbul", "TR"),
    "C-1004": Address("Olena Shevchenko", "Khreshchatyk 22, kv. 14", "01001", "Kyiv", "UA"),
    "C-1005": Address("Budi Santoso", "Jalan Sudirman 45", "10220", "Jakarta", "ID"),
    "C-1006": Address("Ingrid Hansen", "Karl Johans gate 8", "0154", "Oslo", "NO"),
}

_CARRIERS = {
    "Posti": "https://www.posti.fi/en/tracking#/lahetys/{code}",
    "DHL": "https://www.dhl.com/fi-en/home/tracking.html?tracking-id={code}",
    "PostNord": "https://tracking.postnord.com/?id={code}",
}


def _line(sku: str, size: str, quantity: int = 1) -> OrderLine:
    product = next(p for p in PRODUCTS if p.sku == sku)
    return OrderLine(sku, product.name, size, quantity, product.price)


def demo_orders(now: datetime) -> List[Order]:
    """Orders in every state, numbered 10021-10036, relative to ``now``."""
    day = timedelta(days=1)

    def order(order_id: str, customer_id: str, status: OrderState, placed_days_ago: int,
              lines: List[OrderLine], carrier: str = "", **extra) -> Order:
        customer = next(c for c in CUSTOMERS if c.customer_id == customer_id)
        placed = (now - placed_days_ago * day).replace(microsecond=0)
        tracking = {}
        if carrier:
            code = f"JJFI{order_id}{len(order_id) * 7:02d}"
            tracking = {"carrier": carrier, "tracking_code": code,
                        "tracking_url": _CARRIERS[carrier].format(code=code)}
        return Order(order_id=order_id, customer_id=customer_id, email=customer.email,
                     status=status, placed_at=placed, lines=tuple(lines),
                     shipping_address=_ADDRESSES[customer_id], **tracking, **extra)

    delivered = lambda days: {"delivered_at": (now - days * day).replace(microsecond=0)}  # noqa: E731
    return [
        order("10021", "C-1001", OrderState.PLACED, 0, [_line("NW-MT-05", "M", 2)]),
        order("10022", "C-1001", OrderState.PAID, 1, [_line("NW-RJ-01", "M")]),
        order("10023", "C-1001", OrderState.SHIPPED, 3, [_line("NW-RJ-01", "L")], "Posti",
              expected_delivery=(now + 2 * day).date()),
        order("10024", "C-1001", OrderState.DELIVERED, 14,
              [_line("NW-HB-07", "41"), _line("NW-WS-10", "39-42", 2)], "Posti", **delivered(10)),
        order("10025", "C-1002", OrderState.PACKED, 1, [_line("NW-DJ-02", "L")]),
        order("10026", "C-1002", OrderState.DELIVERED, 60, [_line("NW-FH-04", "L")], "PostNord",
              **delivered(55)),
        order("10027", "C-1002", OrderState.CANCELLED, 20, [_line("NW-SJ-03", "M")],
              refund=Refund("RF-27A1C0DE", 249.0, "issued", now - 19 * day, now - 17 * day)),
        order("10028", "C-1003", OrderState.RETURNED, 40, [_line("NW-TS-08", "40")], "DHL",
              **delivered(33),
              refund=Refund("RF-28B2D1EF", 139.0, "pending", now - 2 * day),
              returns=(ReturnRequest("RMA-28C3E2F0", "10028", "too small", now - 25 * day),)),
        order("10029", "C-1003", OrderState.PAID, 2, [_line("NW-BP-09", "one size")]),
        order("10030", "C-1004", OrderState.SHIPPED, 6, [_line("NW-HP-06", "S")], "DHL",
              expected_delivery=(now + 4 * day).date()),
        order("10031", "C-1004", OrderState.DELIVERED, 8, [_line("NW-GL-12", "L")], "DHL",
              **delivered(2)),
        order("10032", "C-1005", OrderState.PLACED, 0, [_line("NW-FH-04", "M")]),
        order("10033", "C-1005", OrderState.SHIPPED, 9, [_line("NW-DJ-02", "M")], "DHL",
              expected_delivery=(now - 1 * day).date()),
        order("10034", "C-1006", OrderState.DELIVERED, 25, [_line("NW-SJ-03", "L")], "PostNord",
              **delivered(21)),
        order("10035", "C-1006", OrderState.PAID, 1,
              [_line("NW-MT-05", "S", 3), _line("NW-BN-11", "one size")]),
        order("10036", "C-1006", OrderState.RETURNED, 50, [_line("NW-RJ-01", "S")], "PostNord",
              **delivered(45),
              refund=Refund("RF-36D4F3A1", 129.0, "issued", now - 38 * day, now - 36 * day),
              returns=(ReturnRequest("RMA-36E5A4B2", "10036", "wrong colour", now - 42 * day),)),
    ]


def add_demo_synonyms(shop: SQLiteShop) -> None:
    """Give the demo products that have none their synonyms (a shop file from before)."""
    for product in shop.all_products():
        if not product.synonyms and product.sku in SYNONYMS:
            shop.add_product(_product(product.sku, product.name, product.category,
                                      product.price, product.stock, product.colours,
                                      product.description))


def seed(shop: SQLiteShop, now: datetime) -> None:
    """Fill an empty shop with the demo catalogue, customers and orders."""
    for product in PRODUCTS:
        shop.add_product(product)
    for customer in CUSTOMERS:
        shop.add_customer(customer)
    for item in demo_orders(now):
        shop.add_order(item)
