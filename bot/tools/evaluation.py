"""``make eval``: intent and FAQ-key accuracy of the trained model on the evaluation sets, the
off-topic rate and the calibration of the intent confidence.

The evaluation examples in ``tests/nlu_eval/<language>.yml`` are written separately from the
training data and never copied into it. An out-of-scope example counts as right when the bot
declines it (``out_of_scope`` or ``nlu_fallback``): what matters is that no shop answer is given.
``tests/nlu_eval/off_topic/<language>.yml`` holds off-topic messages only; their off-topic rate
is the share that would get a shop answer or action (an FAQ answer only above the FAQ threshold).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import yaml

from bot.settings import PROJECT_ROOT
from bot.text.fallback_rule import PAIR_OFF, FallbackRule
from bot.text.nlu_data import read_file
from bot.text.normalise import fingerprint
from bot.tools.eval_results import (  # noqa: F401
    DECLINED,
    Example,
    HeldOut,
    Prediction,
    Report,
    calibrated_faq_temperatures,
    calibrated_temperatures,
    expected_calibration_error,
    faq_confidence_pairs,
    held_out_figures,
    held_out_predictions,
    share,
    with_faq_temperatures,
)

EVAL_DIR = PROJECT_ROOT / "tests" / "nlu_eval"
OFF_TOPIC_DIR = EVAL_DIR / "off_topic"
TRAINING_DIR = PROJECT_ROOT / "data" / "nlu"
CONFIG = PROJECT_ROOT / "config.yml"
#: The most off-topic messages per language that may get a shop answer.
OFF_TOPIC_TARGET = 0.10
#: How far a threshold or temperature may lower the cross-validated in-scope accuracy.
MAX_IN_SCOPE_DROP = 0.01
#: The candidates of the cross-validated choices.
FALLBACK_THRESHOLDS = [round(0.3 + 0.05 * i, 2) for i in range(14)]
#: The pair thresholds tried with them (bot/text/fallback_rule.py); PAIR_OFF is the plain threshold.
PAIR_THRESHOLDS = [PAIR_OFF] + [round(0.3 + 0.05 * i, 2) for i in range(11)]
INTENT_TEMPERATURES = [4.0 + 0.25 * i for i in range(41)]
FAQ_TEMPERATURES = [2.0 + 0.25 * i for i in range(41)]
CLASSIFIER = "bot.runtime.nlu.classifier.ShopIntentClassifier"
SELECTOR = "bot.runtime.nlu.response_selector.ShopResponseSelector"
FALLBACK = "bot.runtime.nlu.fallback.ShopFallbackClassifier"


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


def pipeline_component(name: str, config: Path = CONFIG) -> Optional[Dict[str, Any]]:
    """A component's settings in a Rasa config file (None when it is not in the pipeline)."""
    pipeline = (yaml.safe_load(config.read_text(encoding="utf-8")) or {}).get("pipeline") or []
    return next((component for component in pipeline if component.get("name") == name), None)


def fallback_component(config: Path = CONFIG) -> Optional[Dict[str, Any]]:
    """The fallback component's settings: the project's (bot/runtime/nlu/fallback.py) or
    Rasa's FallbackClassifier (None without either)."""
    return pipeline_component(FALLBACK, config) or pipeline_component("FallbackClassifier", config)


def fallback_threshold(config: Path = CONFIG) -> Optional[float]:
    """The fallback component's threshold in a Rasa config file (None without one)."""
    component = fallback_component(config)
    # 0.3 is Rasa's default.
    return None if component is None else float(component.get("threshold", 0.3))


def fallback_rule(config: Path = CONFIG) -> FallbackRule:
    """The fallback rule in a Rasa config file (threshold 0 without a fallback component)."""
    component = fallback_component(config) or {}
    return FallbackRule(fallback_threshold(config) or 0.0,
                        float(component.get("pair_threshold", PAIR_OFF)))


def prediction_from_parse(result: dict) -> Prediction:
    """Read intent and FAQ selection out of a Rasa parse result."""
    intent = result.get("intent") or {}
    # The FallbackClassifier puts nlu_fallback first; the classifier's own guess follows it.
    top = next((entry for entry in result.get("intent_ranking") or []
                if entry.get("name") != "nlu_fallback"), intent)
    selectors = result.get("response_selector") or {}
    # The project's selector is scoped to the `faq` retrieval intent; Rasa's default pipeline
    # has one unscoped selector, reported under "default".
    selector = (selectors.get("faq") or selectors.get("default") or {}).get("response") or {}
    key = selector.get("intent_response_key") or ""
    return Prediction(intent.get("name"), float(intent.get("confidence") or 0.0),
                      key.split("/", 1)[1] if "/" in key else None,
                      float(selector.get("confidence") or 0.0),
                      (result.get("language") or {}).get("name"),
                      top.get("name"), float(top.get("confidence") or 0.0))


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


def evaluate_sets(model: Path, sets: Sequence[Sequence[Example]],
                  threshold: float) -> List[Report]:
    """One report per evaluation set, parsed with one load of the model."""
    everything = evaluate_model(model, [e for examples in sets for e in examples], threshold)
    reports, start = [], 0
    for examples in sets:
        reports.append(Report(everything.rows[start:start + len(examples)], threshold))
        start += len(examples)
    return reports


def cross_validate(folds: int = 5, config: Path = CONFIG,
                   training_dir: Path = TRAINING_DIR,
                   embedding_weight: Optional[float] = None) -> HeldOut:
    """Score every training example with the project's intent classifier and FAQ selector,
    as configured in ``config`` (``embedding_weight``: that weight of the sentence embeddings
    in both instead), trained on the other folds (stratified by language and label); language
    detection is trained on the same folds."""
    from sklearn.model_selection import StratifiedKFold

    from bot.text.classifier_model import TextClassifierModel, TextModelConfig
    from bot.text.language import LanguageModel, detect
    from bot.text.nlu_data import read_examples

    examples = [Example(e.text, e.label, e.language) for e in read_examples(training_dir)
                if e.text.strip()]
    intent_config = TextModelConfig.from_component(pipeline_component(CLASSIFIER, config) or {})
    faq_config = TextModelConfig.from_component(pipeline_component(SELECTOR, config) or {})
    if embedding_weight is not None:
        intent_config = replace(intent_config, embedding_weight=embedding_weight)
        faq_config = replace(faq_config, embedding_weight=embedding_weight)
    texts = [e.text for e in examples]
    vectors: Dict[str, Any] = {}
    if intent_config.embedding_weight > 0 or faq_config.embedding_weight > 0:
        vectors = _embeddings(intent_config, texts)
    labels = sorted({e.label for e in examples})
    faq_labels = sorted({e.label for e in examples if e.intent == "faq"})
    log_probabilities = [None] * len(examples)
    faq_log_probabilities = [None] * len(examples)
    detected: List[Optional[str]] = [None] * len(examples)
    faq: List[tuple] = [(None, 0.0)] * len(examples)
    splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=0).split(
        texts, [f"{e.language}:{e.label}" for e in examples])
    def fit(config: TextModelConfig, chosen: List[int]) -> TextClassifierModel:
        return TextClassifierModel(config).fit(
            [texts[i] for i in chosen], [examples[i].label for i in chosen],
            np.stack([vectors[texts[i]] for i in chosen]) if vectors else None,
            [examples[i].language for i in chosen])

    for train, held in splits:
        model = fit(intent_config, list(train))
        selector = fit(faq_config, [i for i in train if examples[i].intent == "faq"])
        languages = LanguageModel().fit([texts[i] for i in train],
                                        [examples[i].language for i in train])
        for i in held:
            vector = partial(vectors.get, texts[i])
            detected[i] = detect(texts[i], languages).language
            ranking = dict(model.rank(texts[i], top=len(labels), vector=vector,
                                      language=detected[i]))
            log_probabilities[i] = [math.log(max(ranking.get(label, 0.0), 1e-300))
                                    for label in labels]
            answers = dict(selector.rank(texts[i], top=len(faq_labels), vector=vector,
                                         language=detected[i]))
            faq_log_probabilities[i] = [math.log(max(answers.get(key, 0.0), 1e-300))
                                        for key in faq_labels]
            key = max(answers, key=answers.get)
            faq[i] = (key.split("/", 1)[1], answers[key])
    return HeldOut(examples, labels, np.array(log_probabilities), intent_config.temperature,
                   detected, [k for k, _ in faq], [c for _, c in faq],
                   [key.split("/", 1)[1] for key in faq_labels],
                   np.array(faq_log_probabilities), faq_config.temperature)


#: Each encoder's embedding of every training text, computed once per process.
_EMBEDDINGS: Dict[str, Dict[str, Any]] = {}


def _embeddings(config: Any, texts: Sequence[str]) -> Dict[str, Any]:
    """text -> embedding with the configured encoder, each text embedded once per process
    (not once per fold, model or compared setting)."""
    from bot.text.classifier_model import TextClassifierModel

    known = _EMBEDDINGS.setdefault(config.encoder, {})
    missing = sorted(set(texts) - set(known))
    if missing:
        known.update(zip(missing, TextClassifierModel(config).embed(missing)))
    return known


def _cells(result: Dict[str, Dict[str, float]], languages: Sequence[str]) -> str:
    """One table row's cells: in-scope accuracy / off-topic rate / ECE per language and all."""
    return " | ".join(
        f"{result[lang]['in_scope_accuracy']:.3f} / {result[lang]['off_topic_rate']:.2f}"
        f" / {result[lang]['ece']:.3f}" for lang in list(languages) + ["all"])


def _keeps_in_scope(result: Dict[str, Dict[str, float]],
                    reference: Dict[str, Dict[str, float]], languages: Sequence[str],
                    drop: float = MAX_IN_SCOPE_DROP) -> bool:
    """Whether every language's in-scope accuracy is within ``drop`` of the reference's."""
    return all(result[lang]["in_scope_accuracy"] >= reference[lang]["in_scope_accuracy"]
               - drop - 1e-9 for lang in languages)


def _temperatures(calibrated: Dict[str, Tuple[float, float]],
                  default: float) -> Tuple[float, Dict[str, float]]:
    """Calibrated (temperature, ECE) per detected-language group as settings: the temperature
    for messages without a detected language (``*``; ``default`` when none was calibrated)
    and the one per language."""
    return (calibrated.get("*", (default, 0.0))[0],
            {group: t for group, (t, _) in calibrated.items() if group != "*"})


def calibrated_settings(held: HeldOut) -> Dict[str, Any]:
    """The held-out scores with calibrated FAQ temperatures, and the calibrated intent
    temperatures (lowest held-out ECE per detected language) with which the fallback
    threshold is then applied."""
    faq = calibrated_faq_temperatures(held, FAQ_TEMPERATURES)
    if faq:
        held = with_faq_temperatures(held, *_temperatures(faq, held.faq_temperature))
    intent = calibrated_temperatures(held, INTENT_TEMPERATURES)
    return {"held": held, "faq": {g: t for g, (t, _) in faq.items()},
            "intent": {g: t for g, (t, _) in intent.items()}}


def print_weight_choice(weights: Sequence[float], folds: int, config: Path,
                        faq_threshold: float) -> None:
    """The sentence embeddings' weight beside the TF-IDF features, chosen on held-out training
    examples: for each weight, both models are cross-validated with it, both confidences
    calibrated (as in :func:`print_calibrated`), and each fallback threshold applied; the
    chosen (weight, threshold) has the lowest held-out off-topic rate over all languages among
    those keeping every language's held-out in-scope accuracy within MAX_IN_SCOPE_DROP of the
    settings in ``config``. Ties go to the higher in-scope accuracy."""
    classifier = pipeline_component(CLASSIFIER, config) or {}
    configured_weight = float(classifier.get("embedding_weight", 0.0))
    temperature = float(classifier.get("temperature", 8.0))
    per_language = {k: float(v) for k, v in
                    (classifier.get("language_temperatures") or {}).items()}
    rule = fallback_rule(config)
    threshold = rule.threshold
    results: Dict[float, Dict[str, Any]] = {}
    reference: Dict[str, Dict[str, float]] = {}
    for weight in sorted(set(weights) | {configured_weight}):
        held = cross_validate(folds, config, embedding_weight=weight)
        if weight == configured_weight:
            reference = held_out_figures(held.examples, held_out_predictions(
                held, temperature, per_language, rule), faq_threshold)
        settings = calibrated_settings(held)
        calibrated = settings["held"]
        base = settings["intent"].get("*", temperature)
        temps = {g: t for g, t in settings["intent"].items() if g != "*"}
        settings["thresholds"] = {
            fallback: held_out_figures(calibrated.examples, held_out_predictions(
                calibrated, base, temps, FallbackRule(fallback, rule.pair_threshold)),
                faq_threshold)
            for fallback in FALLBACK_THRESHOLDS}
        results[weight] = settings
    languages = sorted(lang for lang in reference if lang != "all")
    print(f"\n## Embedding weight (held-out, {folds} folds; reference: config.yml, weight"
          f" {configured_weight:g}, threshold {threshold})\n")
    print("Per language: held-out in-scope accuracy / off-topic rate / intent ECE, both"
          " confidences calibrated for the weight.\n")
    print("| weight | calibrated intent temperatures | threshold | "
          + " | ".join(languages + ["all"]) + " |")
    print("|---|---|---|" + "---|" * (len(languages) + 1))
    allowed = []
    for weight, settings in results.items():
        temps = ", ".join(f"{g} {t:g}" for g, t in sorted(settings["intent"].items()))
        for fallback, figures in settings["thresholds"].items():
            if not 0.35 <= fallback <= 0.6:
                continue
            print(f"| {weight:g} | {temps} | {fallback} | {_cells(figures, languages)} |")
        for fallback, figures in settings["thresholds"].items():
            if _keeps_in_scope(figures, reference, languages):
                allowed.append((round(figures["all"]["off_topic_rate"], 4),
                                -figures["all"]["in_scope_accuracy"], weight, fallback))
    if allowed:
        rate, accuracy, weight, fallback = min(allowed)
        print(f"\nChosen: weight {weight:g}, threshold {fallback} (held-out off-topic rate"
              f" {rate:.3f}, in-scope accuracy {-accuracy:.3f} over all languages; every"
              f" language's in-scope accuracy within {MAX_IN_SCOPE_DROP} of config.yml's).")
        chosen = results[weight]
        print("  intent temperatures: " + ", ".join(
            f"{g} {t:g}" for g, t in sorted(chosen["intent"].items())))
        print("  FAQ temperatures: " + ", ".join(
            f"{g} {t:g}" for g, t in sorted(chosen["faq"].items())))
    else:
        print("\nNo weight and threshold keep every language's in-scope accuracy within"
              f" {MAX_IN_SCOPE_DROP} of config.yml's.")


def print_cross_validation(held: HeldOut, config: Path, faq_threshold: float) -> None:
    """Held-out in-scope accuracy, off-topic rate and ECE per language for fallback thresholds
    and temperatures around the configured ones, and per language the setting with the lowest
    off-topic rate that keeps the in-scope accuracy within MAX_IN_SCOPE_DROP."""
    classifier = pipeline_component(CLASSIFIER, config) or {}
    temperature = float(classifier.get("temperature", held.temperature))
    per_language = {k: float(v) for k, v in (classifier.get("language_temperatures") or {}).items()}
    rule = fallback_rule(config)
    threshold = rule.threshold
    languages = sorted({e.language for e in held.examples})

    def figures(temps: Dict[str, float], fallback: float) -> Dict[str, Dict[str, float]]:
        base = temps.get("*", temperature)
        return held_out_figures(held.examples, held_out_predictions(
            held, base, temps, FallbackRule(fallback, rule.pair_threshold)), faq_threshold)

    def row(name: str, result: Dict[str, Dict[str, float]]) -> str:
        return f"| {name} | {_cells(result, languages)} |"

    current = figures(per_language, threshold)
    print(f"\n## Cross-validation on the training data ({len(held.examples)} examples)\n")
    print("Per language: held-out in-scope accuracy / off-topic rate of the held-out"
          " out_of_scope examples / ECE.\n")
    print("| setting | " + " | ".join(languages + ["all"]) + " |")
    print("|---|" + "---|" * (len(languages) + 1))
    print(row(f"configured (threshold {threshold}, pair threshold {rule.pair_label},"
              f" temperature {temperature:g},"
              f" {per_language or 'no language temperatures'})", current))
    thresholds = FALLBACK_THRESHOLDS
    for fallback in thresholds:
        print(row(f"threshold {fallback}", figures(per_language, fallback)))
    grid = {(fallback, t): figures({"*": t}, fallback) for fallback in thresholds
            for t in [4.0 + 0.5 * i for i in range(17)]}
    for t in sorted({t for _, t in grid}):
        at_threshold = grid.get((threshold, t)) or figures({"*": t}, threshold)
        print(row(f"temperature {t:g} everywhere", at_threshold))
    print(f"\nLowest off-topic rate with in-scope accuracy at most {MAX_IN_SCOPE_DROP} below"
          " the configured settings (one temperature for every language in the grid):")
    for lang in languages:
        allowed = [(f[lang]["off_topic_rate"], key) for key, f in grid.items()
                   if f[lang]["in_scope_accuracy"] >= current[lang]["in_scope_accuracy"]
                   - MAX_IN_SCOPE_DROP]
        if not allowed:
            print(f"  [{lang}] none in the grid")
            continue
        rate, (fallback, t) = min(allowed)
        print(f"  [{lang}] {current[lang]['off_topic_rate']:.3f} now; {rate:.3f} at threshold"
              f" {fallback}, temperature {t:g}")
    print_calibrated(held, current, temperature, per_language, rule, thresholds, faq_threshold)


def print_calibrated(held: HeldOut, current: Dict[str, Dict[str, float]], temperature: float,
                     per_language: Dict[str, float], rule: FallbackRule,
                     thresholds: Sequence[float], faq_threshold: float) -> None:
    """The calibrated settings: per detected language the temperature with the lowest held-out
    ECE; then the fallback rule (a threshold, and a pair threshold or none) with the lowest
    held-out off-topic rate over all languages among those that leave every language's held-out
    in-scope accuracy at least where the configured settings have it (ties: the higher in-scope
    accuracy); and the FAQ answers' held-out calibration."""
    languages = sorted({e.language for e in held.examples})
    # The FAQ answers first: an off-topic message answered by an FAQ counts when its answer's
    # confidence reaches the answer threshold, so the threshold is chosen on calibrated ones.
    held = print_calibrated_faq(held, languages)
    calibrated = calibrated_temperatures(held, INTENT_TEMPERATURES)
    print("\n## Calibrated temperatures (lowest held-out ECE per detected language)\n")
    print("| detected language | configured temperature | calibrated temperature | ECE |")
    print("|---|---|---|---|")
    for group, (t, error) in sorted(calibrated.items()):
        now = temperature if group == "*" else per_language.get(group, temperature)
        print(f"| {group} | {now:g} | {t:g} | {error:.3f} |")
    base, temps = _temperatures(calibrated, temperature)

    def figures(fallback: FallbackRule) -> Dict[str, Dict[str, float]]:
        return held_out_figures(held.examples,
                                held_out_predictions(held, base, temps, fallback), faq_threshold)

    print("\nWith the calibrated temperatures: held-out in-scope accuracy / off-topic rate /"
          " ECE per language, fallback threshold and pair threshold (bot/text/fallback_rule.py;"
          " \"none\": the threshold alone).\n")
    print("| threshold | pair threshold | " + " | ".join(languages + ["all"]) + " |")
    print("|---|---|" + "---|" * (len(languages) + 1))
    allowed = []
    for pair in PAIR_THRESHOLDS:
        for fallback in thresholds:
            result = figures(FallbackRule(fallback, pair))
            if pair == PAIR_OFF or pair == rule.pair_threshold or fallback == rule.threshold:
                print(f"| {fallback} | {FallbackRule(fallback, pair).pair_label} |"
                      f" {_cells(result, languages)} |")
            if _keeps_in_scope(result, current, languages, 0.0):
                allowed.append((round(result["all"]["off_topic_rate"], 4),
                                -result["all"]["in_scope_accuracy"], fallback, pair))
    if allowed:
        rate, accuracy, fallback, pair = min(allowed)
        print(f"\nChosen: threshold {fallback}, pair threshold"
              f" {FallbackRule(fallback, pair).pair_label} (held-out off-topic rate {rate:.3f},"
              f" in-scope accuracy {-accuracy:.3f} over all languages; no language's in-scope"
              " accuracy below the configured settings').")
        print("| chosen | " + _cells(figures(FallbackRule(fallback, pair)), languages) + " |")
    else:
        print("\nNo fallback setting keeps every language's in-scope accuracy where the"
              " configured settings have it.")


def print_calibrated_faq(held: HeldOut, languages: Sequence[str]) -> HeldOut:
    """The FAQ answers' calibration on the FAQ questions, held out: per detected language the
    selector's temperature with the lowest ECE, and the ECE per language at the configured
    and at the calibrated temperatures; the held-out scores with the calibrated FAQ answers."""
    selector = pipeline_component(SELECTOR, CONFIG) or {}
    temperature = float(selector.get("temperature", held.faq_temperature or 6.0))
    per_language = {k: float(v) for k, v in (selector.get("language_temperatures") or {}).items()}
    calibrated = calibrated_faq_temperatures(held, FAQ_TEMPERATURES)
    if not calibrated:
        return held
    print("\n## FAQ answers: calibrated temperatures (lowest held-out ECE on the FAQ questions"
          " per detected language)\n")
    print("| detected language | configured temperature | calibrated temperature | ECE |")
    print("|---|---|---|---|")
    for group, (t, error) in sorted(calibrated.items()):
        now = temperature if group == "*" else per_language.get(group, temperature)
        print(f"| {group} | {now:g} | {t:g} | {error:.3f} |")
    settings = {"configured": (temperature, per_language),
                "calibrated": _temperatures(calibrated, temperature)}
    print("\n| FAQ temperatures | " + " | ".join(languages + ["all"]) + " |")
    print("|---|" + "---|" * (len(languages) + 1))
    for name, (base, temps) in settings.items():
        scored = with_faq_temperatures(held, base, temps)
        rows = [(e, Prediction("faq", 1.0, key, confidence)) for e, key, confidence
                in zip(scored.examples, scored.faq_keys, scored.faq_confidences)]
        cells = []
        for lang in languages + ["all"]:
            pairs = faq_confidence_pairs((e, p) for e, p in rows if lang in ("all", e.language))
            right = share(r for _, r in pairs)
            cells.append(f"{right:.3f} / {expected_calibration_error(pairs):.3f}")
        print(f"| {name}: key accuracy / ECE | " + " | ".join(cells) + " |")
    base, temps = settings["calibrated"]
    return with_faq_temperatures(held, base, temps)


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


def print_scope(report: Report, off_topic: Report, rule: FallbackRule) -> None:
    """In-scope accuracy beside the baseline, the off-topic rate and the calibration error."""
    from bot.tools.eval_report import BASELINE, absorbed, scope_figures, scope_table

    baseline = json.loads(BASELINE.read_text()) if BASELINE.exists() else {}
    print("\n## Knowing what it doesn't know\n")
    print(f"Off-topic rate: share of {len(off_topic.rows)} off-topic messages that would get a"
          f" shop answer or action (target <= {OFF_TOPIC_TARGET:.2f}); fallback threshold"
          f" {rule.threshold}, pair threshold {rule.pair_label}, FAQ answer threshold"
          f" {report.faq_threshold}."
          " ECE: expected calibration error (10 bins) of the intent confidence, both sets and"
          " the in-scope set alone.\n")
    figures = scope_figures(report, off_topic)
    print("\n".join(scope_table(figures, baseline)))
    print("\nOff-topic messages given a shop answer, taken for:")
    print("\n".join(absorbed(off_topic)))
    for language, f in figures.items():
        if language != "all":
            met = f["off_topic_rate"] <= OFF_TOPIC_TARGET
            print(f"[{language}] off-topic rate <= {OFF_TOPIC_TARGET:.2f}:"
                  f" {'met' if met else 'NOT met'}")


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
    parser.add_argument("--cross-validate", type=int, metavar="FOLDS", nargs="?", const=5,
                        help="instead: k-fold cross-validation on the training data of fallback"
                             " thresholds and temperatures (what they are chosen on)")
    parser.add_argument("--embedding-weights", metavar="W,W,...",
                        help="with --cross-validate: instead, compare these weights of the"
                             " sentence embeddings (e.g. 1,2,3), each with its calibrated"
                             " temperatures and thresholds")
    args = parser.parse_args(argv)
    if args.cross_validate and args.embedding_weights:
        print_weight_choice([float(w) for w in args.embedding_weights.split(",")],
                            args.cross_validate, CONFIG,
                            load_settings().faq_confidence_threshold)
        return 0
    if args.cross_validate:
        print_cross_validation(cross_validate(args.cross_validate), CONFIG,
                               load_settings().faq_confidence_threshold)
        return 0
    examples = load_examples(sorted(EVAL_DIR.glob("*.yml")))
    off_topic_examples = load_examples(sorted(OFF_TOPIC_DIR.glob("*.yml")))
    copies = seen_in_training(examples + off_topic_examples)
    if args.overlap or copies:
        # Accuracy on examples the model was trained on would overstate it: no figures then.
        print(f"{len(copies)} evaluation examples are also in the training data (data/nlu)")
        for example in copies:
            print(f"  [{example.language}] {example.label}: {example.text}")
        return 1 if copies else 0
    threshold = load_settings().faq_confidence_threshold
    fallback = fallback_threshold()
    report, off_topic = evaluate_sets(args.model, [examples, off_topic_examples], threshold)
    print_report(report, f"NLU evaluation of {args.model.name} on {len(examples)} examples")
    print_confusions_per_language(report)
    print_language_detection(report)
    print_scope(report, off_topic, fallback_rule())
    wrong = [(e, p) for e, p in report.rows
             if not (report.faq_ok(e, p) if e.intent == "faq" else report.intent_ok(e, p))]
    print(f"\nWrong predictions (first {args.show_wrong} of {len(wrong)}):")
    for example, prediction in wrong[: args.show_wrong]:
        got = f"faq/{prediction.faq_key}" if prediction.intent == "faq" else prediction.intent
        print(f"  [{example.language}] {example.text!r}: expected {example.label}, got {got}"
              f" ({prediction.confidence:.2f})")
    from bot.tools.eval_report import BASELINE, headline, write_report

    path, dropped = write_report(report, args.out, off_topic=off_topic, threshold=fallback)
    print(f"\nReport with charts: {path}")
    if args.write_baseline:
        BASELINE.write_text(json.dumps(headline(report, off_topic), indent=2) + "\n")
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
