import json

from bot.tools.eval_report import headline, regressions, write_report
from bot.tools.eval_results import Example, Prediction, Report


def report(wrong: int) -> Report:
    rows = []
    for i in range(10):
        ok = i >= wrong
        rows.append((Example(f"where is order {i}", "order_status", "fi"),
                     Prediction("order_status" if ok else "cancel_order", 0.9)))
        rows.append((Example(f"return policy {i}", "faq/return_policy", "fi"),
                     Prediction("faq", 0.9, "return_policy", 0.9)))
    return Report(rows, 0.6)


def test_report_is_written_with_charts(tmp_path):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(headline(report(1))))
    path, dropped = write_report(report(1), tmp_path / "out", baseline)
    assert dropped == []
    text = path.read_text()
    assert "| order_status | 1.00 | 0.90 |" in text and "Wrong predictions" in text
    assert (tmp_path / "out" / "confusion.png").stat().st_size > 1000
    assert (tmp_path / "out" / "f1_per_language.png").exists()


def test_a_planted_regression_is_caught(tmp_path):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(headline(report(0))))
    _, dropped = write_report(report(3), tmp_path / "out", baseline)
    assert any("fi intent_accuracy" in d for d in dropped)
    assert regressions({"fi": {"intent_accuracy": 0.99}}, {"fi": {"intent_accuracy": 1.0}}) == []


def test_off_topic_rate_and_calibration_are_reported_per_language(tmp_path):
    off_topic = Report([(Example(f"set a timer {i}", "out_of_scope", "fi"),
                         Prediction("nlu_fallback" if i < 8 else "order_status", 0.9))
                        for i in range(10)], 0.6)
    path, _ = write_report(report(1), tmp_path / "out", tmp_path / "none.json",
                           off_topic=off_topic, threshold=0.45)
    text = path.read_text()
    assert "| fi | 0.950 | - | - | 1.000 | 10 | 0.200 |" in text
    assert "- [fi] order_status: 2" in text and "'set a timer 9': order_status" in text
    assert (tmp_path / "out" / "reliability_fi.png").stat().st_size > 1000
    assert "![Reliability diagram (fi)](reliability_fi.png)" in text
    # FAQ answers: all ten right at 0.9, so 0.1 off; with its own diagram.
    row = text.split("| fi | 0.950 | - | - | 1.000 | 10 | 0.200 |", 1)[1].split("\n", 1)[0]
    assert row.endswith("| 0.100 |")
    assert (tmp_path / "out" / "reliability_faq_fi.png").stat().st_size > 1000
    assert "![FAQ reliability diagram (fi)](reliability_faq_fi.png)" in text
    assert headline(report(0), off_topic)["fi"]["off_topic_declined"] == 0.8
