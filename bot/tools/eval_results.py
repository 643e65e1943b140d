"""What an evaluation found: the examples, the model's predictions and the figures behind
the accuracy tables (shared by the evaluation, its report and the benchmarks): accuracy, the
off-topic rate and the calibration of the intent confidence."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from bot.text.fallback_rule import FallbackRule

DECLINED = {"out_of_scope", "nlu_fallback"}


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # intent, or faq/<key>
    language: str

    @property
    def intent(self) -> str:
        return self.label.split("/", 1)[0]


@dataclass(frozen=True)
class Prediction:
    intent: Optional[str]
    confidence: float
    faq_key: Optional[str] = None
    faq_confidence: float = 0.0
    language: Optional[str] = None
    # The intent classifier's own best guess and confidence, before the FallbackClassifier
    # replaces a low one with nlu_fallback (the same as intent / confidence otherwise).
    top_intent: Optional[str] = None
    top_confidence: float = 0.0

    @property
    def classifier_intent(self) -> Optional[str]:
        return self.top_intent if self.top_intent is not None else self.intent

    @property
    def classifier_confidence(self) -> float:
        return self.top_confidence if self.top_intent is not None else self.confidence


@dataclass
class Report:
    """Counts behind the accuracy figures."""

    rows: List[Tuple[Example, Prediction]] = field(default_factory=list)
    faq_threshold: float = 0.0

    @staticmethod
    def intent_ok(example: Example, prediction: Prediction) -> bool:
        if example.intent == "out_of_scope":
            return prediction.intent in DECLINED
        return prediction.intent == example.intent

    @staticmethod
    def faq_ok(example: Example, prediction: Prediction) -> bool:
        return prediction.intent == "faq" and f"faq/{prediction.faq_key}" == example.label

    @property
    def intent_accuracy(self) -> float:
        return share(self.intent_ok(e, p) for e, p in self.rows)

    @property
    def faq_accuracy(self) -> float:
        return share(self.faq_ok(e, p) for e, p in self.rows if e.intent == "faq")

    @property
    def faq_answered_accuracy(self) -> float:
        """Share of FAQ questions answered directly and correctly (selector above threshold)."""
        return share(self.faq_ok(e, p) and p.faq_confidence >= self.faq_threshold
                      for e, p in self.rows if e.intent == "faq")

    @property
    def wrong_faq_answers(self) -> int:
        """Questions that would get a confident but wrong FAQ answer (the costly error)."""
        return sum(1 for e, p in self.rows if p.intent == "faq"
                   and p.faq_confidence >= self.faq_threshold and not self.faq_ok(e, p))

    def per_label(self) -> Dict[str, Tuple[int, int]]:
        counts: Dict[str, List[int]] = defaultdict(lambda: [0, 0])
        for example, prediction in self.rows:
            ok = self.faq_ok(example, prediction) if example.intent == "faq" else \
                self.intent_ok(example, prediction)
            counts[example.label][0] += int(ok)
            counts[example.label][1] += 1
        return {label: (c[0], c[1]) for label, c in sorted(counts.items())}

    def confusions(self, top: int = 15) -> List[Tuple[str, str, int]]:
        pairs: Counter = Counter()
        for example, prediction in self.rows:
            got = f"faq/{prediction.faq_key}" if prediction.intent == "faq" else prediction.intent
            ok = self.faq_ok(example, prediction) if example.intent == "faq" else \
                self.intent_ok(example, prediction)
            if not ok:
                pairs[(example.label, str(got))] += 1
        return [(a, b, n) for (a, b), n in pairs.most_common(top)]


def share(values) -> float:
    """The share of true values (0 for none)."""
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def shop_answered(prediction: Prediction, faq_threshold: float) -> bool:
    """Whether the shopper would see a shop answer or action for this prediction.

    Declined are ``out_of_scope`` and ``nlu_fallback`` (intent confidence below the
    FallbackClassifier's threshold), and an FAQ whose chosen answer is less sure than
    ``faq_threshold``: actions/faq.py then offers "did you mean" or a person instead of an answer.
    """
    if prediction.intent is None or prediction.intent in DECLINED:
        return False
    return prediction.intent != "faq" or prediction.faq_confidence >= faq_threshold


def off_topic_rate(predictions: Iterable[Prediction], faq_threshold: float) -> float:
    """The share of off-topic messages that would get a shop answer or action."""
    return share(shop_answered(p, faq_threshold) for p in predictions)


def absorbing_labels(predictions: Iterable[Prediction], faq_threshold: float) -> Counter:
    """What the off-topic messages that got a shop answer were taken for (intent or faq/<key>)."""
    return Counter(f"faq/{p.faq_key}" if p.intent == "faq" else str(p.intent)
                   for p in predictions if shop_answered(p, faq_threshold))


def intent_right(example: Example, prediction: Prediction) -> bool:
    """Whether the intent classifier's own best guess is the example's intent (``faq`` for any
    FAQ key, ``out_of_scope`` for an off-topic message): what its confidence claims."""
    return prediction.classifier_intent == example.intent


def confidence_pairs(rows: Iterable[Tuple[Example, Prediction]]) -> List[Tuple[float, bool]]:
    """(intent confidence, classifier right) per message: what calibration is measured on."""
    return [(p.classifier_confidence, intent_right(e, p)) for e, p in rows]


def faq_confidence_pairs(rows: Iterable[Tuple[Example, Prediction]]) -> List[Tuple[float, bool]]:
    """(FAQ answer confidence, answer right) per FAQ question: the answer selector's
    calibration, which decides whether an answer is given."""
    return [(p.faq_confidence, f"faq/{p.faq_key}" == e.label) for e, p in rows
            if e.intent == "faq" and p.faq_key is not None]


@dataclass(frozen=True)
class CalibrationBin:
    """Messages whose confidence lies in ``[low, high)`` (the last bin includes 1)."""

    low: float
    high: float
    count: int
    confidence: float  # mean confidence in the bin
    accuracy: float  # share right in the bin


def calibration_bins(pairs: Iterable[Tuple[float, bool]], bins: int = 10) -> List[CalibrationBin]:
    """(confidence, right) pairs in ``bins`` equal-width confidence bins; empty bins included."""
    grouped: List[List[Tuple[float, bool]]] = [[] for _ in range(bins)]
    for confidence, right in pairs:
        index = min(max(int(confidence * bins), 0), bins - 1)
        grouped[index].append((confidence, right))
    return [CalibrationBin(i / bins, (i + 1) / bins, len(group),
                           sum(c for c, _ in group) / len(group) if group else 0.0,
                           share(r for _, r in group))
            for i, group in enumerate(grouped)]


def expected_calibration_error(pairs: Iterable[Tuple[float, bool]], bins: int = 10) -> float:
    """ECE: the count-weighted mean gap between confidence and accuracy over ``bins``
    equal-width bins; 0 when the confidence is the probability of being right."""
    table = calibration_bins(pairs, bins)
    total = sum(b.count for b in table)
    return sum(b.count * abs(b.accuracy - b.confidence) for b in table) / total if total else 0.0


@dataclass
class HeldOut:
    """Training examples each scored by a model trained without it (k-fold cross-validation):
    what a fallback threshold or temperature is chosen on, never the evaluation sets."""

    examples: List[Example]
    labels: List[str]  # the classifier's classes (intents and faq/<key>): the columns below
    log_probabilities: np.ndarray  # log softmax at ``temperature``, one row per example
    temperature: float
    detected: List[Optional[str]]  # the detected language, which picks the temperature
    faq_keys: List[Optional[str]]
    faq_confidences: List[float]
    #: The FAQ selector's keys, and its log softmax at ``faq_temperature`` over them for each
    #: example (the columns), when kept: what its temperatures are calibrated on.
    faq_labels: List[str] = field(default_factory=list)
    faq_log_probabilities: Optional[np.ndarray] = None
    faq_temperature: float = 0.0


def held_out_predictions(held: HeldOut, temperature: float,
                         language_temperatures: Mapping[str, float],
                         fallback: Union[float, FallbackRule]) -> List[Prediction]:
    """What the pipeline would predict for the held-out examples with these settings: the
    classifier's softmax at the message's temperature, its faq/<key> classes summed into
    ``faq``, then ``nlu_fallback`` where the fallback rule says so (a number: the plain
    threshold)."""
    rule = fallback if isinstance(fallback, FallbackRule) else FallbackRule(float(fallback))
    temperatures = np.array([language_temperatures.get(language or "", temperature)
                             for language in held.detected])
    probabilities = _rescaled(held.log_probabilities, temperatures, held.temperature)
    intents = sorted({label.split("/", 1)[0] for label in held.labels})
    columns = np.array([intents.index(label.split("/", 1)[0]) for label in held.labels])
    summed = np.zeros((len(held.examples), len(intents)))
    np.add.at(summed.T, columns, probabilities.T)
    predictions = []
    for row, language, key, faq_confidence in zip(summed, held.detected, held.faq_keys,
                                                  held.faq_confidences):
        ranking = [(intents[i], float(row[i])) for i in np.argsort(-row, kind="stable")[:2]]
        top, confidence = ranking[0]
        declined = rule.falls_back(ranking)
        predictions.append(Prediction("nlu_fallback" if declined else top,
                                      rule.threshold if declined else confidence, key,
                                      faq_confidence, language, top, confidence))
    return predictions


def held_out_figures(examples: Sequence[Example], predictions: Sequence[Prediction],
                     faq_threshold: float) -> Dict[str, Dict[str, float]]:
    """Per language and ``all``: accuracy on the in-scope examples (a fallback counts as
    wrong), the off-topic rate of the ``out_of_scope`` examples and the calibration error."""
    figures = {}
    for language in sorted({e.language for e in examples}) + ["all"]:
        rows = [(e, p) for e, p in zip(examples, predictions)
                if language == "all" or e.language == language]
        figures[language] = {
            "in_scope_accuracy": share(p.intent == e.intent for e, p in rows
                                       if e.intent != "out_of_scope"),
            "off_topic_rate": off_topic_rate((p for e, p in rows if e.intent == "out_of_scope"),
                                             faq_threshold),
            "ece": expected_calibration_error(confidence_pairs(rows)),
        }
    return figures


def _detected_group(language: Optional[str]) -> str:
    return language or "*"


def calibrated_temperatures(held: HeldOut, candidates: Sequence[float]
                            ) -> Dict[str, Tuple[float, float]]:
    """Per detected language (``*``: messages whose language is not detected), the candidate
    softmax temperature whose held-out intent confidences are best calibrated (lowest ECE),
    with that ECE.

    The temperature applies to the language the pipeline detects, so the examples are grouped
    by it; calibrated in each language, one fallback threshold means the same chance of being
    right in every language.
    """
    groups: Dict[str, List[int]] = defaultdict(list)
    for index, language in enumerate(held.detected):
        groups[_detected_group(language)].append(index)
    best: Dict[str, Tuple[float, float]] = {}
    for temperature in candidates:
        predictions = held_out_predictions(held, temperature, {}, 0.0)
        for group, indices in groups.items():
            error = expected_calibration_error(confidence_pairs(
                (held.examples[i], predictions[i]) for i in indices))
            if group not in best or error < best[group][1] - 1e-9:
                best[group] = (temperature, error)
    return best


def _rescaled(log_probabilities: np.ndarray, temperatures: np.ndarray,
              measured_at: float) -> np.ndarray:
    """softmax(scores * t) per row from log softmax(scores * T): scale by t / T, normalise."""
    scaled = log_probabilities * (temperatures / measured_at)[:, None]
    scaled -= scaled.max(axis=1, keepdims=True)
    probabilities = np.exp(scaled)
    return probabilities / probabilities.sum(axis=1, keepdims=True)


def calibrated_faq_temperatures(held: HeldOut, candidates: Sequence[float]
                                ) -> Dict[str, Tuple[float, float]]:
    """Per detected language (``*``: not detected), the FAQ selector's temperature whose
    held-out answer confidences on the FAQ questions are best calibrated (lowest ECE), with
    that ECE; {} when the held-out FAQ scores were not kept."""
    if held.faq_log_probabilities is None or not held.faq_labels:
        return {}
    rows = [i for i, e in enumerate(held.examples) if e.intent == "faq"]
    groups: Dict[str, List[int]] = defaultdict(list)
    for position, index in enumerate(rows):
        groups[_detected_group(held.detected[index])].append(position)
    scores = held.faq_log_probabilities[rows]
    labels = [f"faq/{key}" for key in held.faq_labels]
    best: Dict[str, Tuple[float, float]] = {}
    for temperature in candidates:
        probabilities = _rescaled(scores, np.full(len(rows), temperature),
                                  held.faq_temperature)
        top = probabilities.argmax(axis=1)
        for group, positions in groups.items():
            pairs = [(float(probabilities[p, top[p]]),
                      labels[top[p]] == held.examples[rows[p]].label) for p in positions]
            error = expected_calibration_error(pairs)
            if group not in best or error < best[group][1] - 1e-9:
                best[group] = (temperature, error)
    return best


def with_faq_temperatures(held: HeldOut, temperature: float,
                          language_temperatures: Mapping[str, float]) -> HeldOut:
    """The held-out scores with the FAQ answers and confidences the selector gives at these
    temperatures (per detected language, ``temperature`` for the others)."""
    if held.faq_log_probabilities is None or not held.faq_labels:
        return held
    temperatures = np.array([language_temperatures.get(language or "", temperature)
                             for language in held.detected])
    probabilities = _rescaled(held.faq_log_probabilities, temperatures, held.faq_temperature)
    top = probabilities.argmax(axis=1)
    return replace(held, faq_keys=[held.faq_labels[i] for i in top],
                   faq_confidences=[float(probabilities[row, i]) for row, i in enumerate(top)])
