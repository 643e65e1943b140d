"""Order numbers in the shop's own format (shop_profile.order_number_pattern)."""

import pytest

from bot.shop import (
    OrderNumberFormat,
    current_order_number_format,
    normalise_order_number,
    use_order_number_format,
)

SEVEN_DIGITS = OrderNumberFormat(r"\d{7}", "4410078")


@pytest.mark.parametrize("text, expected", [
    ("4410078", "4410078"), ("#4410078", "4410078"), ("order 4410078.", "4410078"),
    ("tilaus 4410078:n tila", "4410078"), ("10023", None), ("44100781", None),
    ("sam4410078@example.org", None), ("", None), (None, None),
])
def test_a_seven_digit_shop(text, expected):
    assert SEVEN_DIGITS.normalise(text) == expected


def test_letters_in_either_case_come_back_in_the_examples_case():
    prefixed = OrderNumberFormat(r"NW-\d{6}", "NW-100234")
    assert prefixed.normalise("is nw-100234 on its way?") == "NW-100234"
    assert prefixed.find("NW-100234 and NW-100235") == [(0, 9, "NW-100234"),
                                                        (14, 23, "NW-100235")]


def test_the_process_format_is_the_settings_one_and_the_demo_one_until_then():
    before = current_order_number_format()
    assert normalise_order_number("4410078") is None  # the demo's 5 or 6 digits
    use_order_number_format(SEVEN_DIGITS)
    try:
        assert normalise_order_number("order #4410078") == "4410078"
        assert normalise_order_number("10023") is None
    finally:
        use_order_number_format(before)
