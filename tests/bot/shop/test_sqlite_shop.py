from bot.shop import OrderState, SQLiteShop
from bot.shop.seed import demo_orders
from tests.conftest import NOW


def test_seed_has_orders_in_every_state(shop):
    states = {shop.get_order(o.order_id).status for o in demo_orders(NOW)}
    assert states == set(OrderState)


def test_shipped_orders_have_carrier_and_tracking(shop):
    order = shop.get_order("10023")
    assert order.carrier == "Posti" and order.tracking_url.startswith("https://")
    assert order.expected_delivery > NOW.date()


def test_changes_survive_a_restart(tmp_path, shop):
    shop.cancel_order("10021")
    reopened = SQLiteShop(tmp_path / "shop.db")
    assert reopened.get_order("10021").status == OrderState.CANCELLED
    assert not reopened.is_empty()


def test_sql_looking_input_is_just_data(shop):
    assert shop.get_order("10023' OR '1'='1") is None
    assert shop.search_products("'; DROP TABLE orders; --") == []
    assert shop.get_order("10023") is not None
