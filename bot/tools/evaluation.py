"""``make eval``: intent and FAQ-key accuracy of the trained model on the evaluation sets.

The evaluation examples in ``tests/nlu_eval/<language>.yml`` are written separately from the
training data and never copied into it. An out-of-scope example counts as right when the bot
declines it (``out_of_scope`` or ``nlu_fallback``): what matters is that no shop answer is given.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from bot.settings import PROJECT_ROOT
from bot.text.nlu_data import read_file
from bot.text.normalise import fingerprint
from bot.tools.eval_results import DECLINED, Example, Prediction, Report, share  # noqa: F401

EVAL_DIR = PROJECT_ROOT / "tests" / "nlu_eval"
TRAINING_DIR = PROJECT_ROOT / "data" / "nlu"
def load_examples(paths: Sequence[Path]) -> List[Example]:
    """Read NLU YAML files; the language is the file name (``en.yml``)."""
    return [Example(e.text, e.label, e.language)
            for path in paths for e in read_file(path, path.stem)]


def seen_in_training(examples: Sequence[Example],
                     training_dir: Path = TRAINING_DIR) -> List[Example]:
    """The evaluation examples whose fingerprint is also a training example's: they measure
    memory, not understanding, so the evaluation sets must have none."""
    seen = {fingerprint(example.text)
            for example in load_examples(sorted(training_dir.rglob("*.yml")))}
    return [example for example in examples if fingerprint(example.text) in seen]


def prediction_from_parse(result: dict) -> Prediction:
    """Read intent and FAQ selection out of a Rasa parse result."""
    intent = result.get("intent") or {}
    selectors = result.get("response_selector") or {}
    # The project's selector is scoped to the `faq` retrieval intent; Rasa's default pipeline
    # has one unscoped selector, reported under "default".
    selector = (selectors.get("faq") or selectors.get("default") or {}).get("response") or {}
    key = selector.get("intent_response_key") or ""
    return Prediction(intent.get("name"), float(intent.get("confidence") or 0.0),
                      key.split("/", 1)[1] if "/" in key else None,
                      float(selector.get("confidence") or 0.0),
                      (result.get("language") or {}).get("name"))


def parse_texts(model: Path, texts: Sequence[str]) -> List[dict]:
    """Rasa's parse of every text with a trained model, in this process."""
    from rasa.core.agent import Agent

    from bot.runtime.log_privacy import quiet

    quiet()
    agent = Agent.load(str(model))

    async def parse_all() -> List[dict]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(parse_all())


def evaluate_model(model: Path, examples: Sequence[Example], threshold: float) -> Report:
    """Parse every example with the trained model."""
    results = parse_texts(model, [example.text for example in examples])
    return Report(list(zip(examples, map(prediction_from_parse, results))), threshold)


def print_report(report: Report, title: str) -> None:
    print(f"\n## {title}\n")
    languages = sorted({e.language for e, _ in report.rows})
    print("| language | examples | intent accuracy | FAQ-key accuracy | FAQ answered directly |"
          " confident wrong FAQ answers |")
    print("|---|---|---|---|---|---|")
    for language in languages + (["all"] if len(languages) > 1 else []):
        rows = [r for r in report.rows if language == "all" or r[0].language == language]
        sub = Report(rows, report.faq_threshold)
        print(f"| {language} | {len(rows)} | {sub.intent_accuracy:.3f} | {sub.faq_accuracy:.3f}"
              f" | {sub.faq_answered_accuracy:.3f} | {sub.wrong_faq_answers} |")
    print("\nPer intent / FAQ key (right / total):")
    for label, (right, total) in report.per_label().items():
        flag = "" if right / total >= 0.9 else "   <--"
        print(f"  {label:32s} {right:3d} / {total:3d}{flag}")
    print("\nMost frequent confusions (expected -> predicted: count):")
    for expected, got, count in report.confusions():
        print(f"  {expected} -> {got}: {count}")


def print_language_detection(report: Report) -> None:
    """Per-message language detection, all messages and short ones (three words or fewer)."""
    from bot.text.language import detect

    print("\n## Language detection per message\n")
    print("A message counts as right when its detected language is the language it was written"
          " in; messages without letters (order numbers, emails) are left out.\n")
    print("| language | messages | pipeline | short (<= 3 words) | lingua alone | lingua alone,"
          " short |")
    print("|---|---|---|---|---|---|")
    for language in sorted({e.language for e, _ in report.rows}) + ["all"]:
        rows = [(e, p) for e, p in report.rows if (language == "all" or e.language == language)
                and p.language is not None]
        short = [(e, p) for e, p in rows if len(e.text.split()) <= 3]
        plain = [detect(e.text).language == e.language for e, _ in rows]
        plain_short = [detect(e.text).language == e.language for e, _ in short]
        right = share(p.language == e.language for e, p in rows)
        print(f"| {language} | {len(rows)} | {right:.3f}"
              f" | {share(p.language == e.language for e, p in short):.3f} ({len(short)})"
              f" | {share(plain):.3f} | {share(plain_short):.3f} |")


def print_confusions_per_language(report: Report) -> None:
    print("\nMost frequent confusions per language (expected -> predicted: count):")
    for language in sorted({e.language for e, _ in report.rows}):
        sub = Report([r for r in report.rows if r[0].language == language], report.faq_threshold)
        top = ", ".join(f"{a} -> {b}: {n}" for a, b, n in sub.confusions(5))
        print(f"  [{language}] {top or 'none'}")


def main(argv: Optional[List[str]] = None) -> int:
    from bot.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=PROJECT_ROOT / "models" / "current.tar.gz")
    parser.add_argument("--show-wrong", type=int, default=25)
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "results" / "eval")
    parser.add_argument("--write-baseline", action="store_true",
                        help="store these figures as the new baseline"
                             " (tests/nlu_eval/baseline.json)")
    parser.add_argument("--overlap", action="store_true",
                        help="only list the evaluation examples that are also training examples")
    args = parser.parse_args(argv)
    examples = load_examples(sorted(EVAL_DIR.glob("*.yml")))
    copies = seen_in_training(examples)
    if args.overlap or copies:
        # Accuracy on examples the model was trained on would overstate it: no figures then.
        print(f"{len(copies)} evaluation examples are also in the training data (data/nlu)")
        for example in copies:
            print(f"  [{example.language}] {example.label}: {example.text}")
        return 1 if copies else 0
    threshold = load_settings().faq_confidence_threshold
    report = evaluate_model(args.model, examples, threshold)
    print_report(report, f"NLU evaluation of {args.model.name} on {len(examples)} examples")
    print_confusions_per_language(report)
    print_language_detection(report)
    wrong = [(e, p) for e, p in report.rows
             if not (report.faq_ok(e, p) if e.intent == "faq" else report.intent_ok(e, p))]
    print(f"\nWrong predictions (first {args.show_wrong} of {len(wrong)}):")
    for example, prediction in wrong[: args.show_wrong]:
        got = f"faq/{prediction.faq_key}" if prediction.intent == "faq" else prediction.intent
        print(f"  [{example.language}] {example.text!r}: expected {example.label}, got {got}"
              f" ({prediction.confidence:.2f})")
    from bot.tools.eval_report import BASELINE, headline, write_report

    path, dropped = write_report(report, args.out)
    print(f"\nReport with charts: {path}")
    if args.write_baseline:
        BASELINE.write_text(json.dumps(headline(report), indent=2) + "\n")
        print(f"Baseline written to {BASELINE}")
    english = Report([r for r in report.rows if r[0].language == "en"], threshold)
    ok = english.intent_accuracy >= 0.92 and english.faq_accuracy >= 0.92
    print(f"\nEnglish intent and FAQ-key accuracy >= 0.92: {'met' if ok else 'NOT met'}")
    for language in sorted({e.language for e, _ in report.rows}):
        sub = Report([r for r in report.rows if r[0].language == language], threshold)
        met = sub.intent_accuracy >= 0.90 and sub.faq_accuracy >= 0.90
        print(f"[{language}] intent and FAQ-key accuracy >= 0.90: {'met' if met else 'NOT met'}")
    if dropped:
        print("\nAccuracy dropped against the baseline:\n  " + "\n  ".join(dropped))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
