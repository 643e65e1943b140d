"""Knowledge-base entries: one YAML file per topic under data/kb/, with a text per language.

```
key: return_policy
title: {en: Returns and exchanges, fi: Palautukset ja vaihdot, ...}
answer: {en: You can return ..., fi: ...}
links: [{title: {en: Return policy, ...}, url: https://...}]
buttons: [{title: {en: Start a return, ...}, payload: /return_item}]
```
A plain string instead of a mapping is the English text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Tuple

import yaml

from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES

ALLOWED_PAYLOADS = {
    "/return_item", "/order_status", "/cancel_order", "/change_address", "/talk_to_human",
    "/product_info",
}

Texts = Mapping[str, str]


class KnowledgeBaseError(ValueError):
    """A KB file is malformed; the message names the file."""


def _texts(value: Any, where: str) -> Dict[str, str]:
    if isinstance(value, str):
        value = {DEFAULT_LANGUAGE: value}
    if not isinstance(value, dict) or not str(value.get(DEFAULT_LANGUAGE) or "").strip():
        raise KnowledgeBaseError(f"{where}: an English text is required")
    unknown = set(value) - set(LANGUAGES)
    if unknown:
        raise KnowledgeBaseError(f"{where}: unknown languages {sorted(unknown)}")
    return {lang: " ".join(str(text).split()) for lang, text in value.items() if text}


def _pick(texts: Texts, language: str) -> str:
    return texts.get(language) or texts[DEFAULT_LANGUAGE]


@dataclass(frozen=True)
class Link:
    titles: Texts
    url: str

    def title(self, language: str = DEFAULT_LANGUAGE) -> str:
        return _pick(self.titles, language)


@dataclass(frozen=True)
class Button:
    titles: Texts
    payload: str

    def title(self, language: str = DEFAULT_LANGUAGE) -> str:
        return _pick(self.titles, language)


@dataclass(frozen=True)
class Entry:
    """One FAQ topic: the answer the bot gives for ``faq/<key>``."""

    key: str
    titles: Texts
    answers: Texts
    links: Tuple[Link, ...] = ()
    buttons: Tuple[Button, ...] = ()
    examples: Tuple[str, ...] = field(default=(), compare=False)

    @property
    def intent(self) -> str:
        """The retrieval intent this entry answers, e.g. ``faq/return_policy``."""
        return f"faq/{self.key}"

    @property
    def title(self) -> str:
        return self.titles[DEFAULT_LANGUAGE]

    @property
    def answer(self) -> str:
        return self.answers[DEFAULT_LANGUAGE]

    def title_in(self, language: str) -> str:
        return _pick(self.titles, language)

    def full_text(self, language: str = DEFAULT_LANGUAGE) -> str:
        """Answer plus links, as sent on channels without rich links."""
        text = _pick(self.answers, language)
        for link in self.links:
            text += f"\n{link.title(language)}: {link.url}"
        return text

    def languages(self) -> List[str]:
        """Languages in which title, answer and every link and button title exist."""
        parts = [self.titles, self.answers, *[link.titles for link in self.links],
                 *[b.titles for b in self.buttons]]
        return [lang for lang in LANGUAGES if all(lang in texts for texts in parts)]


def _entry(path: Path, data: Any) -> Entry:
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{path}: must hold a mapping")
    if data.get("key") != path.stem:
        raise KnowledgeBaseError(f"{path}: key '{data.get('key')}' must match the file name")
    titles = _texts(data.get("title"), f"{path}: title")
    answers = _texts(data.get("answer"), f"{path}: answer")
    if any("{" in text or "}" in text for text in answers.values()):
        raise KnowledgeBaseError(f"{path}: answers may not contain braces")
    links = tuple(Link(_texts(item.get("title"), f"{path}: link title"), str(item["url"]))
                  for item in data.get("links") or [])
    buttons = []
    for item in data.get("buttons") or []:
        if item.get("payload") not in ALLOWED_PAYLOADS:
            raise KnowledgeBaseError(f"{path}: button payload {item.get('payload')!r} unknown")
        buttons.append(Button(_texts(item.get("title"), f"{path}: button title"),
                              str(item["payload"])))
    return Entry(data["key"], titles, answers, links, tuple(buttons))


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


def kb_problems(entries: List[Entry]) -> List[str]:
    """Entries that lack a language."""
    return [f"data/kb/{entry.key}.yml: no {lang} text"
            for entry in entries for lang in LANGUAGES if lang not in entry.languages()]


def load_faq_examples(nlu_dir: Path) -> Dict[str, List[str]]:
    """Training examples per FAQ key from every NLU file, all languages (for the KB search)."""
    from bot.text.nlu_data import read_examples

    examples: Dict[str, List[str]] = {}
    for example in read_examples(nlu_dir):
        if example.label.startswith("faq/"):
            examples.setdefault(example.label[4:], []).append(example.text)
    return examples


def with_examples(entries: List[Entry], examples: Dict[str, List[str]]) -> List[Entry]:
    """Attach the training examples of each key to its entry."""
    return [Entry(e.key, e.titles, e.answers, e.links, e.buttons,
                  tuple(examples.get(e.key, []))) for e in entries]
