from bot.shop.changes import parse_line_change


def test_size_and_quantity_changes_are_understood(shop):
    single = shop.get_order("10022")  # one rain jacket, size M
    assert parse_line_change("size L instead of M", single).size == "L"
    assert parse_line_change("can i get XL", single).size == "XL"
    assert parse_line_change("make it 3", single).quantity == 3
    assert parse_line_change("two pieces please", single).quantity == 2
    assert parse_line_change("hmm", single) is None


def test_line_is_chosen_by_product_name(shop):
    two_lines = shop.get_order("10024")  # boots and socks
    change = parse_line_change("the socks should be 3 pairs", two_lines)
    assert change.sku == "NW-WS-10" and change.quantity == 3
    assert parse_line_change("size 42 please", two_lines) is None  # which item?
