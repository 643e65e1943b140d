"""How well the review inbox's masking hides personal data: recall per kind on shopper messages
with planted personal data (tests/privacy_eval/messages.yml), and how often it masks what it
must leave (order numbers, prices, dates, sizes).

Runs in a second, without a model: ``python -m bot.tools.benchmarks --only masking``.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import yaml

from bot.review.masking import KINDS, find_personal_data, mask_personal_data
from bot.settings import PROJECT_ROOT

EVAL_FILE = PROJECT_ROOT / "tests" / "privacy_eval" / "messages.yml"


@dataclass(frozen=True)
class PlantedMessage:
    """A message with personal data planted in it and values that must survive masking."""

    language: str
    text: str
    personal: Tuple[Tuple[str, str], ...]  # (kind, value as written)
    distractors: Tuple[str, ...] = ()


def load_messages(path: Path = EVAL_FILE) -> List[PlantedMessage]:
    """The evaluation messages; a planted value or distractor missing from its text is an
    error that names the message."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    messages = []
    for number, item in enumerate(data["messages"], start=1):
        message = PlantedMessage(
            item["language"], item["text"],
            tuple((p["kind"], str(p["value"])) for p in item.get("personal") or ()),
            tuple(str(d) for d in item.get("distractors") or ()))
        for kind, _ in message.personal:
            if kind not in KINDS:
                raise ValueError(f"{path}: message {number}: unknown kind {kind!r}")
        for value in [v for _, v in message.personal] + list(message.distractors):
            if value not in message.text:
                raise ValueError(f"{path}: message {number}: {value!r} is not in its text")
        messages.append(message)
    return messages


def _leaks_a_piece(value: str, text: str, masked: str) -> bool:
    """Whether a word or number of three or more characters from ``value`` is still in the
    masked text (one that the message also has elsewhere does not count)."""
    elsewhere = text.replace(value, " ")
    for piece in re.findall(r"[^\W_]{3,}", value):
        whole = re.compile(r"(?<!\w)" + re.escape(piece) + r"(?!\w)")
        if whole.search(masked) and not whole.search(elsewhere):
            return True
    return False


@dataclass
class Tally:
    """Counts for one kind or one language."""

    planted: int = 0
    gone: int = 0
    fully: int = 0
    right_kind: int = 0
    distractors: int = 0
    kept: int = 0


@dataclass
class Figures:
    """Everything one run measured."""

    by_kind: Dict[str, Tally] = field(default_factory=dict)
    by_language: Dict[str, Tally] = field(default_factory=dict)
    messages: Counter = field(default_factory=Counter)
    missed: List[Tuple[str, str, str]] = field(default_factory=list)  # kind, value, masked
    masked_distractors: List[Tuple[str, str]] = field(default_factory=list)  # value, masked
    seconds_per_message: float = 0.0

    @property
    def total(self) -> Tally:
        total = Tally()
        for tally in self.by_language.values():
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(tally, name))
        return total


def measure(messages: Sequence[PlantedMessage]) -> Figures:
    """Mask every message and count what was hidden and what was kept.

    A planted value counts as masked when it no longer appears in the masked text; "fully"
    also needs every word and number of three or more characters of it gone; "right kind"
    needs the placeholder over it to name its kind. A distractor counts as kept when it is
    still there, character for character."""
    figures = Figures()
    started = time.perf_counter()
    masked_texts = [mask_personal_data(m.text) for m in messages]
    figures.seconds_per_message = (time.perf_counter() - started) / max(1, len(messages))
    for message, masked in zip(messages, masked_texts):
        figures.messages[message.language] += 1
        found = find_personal_data(message.text)
        language = figures.by_language.setdefault(message.language, Tally())
        for kind, value in message.personal:
            start = message.text.index(value)
            tallies = (figures.by_kind.setdefault(kind, Tally()), language)
            gone = value not in masked
            fully = gone and not _leaks_a_piece(value, message.text, masked)
            right = any(f.kind == kind and f.start < start + len(value) and start < f.end
                        for f in found)
            for tally in tallies:
                tally.planted += 1
                tally.gone += gone
                tally.fully += fully
                tally.right_kind += right
            if not fully:
                figures.missed.append((kind, value, masked))
        for value in message.distractors:
            language.distractors += 1
            language.kept += value in masked
            if value not in masked:
                figures.masked_distractors.append((value, masked))
    return figures


def changes_on_other_text() -> Tuple[int, Counter]:
    """How many messages of the NLU evaluation sets (written for intent accuracy, with a few
    emails, addresses and postcodes of their own) masking changes, and what it masks there."""
    from bot.tools.evaluation import EVAL_DIR, load_examples

    examples = load_examples(sorted(EVAL_DIR.glob("*.yml")))
    kinds: Counter = Counter()
    for example in examples:
        kinds.update(found.kind for found in find_personal_data(example.text))
    return len(examples), kinds


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def run(say: Callable[[str], None], path: Optional[Path] = None) -> Figures:
    """Measure on the evaluation file and print Markdown tables with ``say``."""
    messages = load_messages(path or EVAL_FILE)
    figures = measure(messages)
    total = figures.total
    say("### Masking personal data for the review inbox\n")
    say(f"{len(messages)} shopper messages in {len(figures.messages)} languages"
        f" ({EVAL_FILE.relative_to(PROJECT_ROOT)}) with {total.planted} planted values and"
        f" {total.distractors} distractors (order numbers, prices, dates, sizes, tracking"
        " codes). Masked: the value no longer appears; fully: no word or number of three or"
        " more characters of it is left either; right kind: the placeholder names its kind.\n")
    say("| kind | planted | masked (recall) | fully masked | right kind |")
    say("|---|---|---|---|---|")
    for kind in [k for k in KINDS if k in figures.by_kind]:
        tally = figures.by_kind[kind]
        say(f"| {kind} | {tally.planted} | {_share(tally.gone, tally.planted)} |"
            f" {_share(tally.fully, tally.planted)} | {_share(tally.right_kind, tally.planted)} |")
    say(f"| all | {total.planted} | {_share(total.gone, total.planted)} |"
        f" {_share(total.fully, total.planted)} | {_share(total.right_kind, total.planted)} |")
    say("")
    say("| language | messages | planted | masked (recall) | distractors | falsely masked |")
    say("|---|---|---|---|---|---|")
    for language in sorted(figures.by_language):
        tally = figures.by_language[language]
        say(f"| {language} | {figures.messages[language]} | {tally.planted} |"
            f" {_share(tally.gone, tally.planted)} | {tally.distractors} |"
            f" {_share(tally.distractors - tally.kept, tally.distractors)} |")
    say(f"| all | {len(messages)} | {total.planted} | {_share(total.gone, total.planted)} |"
        f" {total.distractors} | {_share(total.distractors - total.kept, total.distractors)} |")
    say("")
    count, kinds = changes_on_other_text()
    say(f"On the {count:,} messages of the NLU evaluation sets (tests/nlu_eval) masking hides"
        f" {sum(kinds.values())} values: "
        + (", ".join(f"{kind} {kinds[kind]}" for kind in KINDS if kinds[kind]) or "none") + ".\n")
    say(f"Masking takes {figures.seconds_per_message * 1e3:.2f} ms per message.\n")
    for kind, value, masked in figures.missed:
        say(f"- not fully masked ({kind}): `{value}` in `{masked}`")
    for value, masked in figures.masked_distractors:
        say(f"- masked although it must stay: `{value}` in `{masked}`")
    if figures.missed or figures.masked_distractors:
        say("")
    return figures


if __name__ == "__main__":
    run(print)
