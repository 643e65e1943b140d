"""Read the NLU training files with the file and line of every example."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import List

_ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True)
class TrainingExample:
    text: str  # without entity annotations
    label: str  # intent or faq/<key>
    language: str
    path: Path
    line: int

    def where(self, root: Path) -> str:
        try:
            return f"{self.path.relative_to(root)}:{self.line}"
        except ValueError:
            return f"{self.path}:{self.line}"


def plain_text(example: str) -> str:
    """The example as a shopper typed it: annotations removed."""
    return _ANNOTATION.sub(r"\1", example).strip()


def read_examples(nlu_dir: Path) -> List[TrainingExample]:
    """Every example of every intent block, with its language (folder name; English on top)."""
    examples: List[TrainingExample] = []
    for path in sorted(Path(nlu_dir).rglob("*.yml")):
        language = path.parent.name if path.parent != Path(nlu_dir) else "en"
        label = None
        in_examples = False
        for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            stripped = raw.strip()
            match = re.match(r"^- (intent|regex|lookup|synonym): *(\S+)", raw)
            if match:
                label = match.group(2) if match.group(1) == "intent" else None
                in_examples = False
                continue
            if stripped.startswith("examples:"):
                in_examples = True
                continue
            if label and in_examples and stripped.startswith("- "):
                examples.append(TrainingExample(plain_text(stripped[2:]), label, language, path,
                                                number))
            elif stripped and not raw.startswith("    ") and not stripped.startswith("#"):
                in_examples = stripped.startswith("examples:")
    return examples
