"""The project's own data checks, run by ``make validate`` beside ``rasa data validate``.

``python -m bot.tools.checks`` prints one line per problem, naming file and line, and exits 1
when there are errors (warnings alone do not fail). ``python -m bot.tools.checks --shop`` checks
the configured shop backend instead (reachable, token accepted, contract version, catalogue).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Set

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.i18n import LANGUAGES
from bot.settings import PROJECT_ROOT
from bot.text.nlu_data import TrainingExample, markup_problems, read_examples
from bot.text.normalise import normalise

MIN_EXAMPLES = 15
#: Intents that arrive from buttons and payloads, not from typed text.
BUTTON_INTENTS = {"csat", "nps"}
NEAR_DUPLICATE = 0.97


@dataclass(frozen=True)
class Problem:
    severity: str  # "error" or "warning"
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message}"


def _key(text: str) -> str:
    return " ".join(normalise(text).split())


def same_example_under_two_labels(examples: Sequence[TrainingExample],
                                  root: Path) -> List[Problem]:
    by_text: Dict[str, List[TrainingExample]] = defaultdict(list)
    for example in examples:
        by_text[_key(example.text)].append(example)
    problems = []
    for group in by_text.values():
        labels = sorted({e.label for e in group})
        if len(labels) > 1:
            first = group[0]
            others = ", ".join(f"{e.label} ({e.where(root)})" for e in group[1:])
            problems.append(Problem("error", first.where(root),
                                    f"'{first.text}' is under {first.label} and also {others}"))
    return problems


def near_duplicates_across_labels(examples: Sequence[TrainingExample], root: Path,
                                  threshold: float = NEAR_DUPLICATE) -> List[Problem]:
    """Examples that are nearly the same text (character n-grams) but labelled differently."""
    texts = [e.text for e in examples]
    matrix = TfidfVectorizer(preprocessor=normalise, analyzer="char_wb",
                             ngram_range=(2, 4)).fit_transform(texts)
    problems = []
    seen = set()
    for start in range(0, len(texts), 500):
        block = (matrix[start:start + 500] @ matrix.T).toarray()
        for offset, row in enumerate(block):
            i = start + offset
            for j in np.nonzero(row >= threshold)[0]:
                if j <= i or examples[i].label == examples[j].label:
                    continue
                if _key(texts[i]) == _key(texts[j]) or (i, j) in seen:
                    continue  # exact repeats are reported above
                seen.add((i, j))
                problems.append(Problem(
                    "warning", examples[i].where(root),
                    f"'{texts[i]}' ({examples[i].label}) is nearly the same as '{texts[j]}'"
                    f" ({examples[j].label}, {examples[j].where(root)})"))
    return problems


def too_few_examples(examples: Sequence[TrainingExample], root: Path,
                     minimum: int = MIN_EXAMPLES) -> List[Problem]:
    counts: Dict[tuple, int] = defaultdict(int)
    first: Dict[tuple, TrainingExample] = {}
    for example in examples:
        counts[(example.label, example.language)] += 1
        first.setdefault((example.label, example.language), example)
    labels = sorted({e.label for e in examples})
    problems = []
    for label in labels:
        for language in LANGUAGES:
            count = counts.get((label, language), 0)
            if count >= minimum or label in BUTTON_INTENTS:
                continue
            anchor = first.get((label, language)) or first.get((label, "en"))
            where = anchor.where(root) if anchor else "data/nlu"
            problems.append(Problem("error" if count == 0 else "warning", where,
                                    f"{label} has {count} examples in {language}"
                                    f" (at least {minimum} wanted)"))
    return problems


def domain_entities(root: Path) -> Optional[Set[str]]:
    """The entity names domain.yml declares (None without a domain)."""
    path = root / "domain.yml"
    if not path.exists():
        return None
    entities = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("entities") or []
    return {next(iter(e)) if isinstance(e, dict) else str(e) for e in entities}


def entity_markup(examples: Sequence[TrainingExample], root: Path,
                  entities: Optional[Set[str]] = None) -> List[Problem]:
    """Entity annotations that Rasa would refuse or misread (an error each)."""
    return [Problem("error", example.where(root), problem)
            for example in examples for problem in markup_problems(example.raw, entities)]


def completeness(root: Path) -> List[Problem]:
    from bot.handoff.canned import canned_problems, load_canned
    from bot.i18n.responses import load_catalog, problems
    from bot.kb.store import kb_problems, load_entries

    found = problems(load_catalog(root / "data" / "responses"))
    found += kb_problems(load_entries(root / "data" / "kb"))
    found += canned_problems(load_canned(root / "data" / "canned"))
    return [Problem("error", item.split(": ", 1)[0], item.split(": ", 1)[-1]) for item in found]


def run_checks(root: Path = PROJECT_ROOT) -> List[Problem]:
    examples = read_examples(root / "data" / "nlu")
    return (entity_markup(examples, root, domain_entities(root))
            + same_example_under_two_labels(examples, root)
            + near_duplicates_across_labels(examples, root)
            + too_few_examples(examples, root) + completeness(root))


def check_shop() -> int:
    """Print whether the configured shop answers; 1 when it does not."""
    from bot.settings import load_settings
    from bot.shop.health import check_shop as check

    health = check(load_settings())
    print(("ok: " if health.ok else "problem: ") + health.line)
    return 0 if health.ok else 1


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shop", action="store_true",
                        help="check the configured shop backend instead of the data")
    if parser.parse_args(argv).shop:
        return check_shop()
    problems = run_checks()
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    print(f"{errors} errors, {len(problems) - errors} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
