import pytest

from bot.payment import classify_payment_problem


@pytest.mark.parametrize("text, kind", [
    ("i was charged twice!!", "double_charge"),
    ("double charge on my card for order 10023", "double_charge"),
    ("my card got declined at checkout", "declined"),
    ("payment failed 3 times", "declined"),
    ("money was taken but no order confirmation", "charged_no_order"),
    ("question about klarna", "other"),
])
def test_payment_problems_are_recognised(text, kind):
    assert classify_payment_problem(text) == kind
