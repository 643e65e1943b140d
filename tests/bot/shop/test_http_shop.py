"""The HTTP client against a local fake of the documented shop API."""

import logging

import pytest

from bot.shop import (
    Address,
    HttpShop,
    OrderService,
    OrderState,
    ShopError,
    ShopPolicy,
    ShopUnavailable,
)
from tests.conftest import NOW
from tests.fakes.shop_api import FakeShopApi, second_shop


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


def test_the_catalogue_listing_carries_descriptions_and_synonyms():
    with FakeShopApi(second_shop()) as api:
        products = HttpShop(api.url, token=api.token).all_products()
    parka = next(p for p in products if p.sku == "TG-KP-01")
    assert "waterproof" in parka.description
    assert ("fi", ("parkatakki",)) in parka.synonyms


@pytest.mark.parametrize("status", [401, 403, 500, 503])
def test_a_shop_that_does_not_answer_properly_is_unavailable_not_a_refusal(api, status,
                                                                           caplog):
    api.fail_with(status)
    with caplog.at_level(logging.DEBUG, logger="bot.shop.http_shop"):
        with pytest.raises(ShopUnavailable) as raised:
            HttpShop(api.url, token=api.token).get_order("10023")
    assert (raised.value.call, raised.value.status) == ("GET /orders/{order_id}", str(status))
    warnings = [r for r in caplog.records if r.levelno >= logging.INFO]
    assert [r.getMessage() for r in warnings] == \
        [f"shop API call GET /orders/{{order_id}} failed: {status}"]
    assert warnings[0].exc_info is None and "10023" not in caplog.text


def test_a_timeout_is_unavailable_and_logged_without_a_traceback_at_info(caplog):
    import socket

    with socket.socket() as silent:  # accepts the connection, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        with caplog.at_level(logging.INFO, logger="bot.shop.http_shop"):
            with pytest.raises(ShopUnavailable) as raised:
                HttpShop(url, timeout=0.3).cancel_order("10021")
    assert raised.value.status == "timeout"
    assert caplog.text.count("shop API call POST /orders/{order_id}/cancel failed: timeout") == 1
    assert "Traceback" not in caplog.text


def test_a_refusal_is_still_a_plain_shop_error(client):
    with pytest.raises(ShopError) as raised:
        client.cancel_order("10023")
    assert not isinstance(raised.value, ShopUnavailable)


def test_the_start_up_check_names_what_is_wrong(api):
    from bot.shop.health import check_http_shop

    good = check_http_shop(HttpShop(api.url, token=api.token), api.url)
    assert good.ok and "contract 1.1, token accepted, 12 products" in good.line
    refused = check_http_shop(HttpShop(api.url, token="wrong"), api.url)
    assert not refused.ok and "refused the token (401)" in refused.line
    assert "SHOP_API_TOKEN" in refused.line
    down = check_http_shop(HttpShop("http://127.0.0.1:9", timeout=0.5), "http://127.0.0.1:9")
    assert not down.ok and "not answering" in down.line
    api.fail_with(500)
    assert "not answering (500)" in check_http_shop(HttpShop(api.url, token=api.token),
                                                    api.url).line


def test_the_start_up_check_refuses_another_contract(shop):
    from bot.shop.health import check_http_shop

    with FakeShopApi(shop, contract="2.0") as api:
        health = check_http_shop(HttpShop(api.url, token=api.token), api.url)
    assert not health.ok and "speaks contract 2.0, this assistant 1.1" in health.line
