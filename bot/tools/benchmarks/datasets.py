"""Benchmark datasets as (text, label) lists, with fixed, stratified splits."""

from __future__ import annotations

import csv
import json
import random
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from bot.settings import PROJECT_ROOT

Pairs = List[Tuple[str, str]]
BENCH_DIR = Path(PROJECT_ROOT).parent / "shared" / "bench"
OOS = "out_of_scope"


def stratified(pairs: Sequence[Tuple[str, str]], per_label: int, seed: int = 7) -> Pairs:
    """At most ``per_label`` examples of each label, chosen with a fixed seed."""
    by_label: Dict[str, List[Tuple[str, str]]] = defaultdict(list)
    for pair in pairs:
        by_label[pair[1]].append(pair)
    rng = random.Random(seed)
    chosen: Pairs = []
    for label in sorted(by_label):
        items = list(by_label[label])
        rng.shuffle(items)
        chosen.extend(items[:per_label])
    return chosen


def split(pairs: Sequence[Tuple[str, str]], test_share: float,
          seed: int = 7) -> Tuple[Pairs, Pairs]:
    """A stratified train/test split with a fixed seed."""
    by_label: Dict[str, List[Tuple[str, str]]] = defaultdict(list)
    for pair in pairs:
        by_label[pair[1]].append(pair)
    rng = random.Random(seed)
    train: Pairs = []
    test: Pairs = []
    for label in sorted(by_label):
        items = list(by_label[label])
        rng.shuffle(items)
        cut = max(1, round(len(items) * test_share))
        test.extend(items[:cut])
        train.extend(items[cut:])
    return train, test


def banking77(bench_dir: Path = BENCH_DIR) -> Tuple[Pairs, Pairs]:
    """BANKING77 train.csv split 80/20 (train / held-out test)."""
    with open(bench_dir / "banking77" / "train.csv", encoding="utf-8") as handle:
        rows = [(row["text"], row["category"]) for row in csv.DictReader(handle)]
    return split(rows, 0.2)


def clinc150(bench_dir: Path = BENCH_DIR) -> Tuple[Pairs, Pairs, Pairs]:
    """CLINC150: train (+ oos_train as out_of_scope), val, oos_val."""
    data = json.loads((bench_dir / "clinc150" / "train_val.json").read_text(encoding="utf-8"))
    train = [(t, label) for t, label in data["train"]]
    train += [(t, OOS) for t, _ in data["oos_train"]]
    return (train, [(t, label) for t, label in data["val"]],
            [(t, OOS) for t, _ in data["oos_val"]])


def to_rasa_yaml(pairs: Sequence[Tuple[str, str]]) -> str:
    """Rasa NLU YAML for plain (text, intent) pairs."""
    by_label: Dict[str, List[str]] = defaultdict(list)
    for text, label in pairs:
        clean = " ".join(text.replace("[", "(").replace("]", ")").split())
        if clean:
            by_label[label].append(clean)
    lines = ['version: "3.1"', "nlu:"]
    for label in sorted(by_label):
        lines.append(f"- intent: {label}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}"
                     for text in dict.fromkeys(by_label[label]))
    return "\n".join(lines) + "\n"
