"""The one text normaliser: what the models, the KB search, the trainers' checks, payment
details and language detection compare, instead of the text as typed."""

from __future__ import annotations

import re
import unicodedata

_NUMBER = re.compile(r"\d+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_MARKUP = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def fold(text: str) -> str:
    """Lower case without diacritics: "Mäkelä" and "makela" are the same word here."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def normalise(text: str) -> str:
    """Folded, with emails and digits replaced by placeholders.

    Order numbers, emails and amounts carry no intent; replacing them keeps the model
    from learning particular numbers and makes it robust to diacritics left out.
    """
    text = _EMAIL.sub(" emailaddr ", fold(text))
    return _NUMBER.sub(lambda m: " num " if len(m.group()) < 4 else " longnum ", text)


def fingerprint(text: str) -> str:
    """What two examples share when one is merely a copy of the other: the text without entity
    markup, case, diacritics, punctuation and particular numbers."""
    text = fold(_MARKUP.sub(lambda match: match.group(1), text))
    text = re.sub(r"\d+", "0", text)
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def without_markup(example: str) -> str:
    """A training example as a shopper typed it: entity annotations removed."""
    return _MARKUP.sub(r"\1", example).strip()
