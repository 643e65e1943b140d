"""Knowledge-base entries: one YAML file per topic under data/kb/."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

ALLOWED_PAYLOADS = {
    "/return_item", "/order_status", "/cancel_order", "/change_address", "/talk_to_human",
    "/product_info",
}


class KnowledgeBaseError(ValueError):
    """A KB file is malformed; the message names the file."""


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Entry:
    """One FAQ topic: the answer the bot gives for ``faq/<key>``."""

    key: str
    title: str
    answer: str
    links: Tuple[Link, ...] = ()
    buttons: Tuple[Button, ...] = ()
    examples: Tuple[str, ...] = field(default=(), compare=False)

    @property
    def intent(self) -> str:
        """The retrieval intent this entry answers, e.g. ``faq/return_policy``."""
        return f"faq/{self.key}"

    def full_text(self) -> str:
        """Answer plus links, as sent on channels without rich links."""
        text = self.answer.strip()
        for link in self.links:
            text += f"\n{link.title}: {link.url}"
        return text


def _entry(path: Path, data: Dict) -> Entry:
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{path}: must hold a mapping")
    for key in ("key", "title", "answer"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise KnowledgeBaseError(f"{path}: '{key}' is missing or empty")
    if data["key"] != path.stem:
        raise KnowledgeBaseError(f"{path}: key '{data['key']}' must match the file name")
    if "{" in data["answer"] or "}" in data["answer"]:
        raise KnowledgeBaseError(f"{path}: answers may not contain braces")
    links = tuple(Link(str(item["title"]), str(item["url"])) for item in data.get("links") or [])
    buttons = []
    for item in data.get("buttons") or []:
        if item.get("payload") not in ALLOWED_PAYLOADS:
            raise KnowledgeBaseError(f"{path}: button payload {item.get('payload')!r} unknown")
        buttons.append(Button(str(item["title"]), str(item["payload"])))
    return Entry(data["key"], data["title"].strip(), " ".join(data["answer"].split()),
                 links, tuple(buttons))


def load_entries(kb_dir: Path) -> List[Entry]:
    """Read every ``*.yml`` in the KB folder, sorted by key."""
    entries = []
    for path in sorted(Path(kb_dir).glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise KnowledgeBaseError(f"{path}: not valid YAML: {error}") from error
        entries.append(_entry(path, data))
    if not entries:
        raise KnowledgeBaseError(f"{kb_dir}: no knowledge-base entries")
    return entries


def load_faq_examples(nlu_file: Path) -> Dict[str, List[str]]:
    """Training examples per FAQ key from the faq NLU file (used by the KB search)."""
    if not Path(nlu_file).exists():
        return {}
    data = yaml.safe_load(Path(nlu_file).read_text(encoding="utf-8")) or {}
    examples: Dict[str, List[str]] = {}
    for block in data.get("nlu") or []:
        intent = str(block.get("intent") or "")
        if intent.startswith("faq/"):
            lines = [line.strip()[2:].strip() for line in str(block.get("examples", "")).splitlines()
                     if line.strip().startswith("- ")]
            examples[intent[4:]] = lines
    return examples


def with_examples(entries: List[Entry], examples: Dict[str, List[str]]) -> List[Entry]:
    """Attach the training examples of each key to its entry."""
    return [Entry(e.key, e.title, e.answer, e.links, e.buttons, tuple(examples.get(e.key, [])))
            for e in entries]
