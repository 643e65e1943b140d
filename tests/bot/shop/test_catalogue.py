"""The catalogue matcher (any shop's product names, as shoppers write them) and its refreshing."""

import logging

import pytest

from bot.shop import Catalogue, ProductMatcher, ShopUnavailable
from bot.shop.catalogue import word_similarity
from bot.shop.seed import PRODUCTS
from tests.fakes.shop_api import SECOND_SHOP_PRODUCTS


@pytest.fixture(scope="module")
def other_shop():
    return ProductMatcher(SECOND_SHOP_PRODUCTS)


def named(matcher, text):
    return [mention.product.name for mention in matcher.find(text)]


@pytest.mark.parametrize("text, product", [
    ("is the Kestrel Trail Parka waterproof?", "Kestrel Trail Parka"),
    ("is the kestrel parka waterproof?", "Kestrel Trail Parka"),  # part of the name
    ("KESTREL TRAIL PARKA price", "Kestrel Trail Parka"),  # case
    ("onko kestrel-parkaa koossa M", "Kestrel Trail Parka"),  # Finnish partitive
    ("parkatakkia L-koossa?", "Kestrel Trail Parka"),  # a Finnish synonym, inflected
    ("kestrel parkanın fiyatı ne", "Kestrel Trail Parka"),  # Turkish genitive
    ("paljonko solberg-viltti maksaa", "Solberg Wool Blanket"),  # synonym with a hyphen
    ("solberg viltin hinta", "Solberg Wool Blanket"),  # Finnish genitive: viltti -> viltin
    ("yün battaniyeniz var mı", "Solberg Wool Blanket"),  # Turkish synonym with a suffix
    ("fjordlight headlamps?", "Fjordlight Headlamp"),  # plural
    ("fjördlight", "Fjordlight Headlamp"),  # accents
    ("Mossa Enamel Mugs", "Mossa Enamel Mug"),
])
def test_names_are_found_as_shoppers_write_them(other_shop, text, product):
    assert named(other_shop, text) == [product]


@pytest.mark.parametrize("text", [
    "any trail maps?",  # a word that describes, alone
    "enamel paint",
    "where is my order 4410078",
    "I parked my car",  # "parked" is not "parka"
    "hello there",
    "",
])
def test_other_words_name_no_product(other_shop, text):
    assert named(other_shop, text) == []


def test_a_word_that_several_products_share_names_none_of_them():
    matcher = ProductMatcher(PRODUCTS)
    assert named(matcher, "jacket?") == []
    assert named(matcher, "the rain jacket") == ["Rain jacket"]
    assert named(matcher, "rain jaket in M") == ["Rain jacket"]  # a typo
    assert named(matcher, "merino tshirt") == ["Merino t-shirt"]  # a hyphen less
    assert named(matcher, "raincoats and hiking boots") == ["Rain jacket", "Hiking boots"]


def test_the_mention_says_where_it_stands():
    mention = ProductMatcher(SECOND_SHOP_PRODUCTS).find("Is the Kestrel Parka dry?")[0]
    assert (mention.start, mention.end, mention.text) == (7, 20, "Kestrel Parka")


def test_exact_names_categories_and_best(other_shop):
    assert other_shop.by_name("kestrel trail parka").sku == "TG-KP-01"
    assert other_shop.best("the kestrel one").sku == "TG-KP-01"
    assert other_shop.best("nothing") is None
    assert other_shop.categories() == ["outerwear", "home", "lights", "kitchen"]


def test_word_similarity_keeps_short_words_exact():
    assert word_similarity("mug", "mugs") == 0.0
    assert word_similarity("mug", "mug") == 1.0
    assert word_similarity("parka", "parkaa") == 0.9
    assert word_similarity("sadetakki", "sadetakin") == 0.8
    assert word_similarity("merino", "merit") == 0.0


class Shop:
    """A backend whose catalogue changes and which can be down."""

    def __init__(self, products):
        self.products = list(products)
        self.down = False
        self.reads = 0

    def all_products(self):
        self.reads += 1
        if self.down:
            raise ShopUnavailable("GET /products", "500")
        return list(self.products)


def test_the_catalogue_is_read_again_after_its_time_without_retraining():
    now = [0.0]
    shop = Shop(SECOND_SHOP_PRODUCTS[:2])
    catalogue = Catalogue(shop.all_products, refresh_seconds=600, clock=lambda: now[0])
    assert catalogue.current().by_name("Mossa Enamel Mug") is None  # nothing read yet
    assert catalogue.matcher().best("kestrel parka").sku == "TG-KP-01"
    shop.products.append(SECOND_SHOP_PRODUCTS[3])
    now[0] = 599
    assert catalogue.matcher().best("mossa mug") is None and shop.reads == 1
    now[0] = 600
    assert catalogue.matcher().best("mossa mug").sku == "TG-MM-04"


def test_a_failed_read_keeps_the_last_catalogue_and_is_tried_again_soon(caplog):
    now = [0.0]
    shop = Shop(SECOND_SHOP_PRODUCTS)
    catalogue = Catalogue(shop.all_products, refresh_seconds=600, retry_seconds=60,
                          clock=lambda: now[0])
    catalogue.refresh()
    shop.down, now[0] = True, 600
    with caplog.at_level(logging.INFO, logger="bot.shop.catalogue"):
        assert catalogue.matcher().best("kestrel parka").sku == "TG-KP-01"
    assert "keeping the last one" in caplog.text and "Traceback" not in caplog.text
    shop.down, now[0] = False, 630
    catalogue.matcher()
    assert shop.reads == 2  # not before the retry time
    now[0] = 660
    catalogue.matcher()
    assert shop.reads == 3


def test_refreshing_on_a_thread_of_its_own():
    import time

    shop = Shop(SECOND_SHOP_PRODUCTS[:1])
    catalogue = Catalogue(shop.all_products, refresh_seconds=0.05)
    catalogue.start_refreshing()
    try:
        assert catalogue.loaded
        shop.products.append(SECOND_SHOP_PRODUCTS[1])
        deadline = time.monotonic() + 5
        while catalogue.current().by_name("Solberg Wool Blanket") is None:
            assert time.monotonic() < deadline, "never read again"
            time.sleep(0.02)
    finally:
        catalogue.stop()


def test_a_word_that_could_stand_for_two_products_names_neither():
    matcher = ProductMatcher(PRODUCTS)
    # "wool": the wool socks, or the beanie (a "wooly hat")?
    assert named(matcher, "how much is the Solberg Wool Blanket") == []
    assert named(matcher, "wool socks") == ["Wool socks"]
