"""The evaluation sets measure understanding: none of their examples is a training example."""

from bot.text.normalise import fingerprint
from bot.tools.eval_results import Example
from bot.tools.evaluation import EVAL_DIR, load_examples, seen_in_training


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
    copies = seen_in_training(load_examples(sorted(EVAL_DIR.glob("*.yml"))))
    assert [(e.language, e.label, e.text) for e in copies] == []
