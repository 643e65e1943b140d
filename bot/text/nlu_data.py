"""The one reader (and writer) of NLU YAML files: every example with its file and line.

Used by the trainers' checks and ``make example``, the KB search's examples and the evaluation
sets alike, so that all of them see the same examples.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Union

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.text.normalise import without_markup


@dataclass(frozen=True)
class TrainingExample:
    text: str  # without entity annotations
    label: str  # intent or faq/<key>
    language: str
    path: Path
    line: int
    raw: str = ""  # as written, entity annotations included

    def where(self, root: Path) -> str:
        try:
            return f"{self.path.relative_to(root)}:{self.line}"
        except ValueError:
            return f"{self.path}:{self.line}"


def plain_text(example: str) -> str:
    """The example as a shopper typed it: annotations removed."""
    return without_markup(example)


def read_file(path: Path, language: str) -> List[TrainingExample]:
    """Every example of every intent block of one file."""
    examples: List[TrainingExample] = []
    label = None
    in_examples = False
    for number, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
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
                                            number, stripped[2:]))
        elif stripped and not raw.startswith("    ") and not stripped.startswith("#"):
            in_examples = stripped.startswith("examples:")
    return examples


def read_examples(nlu: Union[str, Path]) -> List[TrainingExample]:
    """Every example under a training-data folder (the language is the sub-folder's name,
    English on top), or of one file (English)."""
    nlu = Path(nlu)
    if nlu.is_file():
        return read_file(nlu, DEFAULT_LANGUAGE)
    examples: List[TrainingExample] = []
    for path in sorted(nlu.rglob("*.yml")):
        language = path.parent.name if path.parent != nlu else DEFAULT_LANGUAGE
        examples += read_file(path, language)
    return examples


#: Rasa's entity annotation: ``[text](entity)``, ``[text](entity:value)``, ``[text]{...}`` or
#: ``[text][{...}, {...}]`` (rasa.shared.nlu.training_data.entities_parser.ENTITY_REGEX).
_ANNOTATION = re.compile(
    r"\[(?P<text>[^\]]+?)\](\((?P<entity>[^:)]+?)(?:\:(?P<value>[^)]+))?\)"
    r"|\{(?P<dict>[^}]+?)\}|\[(?P<dicts>.*?)\])")
_ENTITY_KEYS = {"entity": str, "role": str, "group": str, "value": (str, int, float)}


def markup_problems(example: str, entities: Optional[set] = None) -> List[str]:
    """Why Rasa would refuse (or silently misread) the entity annotations of an example.

    Args:
        example: The example as written in the training data.
        entities: The entity names the domain declares (not checked when None).
    """
    problems = []
    for match in _ANNOTATION.finditer(example):
        if match.group("dict") is not None:
            dicts = ["{" + match.group("dict") + "}"]
        elif match.group("dicts") is not None:
            dicts = re.findall(r"\{[^}]+?\}", match.group("dicts"))
            if not dicts:
                problems.append(f"'{match.group()}' annotates nothing: write"
                                ' [text]{"entity": "name"}')
        else:
            dicts = []
            name = match.group("entity").strip()
            if not re.fullmatch(r"[\w\-.]+", name):
                problems.append(f"'{match.group()}': '{name}' is not an entity name")
            elif entities is not None and name not in entities:
                problems.append(f"'{match.group()}': entity '{name}' is not in domain.yml")
        for text in dicts:
            problems += _dict_problems(match.group(), text, entities)
    rest = _ANNOTATION.sub("", example)
    if re.search(r"\[[^\]]*\]\s*[({]", rest) or re.search(r"\]\s*\{|\]\(", rest):
        problems.append("an entity annotation is broken (a bracket or quote went missing?):"
                        ' write [text](entity) or [text]{"entity": "entity"}')
    return problems


def _dict_problems(annotation: str, text: str, entities: Optional[set]) -> List[str]:
    try:
        data = json.loads(text)
    except ValueError:
        return [f"'{annotation}' is not valid JSON (shell quoting ate the quotes?): write"
                ' [text]{"entity": "name"}']
    if not isinstance(data, dict) or not isinstance(data.get("entity"), str):
        return [f"'{annotation}' needs \"entity\": \"<name>\""]
    problems = []
    for key, value in data.items():
        if key not in _ENTITY_KEYS:
            problems.append(f"'{annotation}': '{key}' is not one of entity, role, group, value")
        elif not isinstance(value, _ENTITY_KEYS[key]) or isinstance(value, bool):
            problems.append(f"'{annotation}': {key} must be text")
    if entities is not None and data["entity"] not in entities:
        problems.append(f"'{annotation}': entity '{data['entity']}' is not in domain.yml")
    return problems


class ExampleError(ValueError):
    """The example cannot be added; the message says why."""


def _files_for(nlu_dir: Path, language: str) -> List[Path]:
    folder = nlu_dir if language == DEFAULT_LANGUAGE else nlu_dir / language
    return sorted(folder.glob("*.yml"))


def add_example(nlu_dir: Path, label: str, language: str, text: str) -> Path:
    """Insert ``text`` as the last example of ``label`` in ``language``; return the file."""
    text = " ".join((text or "").split())
    if not text:
        raise ExampleError("the example is empty")
    if len(text) > 500:
        raise ExampleError("the example is longer than 500 characters")
    if language not in LANGUAGES:
        raise ExampleError(f"unknown language {language!r} (one of {', '.join(LANGUAGES)})")
    if not re.fullmatch(r"[a-z_]+(/[a-z_]+)?", label):
        raise ExampleError(f"{label!r} is not an intent or faq/<key> name")
    broken = markup_problems(text)
    if broken:
        raise ExampleError("; ".join(broken))
    wanted = " ".join(plain_text(text).lower().split())
    for existing in read_examples(nlu_dir):
        if " ".join(existing.text.lower().split()) == wanted:
            raise ExampleError(f"already there as {existing.label} ({existing.path}:"
                               f"{existing.line})")
    for path in _files_for(nlu_dir, language):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        start = next((i for i, line in enumerate(lines)
                      if re.match(rf"^- intent: *{re.escape(label)}\s*$", line)), None)
        if start is None:
            continue
        last = None
        for i in range(start + 1, len(lines)):
            if lines[i].startswith("- "):
                break
            if lines[i].strip().startswith("- "):
                last = i
        if last is None:
            continue
        indent = lines[last][: len(lines[last]) - len(lines[last].lstrip())]
        if not lines[last].endswith("\n"):
            lines[last] += "\n"
        lines.insert(last + 1, f"{indent}- {text}\n")
        path.write_text("".join(lines), encoding="utf-8")
        return path
    return _new_block(nlu_dir, label, language, text)


def _new_block(nlu_dir: Path, label: str, language: str, text: str) -> Path:
    folder = nlu_dir if language == DEFAULT_LANGUAGE else nlu_dir / language
    folder.mkdir(parents=True, exist_ok=True)
    name = "faq.yml" if label.startswith("faq/") else (
        "intents.yml" if language != DEFAULT_LANGUAGE else "added.yml")
    path = folder / name
    if not path.exists():
        path.write_text('version: "3.1"\n\nnlu:\n', encoding="utf-8")
    content = path.read_text(encoding="utf-8")
    if not content.endswith("\n"):
        content += "\n"
    block = f"\n- intent: {label}\n"
    if language != DEFAULT_LANGUAGE:
        block += f"  metadata:\n    language: {language}\n"
    block += f"  examples: |\n    - {text}\n"
    path.write_text(content + block, encoding="utf-8")
    return path
