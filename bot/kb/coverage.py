"""Does the chosen answer speak to what was asked? "Can I return sale items?" is about returns,
and the return policy answers it only in general: it says nothing about sale items.

A question's content words are compared with the entry: a word counts as spoken to when the
answer or the title has it (or a form of it: "returns", "palauttaa" ~ "palautus"), when the
entry's training examples have it (trainers vouch that the entry answers those questions),
or when it is a word of the shop's questions in general (it occurs in the examples of many
entries: "how", "can", "tilaus"). A word left over that qualifies something the answer does
talk about ("sale" beside "items", "alennus" in "alennustuotteita") is a narrower topic the
answer does not mention. Matching is on folded text (bot.text.normalise), so diacritics and
case do not matter.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Set, Tuple

from bot.kb.store import Entry
from bot.text.normalise import fold

_WORD = re.compile(r"[^\W\d_]+")
_EMAIL = re.compile(r"\S+@\S+")
#: A word the examples of this many intents and FAQ keys share is a word of requests in general.
GENERAL_LABELS = 6
#: Languages that put a qualifier after the word it narrows ("barang diskon", "товари зі
#: знижкою"); the others put it before ("sale items", "indirimli ürünler").
_QUALIFIER_AFTER = {"id", "uk"}
_STEM = 5  # letters two forms of a word share: "palautus" ~ "palauttaa", "returns" ~ "return"


def words(text: str) -> List[str]:
    """The folded words of a text worth comparing: three letters or more (email addresses and
    numbers left out)."""
    return [word for word in _WORD.findall(fold(_EMAIL.sub(" ", text or ""))) if len(word) > 2]


def same_word(a: str, b: str) -> bool:
    """Two forms of one word: the same first letters (all of a short word), or one typo."""
    shared = 0
    for x, y in zip(a, b):
        if x != y:
            break
        shared += 1
    if shared >= min(_STEM, len(a), len(b)):
        return True
    return min(len(a), len(b)) >= 5 and _one_edit(a, b)


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b)) if x != y]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def _in_compound(word: str, known: Iterable[str]) -> bool:
    """A compound whose second part the answer has: "alennustuotteita" ~ "tuotteet"."""
    return len(word) >= 8 and any(
        len(other) >= 4 and word[3:].find(other[:min(_STEM, len(other))]) >= 0
        for other in known)


class AnswerCoverage:
    """What of a question an entry's answer does not mention.

    Args:
        entries: The knowledge base, each entry with its training examples.
        examples: Every training example as (label, text): the FAQ keys' and the other
            intents' ("thanks", "please", "again" are words of any request).
    """

    def __init__(self, entries: Sequence[Entry], examples: Iterable[Tuple[str, str]]) -> None:
        owners: Dict[str, Set[str]] = defaultdict(set)
        for label, text in examples:
            for word in words(text):
                owners[word].add(label)
        self._general = {word for word, labels in owners.items()
                         if len(labels) >= GENERAL_LABELS}
        self._examples = {entry.key: {word for example in entry.examples
                                      for word in words(example)} for entry in entries}

    @classmethod
    def from_training_data(cls, entries: Sequence[Entry], nlu_dir: Path) -> "AnswerCoverage":
        """Built from the entries and every training example under ``nlu_dir``."""
        from bot.text.nlu_data import read_examples

        return cls(entries, ((example.label, example.text) for example in read_examples(nlu_dir)))

    def unmentioned(self, question: str, entry: Entry, language: str) -> str:
        """The narrower topic of the question that the entry's answer does not mention, as
        the shopper wrote it ("sale items"), or "" when the answer speaks to all of it."""
        answer = set(words(entry.answers.get(language, "")) + words(entry.answer))
        vouched = answer | set(words(entry.title_in(language))) | self._examples[entry.key]
        # Words of three letters or more, as typed; "on", "зі" between two of them are passed.
        typed = [word for word in _WORD.findall(_EMAIL.sub(" ", question or "")) if len(word) > 2]
        folded = [fold(word) for word in typed]
        said = [any(same_word(word, known) for known in answer) for word in folded]
        step = -1 if language in _QUALIFIER_AFTER else 1
        for i, word in enumerate(folded):
            if said[i] or word in self._general:
                continue
            if any(same_word(word, known) for known in vouched):
                continue
            if _in_compound(word, answer):
                return typed[i]
            other = i + step
            if 0 <= other < len(folded) and said[other]:
                first, last = sorted((i, other))
                return _span(question, typed[first], typed[last])
        return ""


def _span(question: str, first: str, last: str) -> str:
    """The question's text from one word to another ("товари зі знижкою")."""
    start = question.find(first)
    end = question.find(last, start + len(first)) if start >= 0 else -1
    return question[start:end + len(last)] if start >= 0 and end >= 0 else f"{first} {last}"
