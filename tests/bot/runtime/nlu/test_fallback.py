"""The fallback: an unsure message falls back, unless the classifier is only torn between two of
the shop's own intents."""

from rasa.shared.nlu.training_data.message import Message

from bot.runtime.nlu.fallback import ShopFallbackClassifier


def classified(*ranking):
    message = Message.build(text="a message")
    names = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set("intent", dict(names[0]))
    message.set("intent_ranking", [dict(n) for n in names])
    return message


def intent_after(ranking, threshold=0.5, pair_threshold=0.6):
    fallback = ShopFallbackClassifier({**ShopFallbackClassifier.get_default_config(),
                                       "threshold": threshold, "ambiguity_threshold": 0.0,
                                       "pair_threshold": pair_threshold})
    message = classified(*ranking)
    fallback.process([message])
    return message.get("intent")["name"], message.get("intent")["confidence"]


def test_a_sure_message_keeps_its_intent():
    assert intent_after([("order_status", 0.9), ("faq", 0.05)]) == ("order_status", 0.9)


def test_a_message_torn_between_two_shop_intents_keeps_the_likelier():
    assert intent_after([("cancel_order", 0.42), ("change_order", 0.3), ("greet", 0.1)]) == (
        "cancel_order", 0.42)


def test_a_message_spread_over_many_intents_falls_back():
    ranking = [("product_info", 0.3), ("faq", 0.2), ("complaint", 0.15), ("greet", 0.1)]
    assert intent_after(ranking) == ("nlu_fallback", 0.5)


def test_out_of_scope_among_the_two_best_means_fall_back():
    assert intent_after([("product_info", 0.45), ("out_of_scope", 0.4)])[0] == "nlu_fallback"
    assert intent_after([("out_of_scope", 0.45), ("product_info", 0.4)])[0] == "nlu_fallback"


def test_without_a_pair_threshold_it_is_rasas_fallback():
    ranking = [("cancel_order", 0.49), ("change_order", 0.49)]
    default = ShopFallbackClassifier.get_default_config()["pair_threshold"]
    assert intent_after(ranking, pair_threshold=default)[0] == "nlu_fallback"


def test_a_message_without_a_ranking_falls_back_below_the_threshold():
    message = Message.build(text="?")
    message.set("intent", {"name": "greet", "confidence": 0.2})
    ShopFallbackClassifier(ShopFallbackClassifier.get_default_config()).process([message])
    assert message.get("intent")["name"] == "nlu_fallback"
