"""Any shop's assistant, not the demo's: the whole assistant against a second shop over HTTP
(tests/fakes/shop_api.py) whose catalogue the training data never saw, with 7-digit order numbers,
another brand and currency, and a mode where its API fails. What the shopper sees, in several
languages, with the same trained model as the demo."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bot.handoff import SQLiteHandoffQueue
from bot.shop.models import Product
from bot.tools.run import Stack
from tests.e2e.conftest import ALWAYS_OPEN, MODEL, Chat, free_port
from tests.fakes.shop_api import SECOND_SHOP_PROFILE, FakeShopApi, second_shop
from tests.servers import require_model, serving

EMAIL = "sam.rivers@example.org"


@pytest.fixture(scope="module")
def shop_api():
    with FakeShopApi(second_shop(), token="tallgrass-token") as api:
        yield api


@pytest.fixture(scope="module")
def any_shop(tmp_path_factory, shop_api):
    require_model()
    var_dir = Path(tmp_path_factory.mktemp("any-shop"))
    stack = Stack(
        rasa_port=free_port(), actions_port=free_port(), console_port=free_port(),
        var_dir=var_dir, model=MODEL, demo=False,
        extra_env={"SHOP_API_TOKEN": shop_api.token},
        endpoints_overrides={
            # Read the catalogue every 3 seconds: a new product is understood within moments.
            "shop": {"type": "http", "url": shop_api.url, "timeout": 2,
                     "catalogue_refresh_minutes": 0.05},
            "shop_profile": SECOND_SHOP_PROFILE,
            "handoff": {"hours": ALWAYS_OPEN}})
    yield from serving(stack)


class Shopper(Chat):
    """A REST chat that remembers everything the bot said."""

    def __init__(self, stack: Stack, sender: str) -> None:
        super().__init__(stack, sender)
        self.heard: list = []

    def text(self, message: str) -> str:
        reply = super().text(message)
        self.heard.append(reply)
        return reply


@pytest.fixture
def shopper(any_shop, request):
    return Shopper(any_shop, f"tallgrass-{request.node.name}")


def test_the_brand_and_the_shops_formats_are_in_the_bots_texts(any_shop, request):
    english = Shopper(any_shop, f"{request.node.name}-en")
    assert "I'm the Tallgrass Supply Co. assistant" in english.text("hi")
    asked = english.text("where is my order?")
    assert "it looks like 4410078" in asked and "10023" not in asked
    assert "it looks like 4410078" in english.text("12345")  # the demo's format is no number here
    finnish = Shopper(any_shop, f"{request.node.name}-fi")
    assert "Olen Tallgrass Supply Co. -verkkokaupan avustaja" in finnish.text("hei")
    turkish = Shopper(any_shop, f"{request.node.name}-tr")
    assert "Ben Tallgrass Supply Co. asistanıyım" in turkish.text("merhaba")
    for chat in (english, finnish, turkish):
        assert "Northwind" not in "\n".join(chat.heard)


def test_product_price_stock_and_description_of_products_never_trained_on(shopper, any_shop,
                                                                          request):
    reply = shopper.text("how much is the Kestrel Trail Parka?")
    assert "Kestrel Trail Parka costs 1,890.00 SEK" in reply
    assert "S, L" in reply and "waterproof" in reply  # stock and the description
    assert "Fully waterproof 3-layer parka" in shopper.text("is it waterproof?")
    finnish = Chat(any_shop, f"{request.node.name}-fi")
    assert "Solberg Wool Blanket maksaa 990,00\u00a0SEK" in finnish.text(
        "onko solberg-viltti varastossa?")
    norwegian = Chat(any_shop, f"{request.node.name}-nb")
    assert "Mossa Enamel Mug koster 179,00\u00a0SEK" in norwegian.text(
        "Hva koster Mossa Enamel Mug?")
    turkish = Chat(any_shop, f"{request.node.name}-tr")
    sold_out = turkish.text("Fjordlight kafa lambası stokta var mı?")
    assert "Fjordlight Headlamp" in sold_out and "449,00\u00a0SEK" in sold_out
    sizes = Chat(any_shop, f"{request.node.name}-size").text(
        "do you have the kestrel parka in M?")
    assert "Kestrel Trail Parka is out of stock in size M" in sizes


def test_what_the_shop_sells_comes_from_its_categories(shopper):
    reply = shopper.text("what do you sell?")
    assert "We sell " in reply, reply
    assert all(category in reply for category in ("outerwear", "home", "lights", "kitchen"))
    assert "jackets" not in reply
    not_found = shopper.text("do you have the surfboard wax?")
    assert "We sell" in not_found


def test_a_seven_digit_order_is_verified_and_reported(shopper, any_shop, request):
    assert "email" in shopper.text("where is my order 4410078?").lower()
    reply = shopper.text(EMAIL)
    assert "Order 4410078 (Kestrel Trail Parka (L) x1) is on its way with PostNord" in reply
    assert "https://tracking.postnord.example/TG4410078SE" in reply
    finnish = Chat(any_shop, f"{request.node.name}-fi")
    finnish.text("haluan perua tilauksen 4410078")
    cancelled = finnish.text(EMAIL)
    assert "4410078" in cancelled and "14 päivän" in cancelled  # the shop's return window


def test_a_new_product_is_understood_without_retraining(shopper, shop_api):
    shop_api.shop.add_product(Product(
        "TG-AV-05", "Aurora Down Vest", "outerwear", 1290.0, (("M", 4),), ("navy",),
        "Packable 800-fill down vest."))
    deadline = time.monotonic() + 30
    while True:
        reply = shopper.text("how much is the Aurora Down Vest?")
        if "Aurora Down Vest costs 1,290.00 SEK" in reply:
            break
        assert time.monotonic() < deadline, reply
        shopper.text("never mind")
        time.sleep(1)


def test_a_shop_error_is_told_honestly_and_counts_against_no_limit(shopper, shop_api,
                                                                     any_shop, request):
    log = Path(any_shop.var_dir) / "rasa.log"
    try:
        shop_api.fail_with(500)
        for attempt in range(6):  # more than the limit on failed verifications per order
            attempt_chat = Chat(any_shop, f"{request.node.name}-{attempt}")
            reply = attempt_chat.text(f"where is my order 4410078? my email is {EMAIL}")
            assert "our order system isn't answering right now" in reply, reply
            assert "couldn't find" not in reply and "too many attempts" not in reply
        assert "connect you with a person" in shopper.text(f"status of order 4410078, {EMAIL}")
        assert "ticket" in shopper.text("yes please")
        queue = SQLiteHandoffQueue(Path(any_shop.var_dir) / "handoff.db")
        try:
            assert queue.open_ticket_for(shopper.conversation_id).reason == "shop_unavailable"
        finally:
            queue.close()
        shop_api.fail_with(401)
        finnish = Chat(any_shop, f"{request.node.name}-fi")
        reply = finnish.text(f"missä on tilaukseni 4410078? sähköpostini on {EMAIL}")
        assert "tilausjärjestelmämme ei vastaa juuri nyt" in reply, reply
    finally:
        shop_api.fail_with(None)
    again = Chat(any_shop, f"{request.node.name}-after")
    reply = again.text(f"where is my order 4410078? my email is {EMAIL}")
    assert "is on its way with PostNord" in reply, reply  # no failure was counted
    lines = log.read_text(errors="replace")
    assert re.search(r"shop API call GET /orders/\{order_id\} failed: 500", lines)
    assert re.search(r"shop API call GET /orders/\{order_id\} failed: 401", lines)
    assert "Traceback" not in lines
