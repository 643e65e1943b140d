"""Sentence encoders and spaCy lemma features, compared on the same data in one run.

``python -m bot.tools.benchmarks.encoders`` trains the project's intent classifier and FAQ
selector (``bot.text.classifier_model``, the settings of config.yml) once per variant, each with
another sentence encoder or with lemma features, and prints per language what ``make eval``
reports: in-scope intent accuracy on ``tests/nlu_eval/<language>.yml``, the off-topic rate on
``tests/nlu_eval/off_topic/<language>.yml`` and the ECE of the intent confidence; then the
training time and the time per message.

Each variant is measured twice: with the temperatures of config.yml, and with a temperature per
language chosen by k-fold cross-validation on the training data alone (the lowest held-out
off-topic rate whose held-out in-scope accuracy is at most 0.01 below that of the configuration
in config.yml). The evaluation sets are only read for the report. Nothing here touches
``models/current.tar.gz``: the models are trained in memory, the Rasa pipeline around them
(language detection, fallback threshold, FAQ answer threshold) is reproduced as
``bot.tools.evaluation`` reproduces it for cross-validation.

Embeddings are kept in ``results/encoder-cache`` between runs, keyed by the text.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from bot.settings import PROJECT_ROOT
from bot.text.fallback_rule import PAIR_OFF, FallbackRule
from bot.text.lemmas import load_lemmatiser
from bot.text.sentence_encoder import COMBINED, E5_SMALL, MINILM, USE_MULTILINGUAL, load_encoder
from bot.tools.eval_results import (
    DECLINED,
    Example,
    HeldOut,
    Prediction,
    Report,
    held_out_figures,
    held_out_predictions,
    shop_answered,
)

CACHE = PROJECT_ROOT / "results" / "encoder-cache"
TEMPERATURES = [float(t) for t in range(2, 17)]
#: Novelty thresholds tried: the least cosine similarity to an in-scope training example.
NOVELTY = [0.0] + [round(0.2 + 0.01 * i, 2) for i in range(76)]
#: Messages timed one by one for the latency column.
TIMED_MESSAGES = 150
NO_ENCODER = "none"


@dataclass(frozen=True)
class Variant:
    name: str
    encoder: str  # NO_ENCODER: TF-IDF alone
    lemma_languages: Tuple[str, ...] = ()

    @classmethod
    def parse(cls, spec: str) -> "Variant":
        """``name:encoder[:fi,tr,uk]``."""
        name, encoder, *rest = spec.split(":")
        languages = tuple(x for x in (rest[0].split(",") if rest else []) if x)
        return cls(name, encoder, languages)


DEFAULT_VARIANTS = [
    Variant("tfidf only", NO_ENCODER),
    Variant("MiniLM (now)", MINILM),
    Variant("USE-m", USE_MULTILINGUAL),
    Variant("E5", E5_SMALL),
    Variant("MiniLM+E5", f"{MINILM}{COMBINED}{E5_SMALL}"),
    Variant("MiniLM+USE-m", f"{MINILM}{COMBINED}{USE_MULTILINGUAL}"),
]


class EmbeddingCache:
    """Embeddings per encoder part, computed once per text and kept on disk."""

    def __init__(self, directory: Path = CACHE) -> None:
        self.directory = directory
        self.tables: Dict[str, Dict[str, np.ndarray]] = {}
        self.seconds_per_text: Dict[str, float] = {}

    def _table(self, part: str) -> Dict[str, np.ndarray]:
        if part not in self.tables:
            path = self.directory / f"{part}.pkl"
            self.tables[part] = pickle.loads(path.read_bytes()) if path.exists() else {}
        return self.tables[part]

    def _fill(self, part: str, texts: Sequence[str]) -> None:
        table = self._table(part)
        missing = sorted({t for t in texts if t not in table})
        if missing:
            print(f"  embedding {len(missing)} texts with {part}", file=sys.stderr, flush=True)
            vectors = load_encoder(part).embed(missing)
            table.update(zip(missing, vectors))
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / f"{part}.pkl").write_bytes(pickle.dumps(table))

    def speed(self, part: str, sample: Sequence[str]) -> float:
        """Seconds per text when a batch of training texts is embedded (measured once)."""
        if part not in self.seconds_per_text:
            encoder = load_encoder(part)
            encoder.embed(list(sample[:8]))
            start = time.perf_counter()
            encoder.embed(list(sample))
            self.seconds_per_text[part] = (time.perf_counter() - start) / len(sample)
        return self.seconds_per_text[part]

    def vectors(self, encoder: str, texts: Sequence[str]) -> np.ndarray:
        """The texts' vectors as ``load_encoder(encoder)`` would give them."""
        parts = encoder.split(COMBINED)
        blocks = []
        for part in parts:
            self._fill(part, texts)
            table = self._table(part)
            blocks.append(np.stack([table[t] for t in texts]))
        return (np.hstack(blocks) / np.float32(math.sqrt(len(parts)))).astype(np.float32)


@dataclass
class Data:
    training: List[Example]
    in_scope: List[Example]
    off_topic: List[Example]


def read_data() -> Data:
    from bot.text.nlu_data import read_examples
    from bot.tools.evaluation import EVAL_DIR, OFF_TOPIC_DIR, load_examples

    training = [Example(e.text, e.label, e.language)
                for e in read_examples(PROJECT_ROOT / "data" / "nlu") if e.text.strip()]
    return Data(training, load_examples(sorted(EVAL_DIR.glob("*.yml"))),
                load_examples(sorted(OFF_TOPIC_DIR.glob("*.yml"))))


class Bench:
    """The configured models, trained per variant on cached embeddings."""

    def __init__(self, data: Data, folds: int) -> None:
        from bot.settings import load_settings
        from bot.text.classifier_model import TextModelConfig
        from bot.tools.evaluation import (
            CLASSIFIER,
            SELECTOR,
            fallback_rule,
            pipeline_component,
        )

        self.data = data
        self.folds = folds
        classifier = pipeline_component(CLASSIFIER) or {}
        self.intent_config = TextModelConfig.from_component(classifier)
        self.faq_config = TextModelConfig.from_component(pipeline_component(SELECTOR) or {})
        self.temperature = float(classifier.get("temperature", self.intent_config.temperature))
        self.language_temperatures = {k: float(v) for k, v in
                                      (classifier.get("language_temperatures") or {}).items()}
        self.fallback = fallback_rule()  # bot/text/fallback_rule.py
        self.faq_threshold = load_settings().faq_confidence_threshold
        self.cache = EmbeddingCache()
        self.detections: Dict[Tuple[int, int], Optional[str]] = {}
        self.evaluation_languages: Optional[List[Optional[str]]] = None
        self.labels = sorted({e.label for e in data.training})
        self.reference: Optional[Dict[str, Dict[str, float]]] = None
        # Per variant: each text's cosine similarity to the nearest in-scope training example
        # (held out: of the other folds), for the held-out training examples and the
        # evaluation messages.
        self.held_nearest: Dict[Variant, np.ndarray] = {}
        self.evaluation_nearest: Dict[Variant, np.ndarray] = {}

    def configs(self, variant: Variant):
        def adapt(config):
            weight = 0.0 if variant.encoder == NO_ENCODER else config.embedding_weight
            encoder = config.encoder if variant.encoder == NO_ENCODER else variant.encoder
            return replace(config, embedding_weight=weight, encoder=encoder,
                           lemma_languages=variant.lemma_languages)
        return adapt(self.intent_config), adapt(self.faq_config)

    def _vectors(self, variant: Variant, texts: Sequence[str]) -> Optional[np.ndarray]:
        if variant.encoder == NO_ENCODER:
            return None
        return self.cache.vectors(variant.encoder, texts)

    def _fit(self, variant: Variant, indices: Sequence[int], vectors: Optional[np.ndarray]):
        from bot.text.classifier_model import TextClassifierModel

        intent_config, faq_config = self.configs(variant)
        examples = self.data.training

        def fit(config, chosen):
            return TextClassifierModel(config).fit(
                [examples[i].text for i in chosen], [examples[i].label for i in chosen],
                None if vectors is None else vectors[list(chosen)],
                [examples[i].language for i in chosen])

        questions = [i for i in indices if examples[i].intent == "faq"]
        return fit(intent_config, indices), fit(faq_config, questions)

    def _score(self, model, selector, texts: Sequence[str], languages: Sequence[Optional[str]],
               vectors: Optional[np.ndarray]):
        rows, keys, confidences = [], [], []
        for index, text in enumerate(texts):
            vector = None if vectors is None else (lambda v=vectors[index]: v)
            ranking = dict(model.rank(text, top=len(self.labels), vector=vector,
                                      language=languages[index]))
            rows.append([math.log(max(ranking.get(label, 0.0), 1e-300))
                         for label in self.labels])
            key, confidence = selector.rank(text, top=1, vector=vector,
                                            language=languages[index])[0]
            keys.append(key.split("/", 1)[1])
            confidences.append(confidence)
        return np.array(rows), keys, confidences

    def cross_validate(self, variant: Variant) -> HeldOut:
        from sklearn.model_selection import StratifiedKFold

        from bot.text.language import LanguageModel, detect

        examples = self.data.training
        texts = [e.text for e in examples]
        vectors = self._vectors(variant, texts)
        log_probabilities = np.zeros((len(examples), len(self.labels)))
        detected: List[Optional[str]] = [None] * len(examples)
        keys: List[Optional[str]] = [None] * len(examples)
        confidences = [0.0] * len(examples)
        splits = StratifiedKFold(n_splits=self.folds, shuffle=True, random_state=0).split(
            texts, [f"{e.language}:{e.label}" for e in examples])
        nearest = np.zeros(len(examples))
        for fold, (train, held) in enumerate(splits):
            if vectors is not None:
                nearest[held] = nearest_in_scope(vectors[train], [examples[i] for i in train],
                                                 vectors[held])
            if (fold, int(held[0])) not in self.detections:
                languages = LanguageModel().fit([texts[i] for i in train],
                                                [examples[i].language for i in train])
                for i in held:
                    self.detections[(fold, int(i))] = detect(texts[i], languages).language
            model, selector = self._fit(variant, list(train), vectors)
            held_languages = [self.detections[(fold, int(i))] for i in held]
            scores, fold_keys, fold_confidences = self._score(
                model, selector, [texts[i] for i in held], held_languages,
                None if vectors is None else vectors[held])
            for row, i in enumerate(held):
                log_probabilities[i] = scores[row]
                detected[i] = held_languages[row]
                keys[i] = fold_keys[row]
                confidences[i] = fold_confidences[row]
        if vectors is not None:
            self.held_nearest[variant] = nearest
        return HeldOut(examples, self.labels, log_probabilities, self.temperature, detected,
                       keys, confidences)

    def choose_novelty(self, variant: Variant, held: HeldOut, temperatures: Dict[str, float]
                       ) -> Dict[str, float]:
        """Per language, the novelty threshold with the lowest held-out off-topic rate among
        those within 0.01 of the reference's held-out in-scope accuracy, at the chosen
        temperatures (0: none)."""
        if variant not in self.held_nearest:
            return {}
        nearest = self.held_nearest[variant]
        predictions = held_out_predictions(held, self.temperature, temperatures, self.fallback)
        in_scope = np.array([e.intent != "out_of_scope" for e in held.examples])
        right = np.array([p.intent == e.intent for e, p in zip(held.examples, predictions)])
        answered = np.array([shop_answered(p, self.faq_threshold) for p in predictions])
        languages = np.array([e.language for e in held.examples])
        chosen = {}
        for language in sorted(set(languages)):
            ours = languages == language
            floor = self.reference[language]["in_scope_accuracy"] - 0.01
            options = []
            for threshold in NOVELTY:
                kept = nearest >= threshold
                accuracy = (right & kept)[ours & in_scope].mean()
                rate = (answered & kept)[ours & ~in_scope].mean()
                if accuracy >= floor or threshold == 0.0:
                    options.append((rate, -accuracy, threshold))
            chosen[language] = min(options)[2]
        return chosen

    def choose_temperatures(self, held: HeldOut) -> Tuple[Dict[str, float], Dict]:
        """Per language, the temperature with the lowest held-out off-topic rate among those
        within 0.01 of the reference's held-out in-scope accuracy."""
        current = held_out_figures(held.examples, held_out_predictions(
            held, self.temperature, self.language_temperatures, self.fallback),
            self.faq_threshold)
        if self.reference is None:
            self.reference = current
        grid = {t: held_out_figures(held.examples, held_out_predictions(
            held, t, {}, self.fallback), self.faq_threshold) for t in TEMPERATURES}
        chosen = {}
        for language in sorted({e.language for e in held.examples}):
            floor = self.reference[language]["in_scope_accuracy"] - 0.01
            allowed = [(f[language]["off_topic_rate"], -f[language]["in_scope_accuracy"], t)
                       for t, f in grid.items() if f[language]["in_scope_accuracy"] >= floor]
            chosen[language] = min(allowed)[2] if allowed else self.language_temperatures.get(
                language, self.temperature)
        return chosen, {"configured": current,
                        "chosen": held_out_figures(held.examples, held_out_predictions(
                            held, self.temperature, chosen, self.fallback),
                            self.faq_threshold)}

    def evaluate(self, variant: Variant, temperatures: Dict[str, Dict[str, float]]):
        """Train on all the training data, then predict the evaluation sets."""
        from bot.text.language import LanguageModel, detect
        from bot.tools.eval_report import scope_figures

        examples = self.data.training
        everything = self.data.in_scope + self.data.off_topic
        texts = [e.text for e in everything]
        if self.evaluation_languages is None:
            languages = LanguageModel().fit([e.text for e in examples],
                                            [e.language for e in examples])
            self.evaluation_languages = [detect(text, languages).language for text in texts]
        vectors = self._vectors(variant, [e.text for e in examples])
        if vectors is not None:
            self.evaluation_nearest[variant] = nearest_in_scope(
                vectors, examples, self._vectors(variant, texts))
        start = time.perf_counter()
        model, selector = self._fit(variant, list(range(len(examples))), vectors)
        fit_seconds = time.perf_counter() - start
        embed_seconds = 0.0
        if variant.encoder != NO_ENCODER:
            sample = [e.text for e in examples[::max(1, len(examples) // 400)]]
            embed_seconds = sum(self.cache.speed(part, sample)
                                for part in variant.encoder.split(COMBINED)) * len(examples)
        scores, keys, confidences = self._score(
            model, selector, texts, self.evaluation_languages,
            self._vectors(variant, texts))
        held = HeldOut(everything, self.labels, scores, self.temperature,
                       self.evaluation_languages, keys, confidences)
        results = {}
        for name, (base, per_language, novelty) in temperatures.items():
            predictions = held_out_predictions(held, base, per_language, self.fallback)
            if novelty:
                predictions = with_novelty(predictions, self.evaluation_nearest[variant],
                                           novelty)
            rows = list(zip(everything, predictions))
            split = len(self.data.in_scope)
            results[name] = scope_figures(Report(rows[:split], self.faq_threshold),
                                          Report(rows[split:], self.faq_threshold))
        return results, fit_seconds + embed_seconds, self.latency(variant, model, selector)

    def latency(self, variant: Variant, model, selector) -> float:
        """Milliseconds per message for the intent classifier and the FAQ selector, the
        embedding computed for the message (as in the running pipeline): the median, which a
        busy machine's pauses move least."""
        chosen = range(0, len(self.data.in_scope), max(1, len(self.data.in_scope)
                                                      // TIMED_MESSAGES))
        texts = [self.data.in_scope[i].text for i in chosen]
        detected = self.evaluation_languages or [None] * len(self.data.in_scope)
        languages = [detected[i] for i in chosen]
        encoder = None if variant.encoder == NO_ENCODER else load_encoder(variant.encoder)
        load_lemmatiser().forget()  # lemmas are computed per message, as when serving
        times = []
        for index, text in enumerate(texts):
            start = time.perf_counter()
            memo: List[np.ndarray] = []

            def vector(text=text, memo=memo) -> np.ndarray:
                if not memo:
                    memo.append(encoder.embed([text])[0])
                return memo[0]

            language = languages[index]
            model.rank(text, top=10, vector=vector if encoder else None, language=language)
            selector.rank(text, top=1, vector=vector if encoder else None, language=language)
            times.append(time.perf_counter() - start)
        return float(np.median(times)) * 1000


def nearest_in_scope(vectors: np.ndarray, examples: Sequence[Example],
                     queries: np.ndarray) -> np.ndarray:
    """Each query's cosine similarity to the nearest example that is not ``out_of_scope``."""
    keep = np.array([e.intent != "out_of_scope" for e in examples])
    reference = vectors[keep]
    found = np.zeros(len(queries))
    for start in range(0, len(queries), 1024):
        found[start:start + 1024] = (queries[start:start + 1024] @ reference.T).max(axis=1)
    return found


def with_novelty(predictions: Sequence[Prediction], nearest: np.ndarray,
                 thresholds: Dict[str, float]) -> List[Prediction]:
    """A message further from every in-scope training example than its (detected) language's
    threshold is declined as ``out_of_scope``."""
    result = []
    for prediction, similarity in zip(predictions, nearest):
        if prediction.intent not in DECLINED and \
                similarity < thresholds.get(prediction.language or "", 0.0):
            prediction = Prediction("out_of_scope", prediction.confidence, prediction.faq_key,
                                    prediction.faq_confidence, prediction.language,
                                    "out_of_scope", prediction.classifier_confidence)
        result.append(prediction)
    return result


def cell(f: Dict[str, float]) -> str:
    return f"{f['intent_accuracy']:.3f} / {f['off_topic_rate']:.3f} / {f['ece']:.3f}"


def print_speed(data: Data) -> None:
    """Each encoder's time per message, one at a time and in a batch, on evaluation messages."""
    texts = [e.text for e in data.in_scope[::17]]
    print(f"{len(texts)} evaluation messages.\n")
    print("| encoder | one message, median | 90th percentile | per text in a batch |")
    print("|---|---|---|---|")
    for name in [v.encoder for v in DEFAULT_VARIANTS if v.encoder != NO_ENCODER]:
        encoder = load_encoder(name)
        encoder.embed(texts[:4])
        times = []
        for text in texts:
            start = time.perf_counter()
            encoder.embed([text])
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        encoder.embed(texts * 4)
        batch = (time.perf_counter() - start) / (4 * len(texts))
        print(f"| {name} | {np.median(times) * 1000:.1f} ms |"
              f" {np.percentile(times, 90) * 1000:.1f} ms | {batch * 1000:.1f} ms |")


@dataclass(frozen=True)
class PublicSetting:
    """One row of :func:`print_public`: an encoder with its weight, the English temperature
    and the fallback threshold."""

    name: str
    encoder: str
    temperature: float
    threshold: float
    weight: float = 1.0
    pair_threshold: float = PAIR_OFF


def configured_public_setting() -> PublicSetting:
    """config.yml's settings for English messages."""
    from bot.tools.evaluation import CLASSIFIER, fallback_rule, pipeline_component

    classifier = pipeline_component(CLASSIFIER) or {}
    temperature = float((classifier.get("language_temperatures") or {}).get(
        "en", classifier.get("temperature", 8.0)))
    weight = float(classifier.get("embedding_weight", 0.0))
    rule = fallback_rule()
    return PublicSetting(f"config.yml (weight {weight:g}, English temperature {temperature:g},"
                         f" threshold {rule.threshold:g}, pair threshold {rule.pair_label})",
                         str(classifier.get("encoder", MINILM)), temperature, rule.threshold,
                         weight, rule.pair_threshold)


def print_public(settings: Sequence[PublicSetting]) -> None:
    """BANKING77 (80/20 split) and CLINC150 (train, val, oos_val) with the project's intent
    classifier alone, per setting: accuracy with the fallback threshold (a fallback is wrong),
    CLINC150 in-scope accuracy and out-of-scope recall."""
    from bot.text.classifier_model import TextClassifierModel, TextModelConfig
    from bot.tools.benchmarks import datasets

    cache = EmbeddingCache()
    train77, test77 = datasets.banking77()
    clinc_train, clinc_val, clinc_oos = datasets.clinc150()
    print("| configuration | BANKING77 accuracy (fallback wrong) | without the fallback |"
          " CLINC150 in-scope accuracy | out-of-scope recall | training time |")
    print("|---|---|---|---|---|---|")
    for setting in settings:
        encoder = setting.encoder
        rule = FallbackRule(setting.threshold, setting.pair_threshold)
        # As in the pipeline: the shortcut is judged at the default temperature (8), the
        # confidence given at the English one.
        config = replace(TextModelConfig(), c=0.5, temperature=8.0,
                         embedding_weight=setting.weight, encoder=encoder,
                         shortcut_confidence=0.99)
        cells, seconds = [], 0.0
        for train, tests in ((train77, [test77]), (clinc_train, [clinc_val, clinc_oos])):
            texts = [t for t, _ in train]
            vectors = cache.vectors(encoder, texts)
            start = time.perf_counter()
            model = TextClassifierModel(config).fit(texts, [label for _, label in train],
                                                    vectors)
            seconds += time.perf_counter() - start
            for test in tests:
                test_vectors = cache.vectors(encoder, [t for t, _ in test])
                ranked = [model.rank(text, top=2, temperature=setting.temperature,
                                     vector=lambda v=test_vectors[i]: v)
                          for i, (text, _) in enumerate(test)]
                best = [ranking[0] for ranking in ranked]
                answered = ["nlu_fallback" if rule.falls_back(ranking) else ranking[0][0]
                            for ranking in ranked]
                if test is clinc_oos:
                    cells.append(np.mean([a in DECLINED for a in answered]))
                else:
                    cells.append(np.mean([a == g for a, (_, g) in zip(answered, test)]))
                    if test is test77:
                        cells.append(np.mean([b[0] == g for b, (_, g) in zip(best, test)]))
        embed = sum(cache.speed(part, [t for t, _ in train77[:400]])
                    for part in encoder.split(COMBINED)) * (len(train77) + len(clinc_train))
        print(f"| {setting.name} | " + " | ".join(f"{c:.3f}" for c in cells) +
              f" | {seconds + embed:.0f} s |")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", action="append", metavar="NAME:ENCODER[:LANGS]",
                        help="a variant to measure (repeatable): an encoder name, several"
                             f" joined by '{COMBINED}', or '{NO_ENCODER}'; LANGS: languages"
                             " given lemma features (e.g. fi,tr,uk)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--speed", action="store_true",
                        help="only each encoder's time per message")
    parser.add_argument("--public", action="store_true",
                        help="only BANKING77 and CLINC150 (English), the previous and the"
                             " current English settings")
    args = parser.parse_args(argv)
    if args.speed:
        print_speed(read_data())
        return 0
    if args.public:
        pair = f"{MINILM}{COMBINED}{E5_SMALL}"
        print_public([
            configured_public_setting(),
            PublicSetting("MiniLM alone, temperature 6, threshold 0.45 (when the off-topic"
                          " work began)", MINILM, 6.0, 0.45),
            PublicSetting("MiniLM+E5, weight 1, temperature 6, threshold 0.5", pair, 6.0, 0.5),
            PublicSetting("MiniLM+E5, weight 1.5, temperature 5.25, threshold 0.5", pair, 5.25,
                          0.5, 1.5),
            PublicSetting("MiniLM+E5, weight 2, temperature 5, threshold 0.45", pair, 5.0,
                          0.45, 2.0)])
        return 0
    variants = [Variant.parse(spec) for spec in args.variant] if args.variant \
        else DEFAULT_VARIANTS
    bench = Bench(read_data(), args.folds)
    # The reference for the cross-validated choice is the configuration in config.yml.
    configured = Variant("config.yml", bench.intent_config.encoder
                         if bench.intent_config.embedding_weight > 0 else NO_ENCODER,
                         bench.intent_config.lemma_languages)
    same = [v for v in variants
            if (v.encoder, v.lemma_languages) == (configured.encoder, configured.lemma_languages)]
    if same:  # measured first: it sets the reference
        variants = same[:1] + [v for v in variants if v != same[0]]
    else:
        bench.choose_temperatures(bench.cross_validate(configured))
    results = {}
    for variant in variants:
        started = time.perf_counter()
        held = bench.cross_validate(variant)
        chosen, held_figures = bench.choose_temperatures(held)
        novelty = bench.choose_novelty(variant, held, chosen)
        evaluated, train_seconds, latency = bench.evaluate(variant, {
            "configured": (bench.temperature, bench.language_temperatures, {}),
            "chosen": (bench.temperature, chosen, {}),
            "novelty": (bench.temperature, chosen, novelty)})
        results[variant] = (chosen, held_figures, evaluated, train_seconds, latency, novelty)
        print(f"  {variant.name}: {time.perf_counter() - started:.0f} s", file=sys.stderr,
              flush=True)
    languages = sorted({e.language for e in bench.data.in_scope}) + ["all"]
    print(f"Training data: {len(bench.data.training)} examples; evaluation: "
          f"{len(bench.data.in_scope)} in-scope and {len(bench.data.off_topic)} off-topic"
          f" messages; fallback threshold {bench.threshold}, FAQ answer threshold"
          f" {bench.faq_threshold}; {args.folds}-fold cross-validation on the training data.")
    print("\nVariants: " + "; ".join(
        f"{v.name} = {v.encoder}" + (f", lemmas for {','.join(v.lemma_languages)}"
                                     if v.lemma_languages else "") for v in variants))
    for language in languages:
        print(f"\n### {language}\n")
        print("Each cell: in-scope accuracy / off-topic rate / ECE on the evaluation sets.\n")
        print("| variant | configured temperatures | CV temperature | with it |"
              " CV novelty threshold | with both |")
        print("|---|---|---|---|---|---|")
        for variant, (chosen, _, evaluated, _, _, novelty) in results.items():
            cells = {name: evaluated[name][language] for name in evaluated}
            t = "-" if language == "all" else f"{chosen[language]:g}"
            n = "-" if language == "all" or not novelty else f"{novelty[language]:g}"
            print(f"| {variant.name} | {cell(cells['configured'])} | {t} |"
                  f" {cell(cells['chosen'])} | {n} | {cell(cells['novelty'])} |")
    print("\n### Cost\n")
    print("| variant | training time (embeddings + both models) | per message (classifier +"
          " FAQ selector, embedding included; median) |")
    print("|---|---|---|")
    for variant, (_, _, _, seconds, latency, _) in results.items():
        print(f"| {variant.name} | {seconds:.0f} s | {latency:.1f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
