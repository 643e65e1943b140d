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
