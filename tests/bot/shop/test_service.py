from datetime import timedelta

import pytest

from bot.shop import Address, OrderState, ShopError, normalise_email, normalise_order_number
from tests.conftest import NOW


@pytest.mark.parametrize("text, expected", [
    ("10023", "10023"), ("#10023", "10023"), (" order 10023.", "10023"), ("123456", "123456"),
    ("1234", None), ("", None), (None, None), ("1002312345", None), ("abc", None),
])
def test_order_numbers_are_normalised(text, expected):
    assert normalise_order_number(text) == expected


def test_emails_are_normalised():
    assert normalise_email(" Anna.Virtanen@Example.com. ") == "anna.virtanen@example.com"
    assert normalise_email("not an email") is None
    assert normalise_email("a@b") is None


def test_order_is_revealed_only_with_matching_email(orders):
    assert orders.verify("10023", email="anna.virtanen@example.com").order_id == "10023"
    assert orders.verify("#10023", email="ANNA.VIRTANEN@example.com ") is not None
    assert orders.verify("10023", email="mikko.korhonen@example.fi") is None
    assert orders.verify("10023") is None
    assert orders.verify("99999", email="anna.virtanen@example.com") is None


def test_token_customer_sees_only_own_orders(orders):
    assert orders.verify("10023", customer_id="C-1001") is not None
    assert orders.verify("10025", customer_id="C-1001") is None
    assert orders.owns("C-1002", "10025")
    assert not orders.owns(None, "10025")


def test_address_can_change_until_shipped(orders, shop):
    assert orders.address_change(shop.get_order("10022")).allowed
    assert orders.address_change(shop.get_order("10025")).allowed  # packed
    decision = orders.address_change(shop.get_order("10023"))
    assert not decision.allowed and decision.reason == "shipped"
    new = Address("Anna Virtanen", "Aleksanterinkatu 1", "00170", "Helsinki", "FI")
    assert orders.change_address(shop.get_order("10022"), new).shipping_address == new
    with pytest.raises(ShopError):
        orders.change_address(shop.get_order("10023"), new)
    assert shop.get_order("10023").shipping_address.street == "Mannerheimintie 12 B 7"


def test_cancellation_is_free_before_packing_then_has_a_fee(orders, shop):
    assert orders.cancellation(shop.get_order("10021")).fee == 0.0
    assert orders.cancellation(shop.get_order("10025")).fee == 5.0
    assert not orders.cancellation(shop.get_order("10023")).allowed
    assert orders.cancellation(shop.get_order("10027")).reason == "cancelled"
    cancelled = orders.cancel(shop.get_order("10022"))
    assert cancelled.status == OrderState.CANCELLED
    assert cancelled.refund.amount == 129.0 and cancelled.refund.status == "pending"
    assert orders.cancel(shop.get_order("10021")).refund is None  # nothing was charged


def test_order_change_only_before_packing(orders, shop):
    assert orders.order_change(shop.get_order("10022")).allowed
    assert not orders.order_change(shop.get_order("10025")).allowed
    changed = orders.change_line(shop.get_order("10022"), "NW-RJ-01", "L", None)
    assert changed.lines[0].size == "L"
    with pytest.raises(ShopError):
        orders.change_line(shop.get_order("10022"), "NW-RJ-01", "S", None)  # S sold out


def test_returns_only_inside_the_window(orders, shop):
    inside = orders.return_eligibility(shop.get_order("10024"))
    assert inside.allowed and inside.deadline == (NOW - timedelta(days=10)).date() + timedelta(30)
    assert orders.return_eligibility(shop.get_order("10026")).reason == "window_closed"
    assert orders.return_eligibility(shop.get_order("10023")).reason == "not_delivered"
    assert orders.return_eligibility(shop.get_order("10028")).reason == "already_returned"
    request = orders.start_return(shop.get_order("10024"), "too big")
    assert request.reference.startswith("RMA-")
    assert shop.get_order("10024").returns[0].reason == "too big"
    assert orders.return_eligibility(shop.get_order("10024")).reason == "already_returned"


def test_refund_expected_in_business_days(orders, shop):
    order = shop.get_order("10028")  # refund created two days before NOW (a Monday)
    assert orders.refund_expected_by(order).weekday() < 5
    assert orders.refund_expected_by(order) > order.refund.created_at.date()
    assert orders.refund_expected_by(shop.get_order("10027")) is None  # already issued


def test_product_search_finds_catalogue_items(orders):
    assert orders.find_product("rain jacket").name == "Rain jacket"
    assert orders.find_product("hiking boots").sku == "NW-HB-07"
    assert orders.find_product("backpack").name.startswith("Backpack")
    assert orders.find_product("kayak") is None
    assert orders.find_product("") is None


def test_products_of_any_shop_are_found_with_current_stock():
    from bot.shop import HttpShop, OrderService
    from tests.fakes.shop_api import FakeShopApi, second_shop

    shop = second_shop()
    with FakeShopApi(shop) as api:
        service = OrderService(HttpShop(api.url, token=api.token))
        assert service.find_product("is the kestrel parka waterproof?").sku == "TG-KP-01"
        assert service.find_product("Solberg Wool Blanket").price == 990.0
        assert sorted(service.categories()) == ["home", "kitchen", "lights", "outerwear"]
        assert service.example_product().name == "Kestrel Trail Parka"
        mug = next(p for p in shop.all_products() if p.sku == "TG-MM-04")
        from dataclasses import replace
        shop.add_product(replace(mug, stock=(("one size", 0),)))
        assert service.find_product("mossa mug").sizes_in_stock == []  # read again
        api.fail_with(500)
        assert service.find_product("mossa mug").sku == "TG-MM-04"  # the catalogue's copy
        with pytest.raises(ShopError):
            service.find_product("something the catalogue does not know")
