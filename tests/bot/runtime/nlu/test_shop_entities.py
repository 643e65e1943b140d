"""The NLU components for the shop's own entities: products from its catalogue (read from the
shop when the model loads, and again every few minutes) and order numbers in its format."""

import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from bot.runtime.nlu import product_extractor
from bot.runtime.nlu.order_number_extractor import OrderNumberExtractor
from bot.runtime.nlu.product_extractor import ProductExtractor
from bot.shop import (
    Catalogue,
    OrderNumberFormat,
    current_order_number_format,
    use_order_number_format,
)
from tests.fakes.shop_api import SECOND_SHOP_PRODUCTS, SECOND_SHOP_PROFILE, FakeShopApi, second_shop


def parse(component, text, entities=()):
    message = Message.build(text=text)
    message.set("entities", list(entities))
    component.process([message])
    return [(e["entity"], e["value"], e["extractor"]) for e in message.get("entities")]


def crf(entity, value, start, end):
    return {"entity": entity, "value": value, "start": start, "end": end,
            "extractor": "CRFEntityExtractor"}


def loaded(products):
    catalogue = Catalogue(lambda: products)
    catalogue.refresh()
    return ProductExtractor(catalogue)


def test_products_take_the_catalogues_name_and_supersede_guesses():
    extractor = loaded(SECOND_SHOP_PRODUCTS)
    text = "onko kestrel-parkaa koossa L"
    guessed = [crf("product", "kestrel", 5, 12), crf("size", "L", 27, 28)]
    assert parse(extractor, text, guessed) == [
        ("size", "L", "CRFEntityExtractor"),
        ("product", "Kestrel Trail Parka", "ProductExtractor")]


def test_a_product_the_shop_does_not_sell_leaves_other_guesses_alone():
    extractor = loaded(SECOND_SHOP_PRODUCTS)
    guessed = [crf("product", "surfboards", 13, 23)]
    assert parse(extractor, "do you sell surfboards", guessed) == [
        ("product", "surfboards", "CRFEntityExtractor")]
    assert parse(loaded([]), "is the kestrel parka dry?") == []  # nothing read yet


def test_numbers_inside_a_products_name_are_part_of_it():
    from bot.shop.seed import PRODUCTS

    guessed = [crf("quantity", "30", 9, 11)]
    assert parse(loaded(PRODUCTS), "backpack 30 l in stock?", guessed) == [
        ("product", "Backpack 30 l", "ProductExtractor")]


def test_order_numbers_in_the_shops_format_only():
    extractor = OrderNumberExtractor(OrderNumberFormat(r"\d{7}", "4410078"))
    guessed = [crf("order_number", "10023", 0, 5), crf("quantity", "4410078", 16, 23)]
    assert parse(extractor, "10023 and order #4410078", guessed) == [
        ("order_number", "4410078", "OrderNumberExtractor")]
    assert parse(extractor, "postcode 00100", [crf("postcode", "00100", 9, 14)]) == [
        ("postcode", "00100", "CRFEntityExtractor")]


def test_both_read_the_settings_and_the_shop_when_the_model_loads(tmp_path, monkeypatch):
    context = ExecutionContext(GraphSchema({}), "model")
    storage, resource = LocalModelStorage(tmp_path), Resource("x")
    with FakeShopApi(second_shop(), token="t0k") as api:
        endpoints = tmp_path / "endpoints.yml"
        endpoints.write_text(yaml.safe_dump({
            "shop": {"type": "http", "url": api.url, "catalogue_refresh_minutes": 60},
            "shop_profile": SECOND_SHOP_PROFILE}))
        monkeypatch.setenv("ENDPOINTS_FILE", str(endpoints))
        monkeypatch.setenv("SHOP_API_TOKEN", api.token)
        monkeypatch.setattr(product_extractor, "_catalogues", {})
        before = current_order_number_format()
        try:
            numbers = OrderNumberExtractor.create({}, storage, resource, context)
            assert current_order_number_format().example == "4410078"  # for the actions
            products = ProductExtractor.create({}, storage, resource, context)
            calls = api.calls
            again = ProductExtractor.create({}, storage, resource, context)  # a new model
            assert api.calls == calls  # the same catalogue, not read twice
        finally:
            use_order_number_format(before)
            for catalogue in product_extractor._catalogues.values():
                catalogue.stop()
    assert parse(numbers, "where is 4410078") == [
        ("order_number", "4410078", "OrderNumberExtractor")]
    assert parse(products, "Fjordlight headlamp?") == [
        ("product", "Fjordlight Headlamp", "ProductExtractor")]
    assert parse(again, "mossa mug") == [("product", "Mossa Enamel Mug", "ProductExtractor")]
