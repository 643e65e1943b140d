"""Suggestions from the purchase history of the seeded customers."""

from bot.shop.recommend import recommend


def names(products):
    return [p.name for p in products]


def test_suggestions_go_with_what_was_bought_and_skip_what_was_bought(orders):
    # Anna bought a merino t-shirt most recently, before that rain jackets, boots and socks:
    # gloves go with jackets, boots and base layers; a fleece with base layers and jackets.
    picks = orders.recommendations("C-1001")
    assert names(picks) == ["Gloves", "Fleece hoodie", "Hiking pants"]
    bought = {line.product_name for o in orders.shop.orders_for_customer("C-1001")
              for line in o.lines}
    assert not bought & set(names(picks))


def test_out_of_stock_products_are_never_suggested(orders):
    for customer in ("C-1001", "C-1002", "C-1003", "C-1004", "C-1005", "C-1006"):
        assert "Beanie" not in names(orders.recommendations(customer, limit=10))


def test_cancelled_orders_do_not_count_and_no_history_means_no_suggestion(orders):
    catalogue = orders.shop.all_products()
    history = orders.shop.orders_for_customer("C-1002")
    cancelled = [o for o in history if o.status.value == "cancelled"]
    assert recommend(cancelled, catalogue) == []
    assert recommend([], catalogue) == []


def test_likely_order_depends_on_the_task(orders):
    assert orders.likely_order("C-1001", "order_status").order_id == "10021"
    assert orders.likely_order("C-1001", "return_item").order_id == "10024"
    assert orders.likely_order("C-1002", "refund_status").order_id in {"10026", "10027"}
