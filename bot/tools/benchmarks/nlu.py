"""Train a pipeline on a dataset with `rasa train nlu` and measure it on held-out examples."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from bot.settings import PROJECT_ROOT
from bot.tools.benchmarks.datasets import OOS, to_rasa_yaml

DECLINED = {OOS, "nlu_fallback"}
#: The folders under data/ that are Rasa training data.
TRAINING_PARTS = ("nlu", "rules", "generated")


@dataclass
class Trained:
    model: Path
    seconds: float


def rasa_env(cache: Optional[Path] = None) -> Dict[str, str]:
    """The environment of a `rasa` command; ``cache``: its training cache directory (Rasa's
    own and the stored embeddings), by default the project's."""
    from rasa.engine.caching import CACHE_LOCATION_ENV

    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3",
           "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "PYTHONWARNINGS": "ignore"}
    if cache is not None:
        env[CACHE_LOCATION_ENV] = str(cache)
    return env


def cold_cache(out_dir: Path, name: str) -> Path:
    """A training cache directory of its own for one timed training: nothing computed by an
    earlier training is reused, so the time is that of a first training."""
    return out_dir / f"{name}.cache"


def train_nlu(config: Path, nlu_files: Sequence[Path], out_dir: Path, name: str,
              cache: Optional[Path] = None) -> Trained:
    """Run `rasa train nlu` and time it (wall clock, including start-up), with a cache of its
    own unless ``cache`` is given."""
    rasa = str(Path(sys.executable).parent / "rasa")
    command = [rasa, "train", "nlu", "--config", str(config), "--out", str(out_dir),
               "--fixed-model-name", name]
    for path in nlu_files:
        command += ["--nlu", str(path)]
    started = time.perf_counter()
    subprocess.run(command, cwd=PROJECT_ROOT, env=rasa_env(cache or cold_cache(out_dir, name)),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Trained(out_dir / f"{name}.tar.gz", time.perf_counter() - started)


def english_only_data(work: Path) -> Path:
    """A copy of the training data without the other languages' folders."""
    import shutil

    target = work / "data-en"
    for part in TRAINING_PARTS:
        shutil.copytree(PROJECT_ROOT / "data" / part, target / part, dirs_exist_ok=True)
    for language_dir in (target / "nlu").iterdir():
        if language_dir.is_dir():
            shutil.rmtree(language_dir)
    return target


def subsampled_data(work: Path, per_block: int) -> Path:
    """A copy of the training data keeping at most ``per_block`` examples of every intent
    block (every language), for pipelines too slow to train on all of it."""
    import re
    import shutil

    target = work / f"data-sub{per_block}"
    for part in ("rules", "generated"):
        shutil.copytree(PROJECT_ROOT / "data" / part, target / part, dirs_exist_ok=True)
    for path in sorted((PROJECT_ROOT / "data" / "nlu").rglob("*.yml")):
        out: List[str] = []
        kept = 0
        intent_block = False
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            if re.match(r"^- (intent|regex|lookup|synonym):", line):
                intent_block = line.startswith("- intent:")
                kept = 0
            if intent_block and line.startswith("    - "):
                kept += 1
                if kept > per_block:
                    continue
            out.append(line)
        destination = target / "nlu" / path.relative_to(PROJECT_ROOT / "data" / "nlu")
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_text("".join(out), encoding="utf-8")
    return target


def train_full(config: Path, out_dir: Path, name: str, data: Optional[Path] = None) -> Trained:
    """Run `rasa train` (NLU and dialogue) on the project's data and domain, with a cache of
    its own."""
    rasa = str(Path(sys.executable).parent / "rasa")
    started = time.perf_counter()
    root = data or PROJECT_ROOT / "data"
    subprocess.run([rasa, "train", "--config", str(config), "--domain", "domain.yml", "--data",
                    *[str(root / part) for part in TRAINING_PARTS], "--out", str(out_dir),
                    "--fixed-model-name", name, "--force"],
                   cwd=PROJECT_ROOT, env=rasa_env(cold_cache(out_dir, name)), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return Trained(out_dir / f"{name}.tar.gz", time.perf_counter() - started)


def predict(model: Path, texts: Sequence[str]) -> List[dict]:
    """Parse every text with a trained model."""
    from bot.tools.evaluation import parse_texts

    return parse_texts(model, texts)


def intents(results: Sequence[dict]) -> List[Optional[str]]:
    return [(r.get("intent") or {}).get("name") for r in results]


def ranked_intents(results: Sequence[dict]) -> List[Optional[str]]:
    """The classifier's own best intent, before the FallbackClassifier replaced it."""
    best = []
    for result in results:
        ranking = [r.get("name") for r in result.get("intent_ranking") or []
                   if r.get("name") != "nlu_fallback"]
        best.append(ranking[0] if ranking else (result.get("intent") or {}).get("name"))
    return best


def accuracy(predicted: Sequence[Optional[str]], gold: Sequence[str]) -> float:
    """Share right; an out-of-scope example is right when the model declines it."""
    right = sum((p in DECLINED) if g == OOS else p == g for p, g in zip(predicted, gold))
    return right / len(gold) if gold else 0.0


def earlier_model(models_from: Optional[Path], name: str, data: str) -> Optional[Trained]:
    """A model of this name that an earlier run trained on exactly this data, if kept.

    An earlier run leaves ``<name>.yml`` (its training data) beside ``<name>.tar.gz``; the
    model is used only when that file is identical to ``data``. Its training time is unknown.
    """
    if models_from is None:
        return None
    model, kept = models_from / f"{name}.tar.gz", models_from / f"{name}.yml"
    if model.exists() and kept.exists() and kept.read_text(encoding="utf-8") == data:
        return Trained(model, float("nan"))
    return None


def train_and_test(config: Path, train: Sequence[Tuple[str, str]],
                   tests: Dict[str, Sequence[Tuple[str, str]]], name: str,
                   work: Path, models_from: Optional[Path] = None,
                   cache: Optional[Path] = None) -> Tuple[Trained, Dict[str, float]]:
    """Train on ``train`` (or reuse a model from ``models_from``) and report accuracy on each
    named test set; ``cache``: the training cache to use (by default a new one)."""
    text = to_rasa_yaml(train)
    data = work / f"{name}.yml"
    data.write_text(text, encoding="utf-8")
    trained = earlier_model(models_from, name, text) or train_nlu(config, [data], work, name,
                                                                  cache)
    scores = {}
    for label, pairs in tests.items():
        results = predict(trained.model, [t for t, _ in pairs])
        scores[label] = accuracy(intents(results), [g for _, g in pairs])
        scores[f"{label} without fallback"] = accuracy(ranked_intents(results),
                                                       [g for _, g in pairs])
    return trained, scores


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="shop-bench-"))
