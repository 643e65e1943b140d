"""The fallback rule: below the threshold a message falls back, unless its two best intents are
both the shop's and together sure enough."""

from bot.text.fallback_rule import PAIR_OFF, FallbackRule

RULE = FallbackRule(threshold=0.8, pair_threshold=0.6)


def test_a_sure_intent_is_kept():
    assert not RULE.falls_back([("order_status", 0.85), ("faq", 0.1)])


def test_two_shop_intents_sure_together_keep_the_likelier():
    assert not RULE.falls_back([("order_status", 0.4), ("faq", 0.25)])


def test_confidence_spread_over_many_intents_falls_back():
    assert RULE.falls_back([("order_status", 0.3), ("faq", 0.2), ("greet", 0.2)])


def test_out_of_scope_among_the_best_two_falls_back_below_the_threshold():
    assert RULE.falls_back([("product_info", 0.7), ("out_of_scope", 0.2)])
    assert RULE.falls_back([("out_of_scope", 0.5), ("product_info", 0.4)])
    assert not RULE.falls_back([("product_info", 0.81), ("out_of_scope", 0.19)])


def test_without_the_pair_threshold_only_the_threshold_counts():
    plain = FallbackRule(threshold=0.5, pair_threshold=PAIR_OFF)
    assert plain.falls_back([("cancel_order", 0.49), ("change_order", 0.49)])
    assert not plain.falls_back([("cancel_order", 0.5), ("change_order", 0.1)])


def test_an_empty_ranking_falls_back():
    assert RULE.falls_back([])
    assert RULE.falls_back([("greet", 0.7)])


def test_reports_name_the_pair_threshold_or_none():
    assert RULE.pair_label == "0.6"
    assert FallbackRule(0.5).pair_label == "none"
