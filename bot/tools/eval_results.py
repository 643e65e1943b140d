"""What an evaluation found: the examples, the model's predictions and the figures behind
the accuracy tables (shared by the evaluation, its report and the benchmarks)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

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


