"""The evaluation report: precision, recall and F1 per label and language, a confusion matrix
picture, the wrong predictions, and the comparison with the committed baseline figures."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

from bot.settings import PROJECT_ROOT
from bot.tools.eval_results import Report

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


def headline(report: Report) -> Dict[str, Dict[str, float]]:
    """Intent and FAQ-key accuracy per language (what the baseline guards)."""
    figures = {}
    for language in sorted({e.language for e, _ in report.rows}) + ["all"]:
        sub = Report([r for r in report.rows if language == "all" or r[0].language == language],
                     report.faq_threshold)
        figures[language] = {"intent_accuracy": round(sub.intent_accuracy, 4),
                             "faq_accuracy": round(sub.faq_accuracy, 4)}
    return figures


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
                 margin: float = MARGIN) -> Tuple[Path, List[str]]:
    """Write ``report.md`` with the charts; return its path and the regressions found."""
    out_dir.mkdir(parents=True, exist_ok=True)
    table = scores(report)
    current = headline(report)
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
