"""Run every benchmark and print (and save) Markdown tables."""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import List, Optional

from bot.settings import PROJECT_ROOT, load_settings
from bot.tools.benchmarks import datasets, nlu, speed
from bot.tools.eval_results import Report
from bot.tools.evaluation import EVAL_DIR, load_examples, prediction_from_parse
from bot.tools.run import Stack

DEFAULT_CONFIG = Path(__file__).with_name("default_config.yml")
#: Examples per intent block when Rasa's default pipeline is trained on a subsample.
SPEED_SUBSAMPLE = 8
PROJECT_CONFIG = PROJECT_ROOT / "config.yml"
#: Suffix of a speed row served by Rasa as it ships (`rasa run`, Rasa's SQL tracker store).
STOCK = ", stock rasa run"


def training_time(trained: nlu.Trained) -> str:
    """Seconds, or where the model came from when it was not trained in this run (NaN)."""
    if trained.seconds != trained.seconds:
        return "trained before this run"
    return f"{trained.seconds:.0f} s"


def say(lines: List[str], text: str = "") -> None:
    print(text, flush=True)
    lines.append(text)


def own_eval(lines: List[str], work: Path, with_default: bool = True,
             reuse: bool = False, default_model: Optional[Path] = None,
             english_model: Optional[Path] = None) -> dict:
    """Both configs trained on the project's data, measured on tests/nlu_eval."""
    examples = load_examples(sorted(EVAL_DIR.glob("*.yml")))
    threshold = load_settings().faq_confidence_threshold
    models = {}
    say(lines, "### (a) The project's own evaluation set\n")
    say(lines, f"{len(examples)} examples in {', '.join(sorted({e.language for e in examples}))},"
               " written apart from the training data. Same training data for both.\n")
    say(lines, "| pipeline | intent accuracy | FAQ-key accuracy | training time (full model) |")
    say(lines, "|---|---|---|---|")
    configs = [("project", PROJECT_CONFIG)]
    if with_default:
        configs.append(("rasa-default", DEFAULT_CONFIG))
    for name, config in configs:
        current = PROJECT_ROOT / "models" / "current.tar.gz"
        if name == "project" and reuse and current.exists():
            trained = nlu.Trained(current, float("nan"))  # `make train` built it from this data
        else:
            trained = nlu.train_full(config, work, f"full-{name}")
        results = nlu.predict(trained.model, [e.text for e in examples])
        report = Report(list(zip(examples, [prediction_from_parse(r) for r in results])),
                        threshold)
        models[name] = trained
        say(lines, f"| {name} | {report.intent_accuracy:.3f} | {report.faq_accuracy:.3f} |"
                   f" {training_time(trained)} |")
        if len({e.language for e in examples}) > 1:
            for language in sorted({e.language for e in examples}):
                rows = [r for r in report.rows if r[0].language == language]
                sub = Report(rows, threshold)
                say(lines, f"| {name} [{language}] | {sub.intent_accuracy:.3f} |"
                           f" {sub.faq_accuracy:.3f} | |")
    if not with_default:
        if default_model:
            default = nlu.Trained(default_model, float("nan"))
        else:
            sub = nlu.subsampled_data(work, SPEED_SUBSAMPLE)
            default = nlu.train_full(DEFAULT_CONFIG, work, "full-rasa-default-sub", sub)
        results = nlu.predict(default.model, [e.text for e in examples])
        report = Report(list(zip(examples, [prediction_from_parse(r) for r in results])),
                        threshold)
        models["rasa-default"] = default
        say(lines, f"| rasa-default, trained on {SPEED_SUBSAMPLE} examples per intent and"
                   f" language | {report.intent_accuracy:.3f} | {report.faq_accuracy:.3f} |"
                   f" {training_time(default)} |")
    english = nlu.Trained(english_model, float("nan")) if english_model else \
        nlu.train_full(PROJECT_CONFIG, work, "full-project-en", nlu.english_only_data(work))
    models["rasa-default" + STOCK] = models["rasa-default"]
    models["project, English only"] = english
    say(lines, f"\nThe project's pipeline trained on the English data alone (for the speed"
               f" comparison below): {english.seconds:.0f} s.")
    say(lines)
    return models


def banking(lines: List[str], work: Path, per_label: int = 25,
            models_from: Optional[Path] = None) -> None:
    train, test = datasets.banking77()
    sub = datasets.stratified(train, per_label)
    say(lines, "### (b) BANKING77\n")
    say(lines, f"train.csv split 80/20 with a fixed seed: {len(train)} train, {len(test)} test."
               f" Subsample for the comparison: {per_label} per intent ({len(sub)} examples),"
               " same for both.\n")
    reuse = {"rasa-default": models_from}
    say(lines, "BANKING77 has no out-of-scope queries, so a `nlu_fallback` answer counts as wrong;"
               " the last accuracy column is the classifier's own best intent, before the"
               " pipeline's FallbackClassifier.\n")
    say(lines, "| pipeline | training data | accuracy on the held-out 20% | without the fallback |"
               " training time |")
    say(lines, "|---|---|---|---|---|")
    for name, config in (("project", PROJECT_CONFIG), ("rasa-default", DEFAULT_CONFIG)):
        trained, scores = nlu.train_and_test(config, sub, {"test": test}, f"b77-sub-{name}",
                                             work, reuse.get(name))
        say(lines, f"| {name} | subsample ({len(sub)}) | {scores['test']:.3f} |"
                   f" {scores['test without fallback']:.3f} | {training_time(trained)} |")
    trained, scores = nlu.train_and_test(PROJECT_CONFIG, train, {"test": test}, "b77-full",
                                         work)
    say(lines, f"| project | full 80% ({len(train)}) | {scores['test']:.3f} |"
               f" {scores['test without fallback']:.3f} | {trained.seconds:.0f} s |")
    # A trainer's retraining: the same data less one example in a hundred, with the embeddings
    # the first training stored (the first one's cache).
    edited = [pair for index, pair in enumerate(train) if index % 100 != 99]
    retrained, scores = nlu.train_and_test(PROJECT_CONFIG, edited, {"test": test},
                                           "b77-edited", work,
                                           cache=nlu.cold_cache(work, "b77-full"))
    say(lines, f"| project, retrained after an edit | full 80% less every 100th"
               f" ({len(edited)}) | {scores['test']:.3f} |"
               f" {scores['test without fallback']:.3f} | {retrained.seconds:.0f} s |")
    say(lines)


def clinc(lines: List[str], work: Path, per_label: int = 25,
          models_from: Optional[Path] = None) -> None:
    train, val, oos_val = datasets.clinc150()
    sub = datasets.stratified(train, per_label)
    say(lines, "### (c) CLINC150\n")
    say(lines, "In-scope accuracy on `val` (3,000) and out-of-scope recall on `oos_val` (100);"
               " an out-of-scope query counts as caught when the pipeline answers"
               f" `out_of_scope` or `nlu_fallback`. Subsample: {per_label} per intent including"
               f" `oos_train` ({len(sub)} examples), same for both.\n")
    say(lines, "| pipeline | training data | in-scope accuracy | out-of-scope recall |"
               " training time |")
    say(lines, "|---|---|---|---|---|")
    runs = [("project", PROJECT_CONFIG, sub, "subsample"),
            ("rasa-default", DEFAULT_CONFIG, sub, "subsample"),
            ("project", PROJECT_CONFIG, train, "full")]
    for name, config, data, label in runs:
        trained, scores = nlu.train_and_test(
            config, data, {"val": val, "oos": oos_val}, f"clinc-{label}-{name}", work,
            models_from if name == "rasa-default" else None)
        say(lines, f"| {name} | {label} ({len(data)}) | {scores['val']:.3f} |"
                   f" {scores['oos']:.3f} | {training_time(trained)} |")
    say(lines)


def speed_section(lines: List[str], models: dict, work: Path, seconds: float,
                  replicas: int = 1) -> None:
    say(lines, "### Speed: full turns through the REST webhook\n")
    say(lines, "Each turn: message in, every bot message out, custom actions included."
               f" Conversation: {' / '.join(speed.CONVERSATION)}.\n")
    say(lines, "\"50 shoppers\": 50 conversations at once, each message about 2 s (1-3 s) after"
               " the reply to the one before, each shopper's first message at a random moment"
               " of the first 2 s. \"same start\": the same, with all 50 first messages sent"
               " in the same instant (a burst of 50 turns).\n")
    say(lines, "| pipeline | cold start | 1 shopper p50 / p99 | 50 shoppers p50 / p99 |"
               " 50 shoppers, same start, p50 / p99 | capacity (16 back-to-back) | errors |"
               " RSS Rasa (+ action server) |")
    say(lines, "|---|---|---|---|---|---|---|---|")
    runs = [(name, trained, 1) for name, trained in models.items()]
    if replicas > 1 and "project" in models:
        runs.append((f"project, {replicas} Rasa replicas (turns round-robin)",
                     models["project"], replicas))
    for index, (name, trained, count) in enumerate(runs):
        stock = name.endswith(STOCK)
        stack = Stack(rasa_port=5105 + 100 * index, actions_port=5155 + 100 * index,
                      console_port=5185 + 100 * index, var_dir=work / f"var-{index}",
                      model=trained.model, stock_rasa=stock, rasa_replicas=count)
        r = speed.measure(stack, seconds)
        errors = r.one.errors + r.fifty.errors + r.burst.errors + r.capacity.errors
        memory = (f"{r.rasa_rss:.0f} + {r.actions_rss:.0f} MB" if r.actions_rss
                  else f"{r.rasa_rss:.0f} MB (actions inside)")
        say(lines, f"| {name} | {r.cold_start:.1f} s | {r.one.p50:.0f} / {r.one.p99:.0f} ms |"
                   f" {r.fifty.p50:.0f} / {r.fifty.p99:.0f} ms |"
                   f" {r.burst.p50:.0f} / {r.burst.p99:.0f} ms | {r.capacity.per_second:.1f}"
                   f" turns/s | {errors} | {memory} |")
    say(lines)


def socketio_section(lines: List[str], models: dict, work: Path, clients: int) -> None:
    import asyncio

    from bot.tools.benchmarks import socketio_load

    say(lines, f"### socket.io: {clients} shoppers at once\n")
    say(lines, f"Each client connects like the widget, then sends {len(socketio_load.SCRIPT)}"
               " messages about 1 s apart and counts the bot messages of every turn against the"
               " number the same turn produces over REST.\n")
    say(lines, "| pipeline | clients | p50 / p99 first reply | bot messages/s | lost |"
               " duplicated | clients failed |")
    say(lines, "|---|---|---|---|---|---|---|")
    trained = models.get("project") or nlu.Trained(PROJECT_ROOT / "models" / "current.tar.gz", 0)
    stack = Stack(rasa_port=5905, actions_port=5955, console_port=5985,
                  var_dir=work / "var-socketio", model=trained.model)
    stack.start()
    try:
        stack.wait_until_ready(timeout=300)
        result = asyncio.run(socketio_load.run(stack.rasa_url, stack.integrator_token, clients))
    finally:
        stack.stop()
    figures = socketio_load.summary(result, clients)
    say(lines, f"| project | {clients} | {figures['p50_ms']:.0f} / {figures['p99_ms']:.0f} ms |"
               f" {figures['messages_per_second']:.1f} | {result.lost} | {result.duplicated} |"
               f" {result.failed_clients} |")
    say(lines)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", action="append", choices=[
        "own", "banking", "clinc", "speed", "socketio", "kpi", "masking", "long",
        "cluster", "email"],
        help="a part to run (repeatable); without --only every part runs")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--per-label", type=int, default=25,
                        help="subsample size per intent for the default-pipeline comparisons")
    parser.add_argument("--no-default-full", action="store_true",
                        help="train Rasa's default pipeline on a subsample of the project data")
    parser.add_argument("--default-model", type=Path, help="an already trained default model")
    parser.add_argument("--english-model", type=Path, help="an already trained English model")
    parser.add_argument("--reuse-model", action="store_true",
                        help="use models/current.tar.gz instead of training the project again")
    parser.add_argument("--load-seconds", type=float, default=60.0)
    parser.add_argument("--kpi-conversations", type=int, default=100_000)
    parser.add_argument("--replicas", type=int, default=2,
                        help="also measure the project with this many Rasa servers")
    parser.add_argument("--default-models-from", type=Path,
                        help="a folder with BANKING77/CLINC150 models of Rasa's default pipeline"
                             " that an earlier run trained (each beside its training data,"
                             " <name>.yml); used where the training data is identical")
    args = parser.parse_args(argv)
    parts = set(args.only or ["own", "banking", "clinc", "speed", "socketio", "kpi", "masking",
                               "long", "cluster", "email"])
    work = nlu.workdir()
    lines: List[str] = []
    say(lines, f"## Benchmarks ({time.strftime('%Y-%m-%d')}, {platform.machine()},"
               f" {shutil.os.cpu_count()} cores, Python {platform.python_version()})\n")
    started = time.perf_counter()
    models = {}
    if parts & {"own", "speed"}:
        models = own_eval(lines, work, with_default=not args.no_default_full,
                          reuse=args.reuse_model, default_model=args.default_model,
                          english_model=args.english_model)
    if "banking" in parts:
        banking(lines, work, args.per_label, args.default_models_from)
    if "clinc" in parts:
        clinc(lines, work, args.per_label, args.default_models_from)
    if "speed" in parts:
        speed_section(lines, models, work, args.load_seconds, args.replicas)
    if "socketio" in parts:
        socketio_section(lines, models, work, args.clients)
    if "long" in parts:
        from bot.tools.benchmarks import long

        long.run(lambda text: say(lines, text), work,
                 PROJECT_ROOT / "models" / "current.tar.gz")
    if "cluster" in parts:
        from bot.tools.benchmarks import cluster

        cluster.run(lambda text: say(lines, text), work, args.load_seconds, args.clients)
    if "email" in parts:
        from bot.tools.benchmarks import mailbox_latency

        mailbox_latency.run(lambda text: say(lines, text), work,
                            PROJECT_ROOT / "models" / "current.tar.gz")
    if "kpi" in parts:
        from bot.tools.benchmarks import kpi

        kpi.run(lambda text: say(lines, text), args.kpi_conversations)
    if "masking" in parts:
        from bot.tools.benchmarks import masking

        masking.run(lambda text: say(lines, text))
    say(lines, f"Total benchmark time: {(time.perf_counter() - started) / 60:.1f} min.")
    out = PROJECT_ROOT / "results" / "benchmarks.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"\nwritten to {out}")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
