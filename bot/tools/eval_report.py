"""The evaluation report: precision, recall and F1 per label and language, a confusion matrix
picture, the wrong predictions, the comparison with the committed baseline figures, the off-topic
rate and the calibration of the intent confidence with a reliability diagram per language."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bot.settings import PROJECT_ROOT
from bot.tools.eval_results import (
    Report,
    absorbing_labels,
    calibration_bins,
    confidence_pairs,
    expected_calibration_error,
    faq_confidence_pairs,
    off_topic_rate,
    shop_answered,
)

BASELINE = PROJECT_ROOT / "tests" / "nlu_eval" / "baseline.json"
MARGIN = 0.02


def _label(report: Report, example, prediction) -> str:
    if example.intent == "out_of_scope" and prediction.intent in ("out_of_scope", "nlu_fallback"):
        return "out_of_scope"
    if prediction.intent == "faq":
        return f"faq/{prediction.faq_key}"
    return str(prediction.intent)


def scores(report: Report) -> Dict[str, Dict[str, Dict[str, float]]]:
    """``{language: {label: {precision, recall, f1, support}}}`` plus ``all``."""
    result: Dict[str, Dict[str, Dict[str, float]]] = {}
    languages = sorted({e.language for e, _ in report.rows}) + ["all"]
    for language in languages:
        rows = [(e, p) for e, p in report.rows if language == "all" or e.language == language]
        tp: Dict[str, int] = defaultdict(int)
        fp: Dict[str, int] = defaultdict(int)
        fn: Dict[str, int] = defaultdict(int)
        for example, prediction in rows:
            got = _label(report, example, prediction)
            if got == example.label:
                tp[got] += 1
            else:
                fp[got] += 1
                fn[example.label] += 1
        table = {}
        for label in sorted({e.label for e, _ in rows}):
            precision = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
            recall = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            table[label] = {"precision": round(precision, 3), "recall": round(recall, 3),
                            "f1": round(f1, 3), "support": tp[label] + fn[label]}
        result[language] = table
    return result


def _language(report: Report, language: str) -> Report:
    return Report([r for r in report.rows if language == "all" or r[0].language == language],
                  report.faq_threshold)


def headline(report: Report, off_topic: Optional[Report] = None) -> Dict[str, Dict[str, float]]:
    """Intent and FAQ-key accuracy per language, and with the off-topic set the share of its
    messages declined (what the baseline guards: higher is better for each)."""
    figures = {}
    for language in sorted({e.language for e, _ in report.rows}) + ["all"]:
        sub = _language(report, language)
        figures[language] = {"intent_accuracy": round(sub.intent_accuracy, 4),
                             "faq_accuracy": round(sub.faq_accuracy, 4)}
        if off_topic is not None and off_topic.rows:
            rate = off_topic_rate((p for _, p in _language(off_topic, language).rows),
                                  off_topic.faq_threshold)
            figures[language]["off_topic_declined"] = round(1.0 - rate, 4)
    return figures


def scope_figures(report: Report, off_topic: Report) -> Dict[str, Dict[str, float]]:
    """Per language (and ``all``): in-scope intent and FAQ-key accuracy, the off-topic rate
    (share of off-topic messages given a shop answer or action) and the expected calibration
    error (10 bins) of the intent confidence over both sets and over the in-scope set alone."""
    figures = {}
    for language in sorted({e.language for e, _ in report.rows + off_topic.rows}) + ["all"]:
        sub, off = _language(report, language), _language(off_topic, language)
        figures[language] = {
            "intent_accuracy": sub.intent_accuracy, "faq_accuracy": sub.faq_accuracy,
            "off_topic_messages": len(off.rows),
            "off_topic_rate": off_topic_rate((p for _, p in off.rows), off.faq_threshold),
            "ece": expected_calibration_error(confidence_pairs(sub.rows + off.rows)),
            "ece_in_scope": expected_calibration_error(confidence_pairs(sub.rows)),
            "faq_ece": expected_calibration_error(faq_confidence_pairs(sub.rows)),
        }
    return figures


def scope_table(figures: Dict[str, Dict[str, float]],
                baseline: Dict[str, Dict[str, float]]) -> List[str]:
    """The figures of :func:`scope_figures` beside the baseline's intent accuracy, as Markdown."""
    lines = ["| language | intent accuracy | baseline | change | FAQ-key accuracy |"
             " off-topic messages | off-topic rate | ECE | ECE in-scope set | FAQ answer ECE |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for language, f in figures.items():
        old = baseline.get(language, {}).get("intent_accuracy")
        before, change = ("-", "-") if old is None else \
            (f"{old:.3f}", f"{f['intent_accuracy'] - old:+.3f}")
        lines.append(f"| {language} | {f['intent_accuracy']:.3f} | {before} | {change} |"
                     f" {f['faq_accuracy']:.3f} | {f['off_topic_messages']} |"
                     f" {f['off_topic_rate']:.3f} | {f['ece']:.3f} | {f['ece_in_scope']:.3f} |"
                     f" {f.get('faq_ece', 0.0):.3f} |")
    return lines


def absorbed(off_topic: Report, top: int = 6) -> List[str]:
    """Per language, the intents and FAQ keys that off-topic messages were answered as."""
    lines = []
    for language in sorted({e.language for e, _ in off_topic.rows}):
        counts = absorbing_labels((p for _, p in _language(off_topic, language).rows),
                                  off_topic.faq_threshold)
        found = ", ".join(f"{label}: {n}" for label, n in counts.most_common(top))
        lines.append(f"- [{language}] {found or 'none'}")
    return lines


def reliability_png(pairs: Sequence[Tuple[float, bool]], path: Path, title: str,
                    threshold: Optional[float] = None, what: str = "intent confidence",
                    threshold_name: str = "fallback threshold") -> None:
    """A reliability diagram: accuracy against mean confidence per confidence bin, with the
    message count of each bin and the fallback threshold."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = calibration_bins(pairs)
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], color="#999999", linestyle=":", label="perfect calibration")
    filled = [b for b in table if b.count]
    ax.bar([b.low for b in filled], [b.accuracy for b in filled], width=0.1, align="edge",
           color="#2c6fbb", edgecolor="white", label="share right per bin")
    ax.plot([b.confidence for b in filled], [b.accuracy for b in filled], "o", color="#d9822b",
            markersize=4, label="mean confidence, share right")
    for b in filled:
        ax.text(b.low + 0.05, min(b.accuracy, 0.9) + 0.02, str(b.count), ha="center", fontsize=7)
    if threshold is not None:
        ax.axvline(threshold, color="#c0392b", linestyle="--", linewidth=1,
                   label=f"{threshold_name} {threshold:.2f}")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(what)
    ax.set_ylabel("share right")
    ax.set_title(f"{title}, ECE {expected_calibration_error(pairs):.3f}", fontsize=9)
    ax.legend(loc="upper left", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def regressions(current: Dict[str, Dict[str, float]], baseline: Dict[str, Dict[str, float]],
                margin: float = MARGIN) -> List[str]:
    """Figures that dropped by more than ``margin`` against the baseline."""
    found = []
    for language, figures in baseline.items():
        for name, old in figures.items():
            new = current.get(language, {}).get(name)
            if new is None:
                found.append(f"{language} {name}: missing (baseline {old:.3f})")
            elif new < old - margin:
                found.append(f"{language} {name}: {new:.3f} < baseline {old:.3f} - {margin}")
    return found


def confusion_png(report: Report, path: Path) -> None:
    """A confusion matrix of expected vs predicted label (all languages)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    labels = sorted({e.label for e, _ in report.rows})
    index = {label: i for i, label in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels) + 1))
    for example, prediction in report.rows:
        got = _label(report, example, prediction)
        matrix[index[example.label], index.get(got, len(labels))] += 1
    matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(14, 12))
    ax.imshow(matrix, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(labels) + 1), labels + ["other"], rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title("Confusion matrix (share of each expected label)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def f1_png(table: Dict[str, Dict[str, Dict[str, float]]], path: Path) -> None:
    """Macro F1 per language."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    languages = [lang for lang in table if lang != "all"]
    macro = [sum(v["f1"] for v in table[lang].values()) / max(len(table[lang]), 1)
             for lang in languages]
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(languages, macro, color="#2c6fbb")
    ax.set_ylim(0, 1)
    ax.set_ylabel("macro F1")
    ax.set_title("Macro F1 per language")
    for x, value in enumerate(macro):
        ax.text(x, value + 0.01, f"{value:.2f}", ha="center", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def write_report(report: Report, out_dir: Path, baseline_path: Path = BASELINE,
                 margin: float = MARGIN, off_topic: Optional[Report] = None,
                 threshold: Optional[float] = None) -> Tuple[Path, List[str]]:
    """Write ``report.md`` with the charts; return its path and the regressions found.

    With ``off_topic`` (the off-topic set's report) it adds the off-topic rate, the calibration
    figures and a reliability diagram per language (``threshold``: the fallback threshold).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    table = scores(report)
    current = headline(report, off_topic)
    baseline = json.loads(baseline_path.read_text()) if baseline_path.exists() else {}
    dropped = regressions(current, baseline, margin) if baseline else []
    confusion_png(report, out_dir / "confusion.png")
    f1_png(table, out_dir / "f1_per_language.png")
    lines = ["# NLU evaluation report", "",
             "| language | intent accuracy | FAQ-key accuracy | baseline intent | baseline FAQ |",
             "|---|---|---|---|---|"]
    for language, figures in current.items():
        base = baseline.get(language, {})
        lines.append(f"| {language} | {figures['intent_accuracy']:.3f} |"
                     f" {figures['faq_accuracy']:.3f} | {base.get('intent_accuracy', '-')} |"
                     f" {base.get('faq_accuracy', '-')} |")
    lines += ["", f"Regressions beyond {margin}: " + ("; ".join(dropped) if dropped else "none"),
              "", "![F1 per language](f1_per_language.png)", "",
              "![Confusion matrix](confusion.png)", ""]
    if off_topic is not None:
        lines += _scope_section(report, off_topic, baseline, out_dir, threshold)
    for language, labels in table.items():
        lines += [f"## {language}", "", "| label | precision | recall | F1 | support |",
                  "|---|---|---|---|---|"]
        lines += [f"| {label} | {v['precision']:.2f} | {v['recall']:.2f} | {v['f1']:.2f} |"
                  f" {v['support']} |" for label, v in labels.items()]
        lines.append("")
    lines += ["## Wrong predictions", ""]
    for example, prediction in report.rows:
        got = _label(report, example, prediction)
        if got != example.label:
            lines.append(f"- [{example.language}] {example.text!r}: expected {example.label},"
                         f" got {got} ({prediction.confidence:.2f})")
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, dropped


def _scope_section(report: Report, off_topic: Report, baseline: Dict[str, Dict[str, float]],
                   out_dir: Path, threshold: Optional[float]) -> List[str]:
    """The off-topic rate and calibration part of ``report.md``, with its diagrams."""
    lines = ["## Off-topic messages and calibration", "",
             "Off-topic rate: the share of `tests/nlu_eval/off_topic` messages that would get a"
             " shop answer or action (not `out_of_scope`, not `nlu_fallback`, not an FAQ below"
             " the answer threshold). ECE: expected calibration error (10 bins) of the intent"
             " classifier's confidence, right meaning its best intent is the expected one"
             " (`out_of_scope` for off-topic messages), over both sets and over the in-scope"
             " set alone; FAQ answer ECE: the same for the FAQ answer's confidence over the FAQ"
             " questions.", ""]
    lines += scope_table(scope_figures(report, off_topic), baseline)
    lines += ["", "Off-topic messages given a shop answer, taken for:", ""]
    lines += absorbed(off_topic)
    lines.append("")
    for language in sorted({e.language for e, _ in report.rows + off_topic.rows}):
        rows = _language(report, language).rows + _language(off_topic, language).rows
        name = f"reliability_{language}.png"
        reliability_png(confidence_pairs(rows), out_dir / name, f"Intent confidence ({language})",
                        threshold)
        lines.append(f"![Reliability diagram ({language})]({name})")
    lines += ["", "FAQ answers: the answer selector's confidence against its answer being the"
              " expected one, over the FAQ questions of the in-scope set; answers below the"
              " answer threshold are not given.", ""]
    for language in sorted({e.language for e, _ in report.rows}):
        name = f"reliability_faq_{language}.png"
        reliability_png(faq_confidence_pairs(_language(report, language).rows), out_dir / name,
                        f"FAQ answer confidence ({language})", report.faq_threshold,
                        "FAQ answer confidence", "answer threshold")
        lines.append(f"![FAQ reliability diagram ({language})]({name})")
    lines += ["", "### Off-topic messages given a shop answer", ""]
    for example, prediction in off_topic.rows:
        if shop_answered(prediction, off_topic.faq_threshold):
            got = f"faq/{prediction.faq_key} (intent {prediction.confidence:.2f}, answer" \
                f" {prediction.faq_confidence:.2f})" if prediction.intent == "faq" else \
                f"{prediction.intent} ({prediction.confidence:.2f})"
            lines.append(f"- [{example.language}] {example.text!r}: {got}")
    return lines + [""]
