"""The evaluation sets measure understanding: none of their examples is a training example.
The off-topic rate and the calibration error are computed as documented."""

import numpy as np
import pytest

from bot.text.fallback_rule import PAIR_OFF, FallbackRule
from bot.text.normalise import fingerprint
from bot.tools.eval_results import (
    Example,
    HeldOut,
    Prediction,
    calibration_bins,
    confidence_pairs,
    expected_calibration_error,
    held_out_figures,
    held_out_predictions,
    off_topic_rate,
    shop_answered,
)
from bot.tools.evaluation import (
    EVAL_DIR,
    OFF_TOPIC_DIR,
    fallback_rule,
    fallback_threshold,
    load_examples,
    prediction_from_parse,
    seen_in_training,
)


def test_fingerprint_ignores_markup_case_diacritics_punctuation_and_numbers():
    assert fingerprint("Tilaus [#10457](order_number) MYÖHÄSSÄ!!") == fingerprint(
        "tilaus 55023 myohassa")
    assert fingerprint("where is my order") != fingerprint("where is my refund")


def test_a_copied_example_is_found(tmp_path):
    (tmp_path / "orders.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: order_status\n  examples: |\n'
        "    - Where is order [10023](order_number)?\n", encoding="utf-8")
    copied = Example("where is order 99881", "order_status", "en")
    fresh = Example("parcel still not here, tracking stuck", "order_status", "en")
    assert seen_in_training([copied, fresh], tmp_path) == [copied]


def test_no_evaluation_example_is_in_the_training_data():
    copies = seen_in_training(load_examples(sorted(EVAL_DIR.glob("*.yml")))
                              + load_examples(sorted(OFF_TOPIC_DIR.glob("*.yml"))))
    assert [(e.language, e.label, e.text) for e in copies] == []


def test_the_off_topic_sets_hold_off_topic_messages_in_every_language():
    examples = load_examples(sorted(OFF_TOPIC_DIR.glob("*.yml")))
    assert {e.language for e in examples} == {"en", "fi", "id", "nb", "tr", "uk"}
    assert {e.label for e in examples} == {"out_of_scope"}


def test_declined_messages_are_not_shop_answers():
    assert not shop_answered(Prediction("out_of_scope", 0.9), 0.6)
    assert not shop_answered(Prediction("nlu_fallback", 0.45), 0.6)
    assert not shop_answered(Prediction(None, 0.0), 0.6)
    # An FAQ whose answer is unsure gets "did you mean" or a person, not an answer.
    assert not shop_answered(Prediction("faq", 0.9, "invoice", 0.59), 0.6)
    assert shop_answered(Prediction("faq", 0.9, "invoice", 0.6), 0.6)
    assert shop_answered(Prediction("order_status", 0.5), 0.6)
    assert shop_answered(Prediction("greet", 0.99), 0.6)


def test_off_topic_rate_is_the_share_given_a_shop_answer():
    predictions = [Prediction("out_of_scope", 0.9), Prediction("nlu_fallback", 0.45),
                   Prediction("faq", 0.8, "invoice", 0.3), Prediction("faq", 0.8, "invoice", 0.9),
                   Prediction("bot_challenge", 0.95)]
    assert off_topic_rate(predictions, 0.6) == pytest.approx(2 / 5)
    assert off_topic_rate([], 0.6) == 0.0


def test_the_classifier_guess_behind_a_fallback_is_kept():
    parse = {"intent": {"name": "nlu_fallback", "confidence": 0.45},
             "intent_ranking": [{"name": "nlu_fallback", "confidence": 0.45},
                                {"name": "order_status", "confidence": 0.31},
                                {"name": "faq", "confidence": 0.2}]}
    prediction = prediction_from_parse(parse)
    assert prediction.intent == "nlu_fallback"
    assert (prediction.classifier_intent, prediction.classifier_confidence) == \
        ("order_status", pytest.approx(0.31))
    plain = prediction_from_parse({"intent": {"name": "greet", "confidence": 0.8}})
    assert (plain.classifier_intent, plain.classifier_confidence) == ("greet", 0.8)


def test_calibration_is_measured_on_the_classifiers_guess():
    rows = [(Example("kissa", "out_of_scope", "fi"), Prediction("nlu_fallback", 0.45, top_intent=
             "out_of_scope", top_confidence=0.4)),
            (Example("palautus", "faq/return_policy", "fi"), Prediction("faq", 0.9, "warranty")),
            (Example("hei", "greet", "fi"), Prediction("thank", 0.7))]
    assert confidence_pairs(rows) == [(0.4, True), (0.9, True), (0.7, False)]


def test_a_calibrated_confidence_has_no_calibration_error():
    # In the 0.7-0.8 bin 3 of 4 are right at 0.75; in the 0.9-1.0 bin 9 of 10 at 0.9.
    pairs = [(0.75, True)] * 3 + [(0.75, False)] + [(0.9, True)] * 9 + [(0.9, False)]
    assert expected_calibration_error(pairs) == pytest.approx(0.0)


def test_calibration_error_weighs_each_bins_gap_by_its_share():
    # 0.95 confident and always wrong (gap 0.95, 2 of 4), 0.15 confident and always right
    # (gap 0.85, 2 of 4).
    pairs = [(0.95, False), (0.95, False), (0.15, True), (0.15, True)]
    assert expected_calibration_error(pairs) == pytest.approx((0.95 + 0.85) / 2)
    assert expected_calibration_error([]) == 0.0


def test_calibration_bins_are_ten_equal_widths_with_one_in_the_last():
    bins = calibration_bins([(0.0, True), (0.7, False), (0.99, True), (1.0, True)])
    assert len(bins) == 10 and [b.count for b in bins] == [1, 0, 0, 0, 0, 0, 0, 1, 0, 2]
    assert (bins[7].low, bins[7].high, bins[7].accuracy) == (0.7, 0.8, 0.0)
    assert bins[9].confidence == pytest.approx(0.995) and bins[9].accuracy == 1.0


def test_the_fallback_threshold_is_read_from_the_config(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: WhitespaceTokenizer\n"
                      "  - name: FallbackClassifier\n    threshold: 0.55\n")
    assert fallback_threshold(config) == 0.55
    config.write_text("pipeline:\n  - name: WhitespaceTokenizer\n")
    assert fallback_threshold(config) is None


def test_the_projects_fallback_component_and_its_pair_threshold_are_read(tmp_path):
    config = tmp_path / "config.yml"
    config.write_text("pipeline:\n  - name: bot.runtime.nlu.fallback.ShopFallbackClassifier\n"
                      "    threshold: 0.8\n    pair_threshold: 0.6\n")
    assert fallback_rule(config) == FallbackRule(0.8, 0.6)
    config.write_text("pipeline:\n  - name: FallbackClassifier\n    threshold: 0.5\n")
    assert fallback_rule(config) == FallbackRule(0.5, PAIR_OFF)


def held_out(scores, detected):
    """Held-out examples whose classifier scores were ``scores`` (softmax at temperature 8)."""
    labels = ["faq/invoice", "faq/warranty", "order_status", "out_of_scope"]
    scaled = np.array(scores, dtype=float) * 8.0
    log_probabilities = scaled - np.log(np.exp(scaled).sum(axis=1, keepdims=True))
    examples = [Example(f"message {i}", label, language) for i, (label, language) in
                enumerate(zip(["order_status", "out_of_scope", "out_of_scope"], detected))]
    return HeldOut(examples, labels, log_probabilities, 8.0, list(detected),
                   ["invoice"] * len(scores), [0.9, 0.9, 0.3])


def test_held_out_predictions_follow_the_temperature_and_the_threshold():
    held = held_out([[0.1, 0.0, 1.0, 0.2], [0.6, 0.5, 0.0, 0.0], [0.6, 0.5, 0.0, 0.0]],
                    ["fi", "fi", "en"])
    sure = held_out_predictions(held, 8.0, {}, 0.45)
    assert sure[0].intent == "order_status"
    assert sure[0].confidence == pytest.approx(np.exp(8.0) / np.exp(
        8.0 * np.array([0.1, 0.0, 1.0, 0.2])).sum())
    # faq/invoice and faq/warranty count together as faq.
    assert sure[1].intent == "faq" and sure[1].faq_key == "invoice"
    # A softer softmax for Finnish sends the FAQ guess below the threshold, not the English one.
    soft = held_out_predictions(held, 8.0, {"fi": 1.0}, 0.7)
    assert (soft[1].intent, soft[1].classifier_intent) == ("nlu_fallback", "faq")
    assert soft[1].classifier_confidence == pytest.approx(
        (np.exp(0.6) + np.exp(0.5)) / (np.exp(0.6) + np.exp(0.5) + 2))
    assert soft[2].intent == "faq"


def test_held_out_predictions_keep_a_message_torn_between_two_shop_intents():
    # order_status 0.46 beside faq 0.42: below the threshold, but both are the shop's.
    held = held_out([[0.5, 0.0, 0.7, 0.0], [0.0, 0.0, 0.6, 0.5], [0.0, 0.0, 0.6, 0.5]],
                    ["en", "en", "en"])
    plain = held_out_predictions(held, 8.0, {"en": 2.0}, 0.8)
    paired = held_out_predictions(held, 8.0, {"en": 2.0}, FallbackRule(0.8, 0.6))
    assert plain[0].intent == "nlu_fallback" and paired[0].intent == "order_status"
    # out_of_scope second: still a fallback.
    assert paired[1].intent == "nlu_fallback" and paired[1].classifier_intent == "order_status"


def test_held_out_figures_count_in_scope_accuracy_and_off_topic_rate():
    held = held_out([[0.1, 0.0, 1.0, 0.2], [0.6, 0.5, 0.0, 0.0], [0.6, 0.5, 0.0, 0.0]],
                    ["fi", "fi", "fi"])
    figures = held_out_figures(held.examples, held_out_predictions(held, 8.0, {}, 0.45), 0.6)
    assert figures["fi"]["in_scope_accuracy"] == 1.0
    # One off-topic message gets the confident FAQ answer, the other an unsure one (0.3).
    assert figures["fi"]["off_topic_rate"] == 0.5
    assert set(figures) == {"fi", "all"}


def _tiny_project(tmp_path):
    """A config.yml with embeddings and lemmas, and 40 training examples in two languages."""
    (tmp_path / "config.yml").write_text(
        "pipeline:\n"
        "  - name: bot.runtime.nlu.classifier.ShopIntentClassifier\n"
        "    embedding_weight: 1.0\n"
        "    lemma_languages: [en]\n"
        "  - name: bot.runtime.nlu.response_selector.ShopResponseSelector\n"
        "    embedding_weight: 1.0\n")
    data = tmp_path / "nlu"
    data.mkdir()
    blocks = {"order_status": ["where is my order", "track my parcel", "order status",
                               "has my order shipped", "when does my parcel come"],
              "faq/return_policy": ["how do returns work", "return policy", "can i return it",
                                    "days to return", "returning an item"],
              "faq/shipping_cost": ["shipping cost", "how much is delivery", "postage price",
                                    "is shipping free", "delivery fee"],
              "out_of_scope": ["what is the weather", "tell me a joke", "who won the match",
                               "set an alarm", "play some music"]}
    finnish = {"order_status": ["missä tilaukseni on", "seuraa pakettia", "tilauksen tila",
                                "onko tilaus lähetetty", "milloin paketti tulee"],
               "faq/return_policy": ["miten palautus toimii", "palautusehdot",
                                     "voinko palauttaa", "montako päivää palautukseen",
                                     "tuotteen palauttaminen"],
               "faq/shipping_cost": ["toimituskulut", "paljonko toimitus maksaa", "postikulut",
                                     "onko toimitus ilmainen", "toimitusmaksu"],
               "out_of_scope": ["millainen sää on", "kerro vitsi", "kuka voitti ottelun",
                                "aseta herätys", "soita musiikkia"]}
    (data / "fi").mkdir()
    for path, content in ((data / "en.yml", blocks), (data / "fi" / "fi.yml", finnish)):
        path.write_text('version: "3.1"\nnlu:\n' + "".join(
            f"- intent: {label}\n  examples: |\n" + "".join(f"    - {t}\n" for t in texts)
            for label, texts in content.items()))
    return tmp_path / "config.yml", data


def test_cross_validation_scores_every_training_example_with_embeddings_and_lemmas(
        tmp_path, capsys):
    from bot.tools.evaluation import cross_validate, print_cross_validation

    config, data = _tiny_project(tmp_path)
    held = cross_validate(folds=5, config=config, training_dir=data)
    assert len(held.examples) == 40 and held.log_probabilities.shape == (40, 4)
    assert all(key in {"return_policy", "shipping_cost"} for key in held.faq_keys)
    best = [held.labels[int(row.argmax())] for row in held.log_probabilities]
    assert sum(b == e.label for b, e in zip(best, held.examples)) >= 28
    # The FAQ selector's scores are kept over its keys, for calibrating its temperatures.
    assert held.faq_labels == ["return_policy", "shipping_cost"]
    assert held.faq_log_probabilities.shape == (40, 2)
    assert [held.faq_labels[int(row.argmax())] for row in held.faq_log_probabilities] == \
        held.faq_keys
    # What the settings are chosen on: calibrated temperatures, then one threshold.
    print_cross_validation(held, config, 0.6)
    printed = capsys.readouterr().out
    assert "## FAQ answers: calibrated temperatures" in printed
    assert "## Calibrated temperatures" in printed
    assert "Chosen: threshold" in printed or "No threshold keeps" in printed


def _overconfident(language, count, right_share, margin):
    """``count`` held-out examples in ``language`` whose classifier says order_status with a
    fixed margin of ``margin`` over the other labels, right for ``right_share`` of them."""
    right = int(count * right_share)
    labels = ["order_status"] * right + ["out_of_scope"] * (count - right)
    return [Example(f"{language} {i}", label, language) for i, label in enumerate(labels)]


def test_calibrated_temperatures_match_confidence_to_accuracy_per_language():
    """The Finnish classifier is right 60 % of the time with the same scores with which the
    English one is right 95 %: calibrated, Finnish gets the softer temperature, and each
    language's confidence comes near its accuracy."""
    from bot.tools.eval_results import calibrated_temperatures

    examples = _overconfident("fi", 100, 0.6, 1.0) + _overconfident("en", 100, 0.95, 1.0)
    labels = ["faq/invoice", "order_status", "out_of_scope"]
    scores = np.tile([0.0, 1.0, 0.0], (200, 1)) * 8.0
    log_probabilities = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    detected = [e.language for e in examples]
    held = HeldOut(examples, labels, log_probabilities, 8.0, detected, ["invoice"] * 200,
                   [0.5] * 200)
    candidates = [0.5 * i for i in range(1, 21)]
    chosen = calibrated_temperatures(held, candidates)
    assert chosen["fi"][0] < chosen["en"][0]
    for language, accuracy in (("fi", 0.6), ("en", 0.95)):
        prediction = held_out_predictions(held, 8.0, {language: chosen[language][0]}, 0.0)
        confidence = next(p.confidence for p, e in zip(prediction, examples)
                          if e.language == language)
        assert confidence == pytest.approx(accuracy, abs=0.05)
        assert chosen[language][1] < 0.05


def test_faq_temperatures_are_calibrated_on_the_faq_questions():
    from bot.tools.eval_results import calibrated_faq_temperatures, with_faq_temperatures

    # Two FAQ keys; the selector prefers the first with the same margin for every question,
    # and is right for 70 % of them.
    examples = [Example(f"q{i}", "faq/invoice" if i < 70 else "faq/warranty", "nb")
                for i in range(100)]
    examples.append(Example("where is my order", "order_status", "nb"))  # not an FAQ question
    scores = np.tile([1.0, 0.0], (101, 1)) * 6.0
    faq_log = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    held = HeldOut(examples, ["faq/invoice", "faq/warranty", "order_status"],
                   np.zeros((101, 3)), 8.0, ["nb"] * 101, ["invoice"] * 101, [0.99] * 101,
                   ["invoice", "warranty"], faq_log, 6.0)
    chosen = calibrated_faq_temperatures(held, [0.25 * i for i in range(1, 41)])
    temperature, error = chosen["nb"]
    assert error < 0.05
    rescored = with_faq_temperatures(held, 6.0, {"nb": temperature})
    assert rescored.faq_keys[0] == "invoice"
    assert rescored.faq_confidences[0] == pytest.approx(0.7, abs=0.05)
    # Without kept FAQ scores there is nothing to calibrate.
    assert calibrated_faq_temperatures(held_out([[0.1, 0.0, 1.0, 0.2]], ["fi"]), [1.0]) == {}


def test_the_embedding_weight_is_chosen_on_held_out_examples_with_calibrated_settings(
        tmp_path, capsys, monkeypatch):
    from bot.tools import evaluation

    config, data = _tiny_project(tmp_path)
    monkeypatch.setattr(evaluation, "TRAINING_DIR", data)
    weights = []
    real = evaluation.cross_validate

    def recorded(folds, config, training_dir=data, embedding_weight=None):
        weights.append(embedding_weight)
        return real(folds, config, training_dir, embedding_weight)

    monkeypatch.setattr(evaluation, "cross_validate", recorded)
    evaluation.print_weight_choice([0.0, 2.0], 5, config, 0.6)
    printed = capsys.readouterr().out
    # The configured weight (1) is always among those compared: it is the reference.
    assert sorted(weights) == [0.0, 1.0, 2.0]
    rows = [line for line in printed.splitlines() if line.startswith("| ")]
    assert {row.split(" | ")[0] for row in rows[2:]} == {"| 0", "| 1", "| 2"}
    assert "Chosen: weight" in printed or "No weight and threshold" in printed
    if "Chosen: weight" in printed:
        assert "intent temperatures: " in printed and "FAQ temperatures: " in printed
