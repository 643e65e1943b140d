"""The HTTP client against a local fake of the documented shop API."""

import pytest

from bot.shop import Address, HttpShop, OrderService, OrderState, ShopError, ShopPolicy
from tests.conftest import NOW
from tests.fakes.shop_api import FakeShopApi


@pytest.fixture
def api(shop):
    with FakeShopApi(shop) as server:
        yield server


@pytest.fixture
def client(api):
    return HttpShop(api.url, token=api.token, timeout=5)


def test_reads_orders_customers_and_products(client, shop):
    assert client.get_order("10023") == shop.get_order("10023")
    assert client.get_order("99999") is None
    assert [o.order_id for o in client.orders_for_customer("C-1001")] == \
        [o.order_id for o in shop.orders_for_customer("C-1001")]
    assert client.get_customer("C-1002").first_name == "Mikko"
    assert client.search_products("rain jacket")[0].name == "Rain jacket"


def test_changes_go_through_the_api(client, shop):
    new = Address("Anna Virtanen", "Aleksanterinkatu 1", "00170", "Helsinki", "FI")
    assert client.update_shipping_address("10022", new).shipping_address == new
    assert shop.get_order("10022").shipping_address == new
    assert client.cancel_order("10021").status == OrderState.CANCELLED
    assert client.change_order_line("10029", "NW-BP-09", None, 2).lines[0].quantity == 2
    assert client.create_return("10024", "too big").reference.startswith("RMA-")


def test_refusals_become_shop_errors(client, shop):
    with pytest.raises(ShopError):
        client.cancel_order("10023")  # shipped
    assert shop.get_order("10023").status == OrderState.SHIPPED


def test_wrong_token_is_refused(api):
    with pytest.raises(ShopError):
        HttpShop(api.url, token="wrong").get_order("10023")


def test_unreachable_api_is_a_shop_error():
    with pytest.raises(ShopError):
        HttpShop("http://127.0.0.1:9", timeout=0.5).get_order("10023")


def test_order_rules_work_over_http(client):
    service = OrderService(client, ShopPolicy(), clock=lambda: NOW)
    assert service.verify("10023", email="anna.virtanen@example.com") is not None
    assert service.verify("10023", email="someone@example.com") is None
    assert service.return_eligibility(client.get_order("10024")).allowed


def test_a_shop_call_gives_up_well_before_the_action_does():
    from dataclasses import replace

    from bot.settings import LimitSettings, ShopSettings, load_settings
    from bot.shop import shop_call_timeout

    settings = load_settings(env={})
    assert shop_call_timeout(settings) < settings.limits.action_timeout_seconds
    slow = replace(settings, shop=ShopSettings(backend="http", timeout_seconds=60.0),
                   limits=LimitSettings(action_timeout_seconds=10.0))
    assert shop_call_timeout(slow) == 5.0
