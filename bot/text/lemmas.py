"""The lemmas of a message's words, with spaCy's tokenizer for the message's language.

``spacy.blank(language)`` splits the words the way the language needs (clitics, apostrophes,
abbreviations); the lemma of each word comes from the lemma lookup table that
``spacy-lookups-data`` ships for English, Indonesian, Norwegian Bokmål and Turkish, and for
Ukrainian from ``pymorphy3`` with its Ukrainian dictionary (spaCy 3.4's own Ukrainian lemmatizer
is written for pymorphy2, which pymorphy3 continues). There is no Finnish lemma table in
``spacy-lookups-data``: Finnish words are kept as spaCy's tokenizer splits them, lower case.

Everything is installed with the project (pyproject.toml); nothing is downloaded. Pipelines are
built on first use of a language and kept for the process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Callable, Dict, List, Tuple

from bot.text.normalise import fold

#: Languages with a lemma table in spacy-lookups-data (spaCy's lookup lemmatizer).
LOOKUP_LANGUAGES = ("en", "id", "nb", "tr")
#: Languages whose lemmas come from pymorphy3's dictionaries.
PYMORPHY_LANGUAGES = ("uk",)
#: Every language the lemmatiser tokenises (Finnish: tokens only, no lemma table).
LANGUAGES = LOOKUP_LANGUAGES + PYMORPHY_LANGUAGES + ("fi",)
#: Texts whose lemmas are remembered (training runs see each text once per fold).
_REMEMBERED = 50_000


class Lemmatiser:
    """Lemmas per language; pipelines are built lazily, once per language."""

    def __init__(self) -> None:
        self._pipelines: Dict[str, Any] = {}
        self._morphology: Dict[str, Callable[[str], str]] = {}
        self._seen: Dict[Tuple[str, str], List[str]] = {}

    def _pipeline(self, language: str) -> Any:
        if language not in self._pipelines:
            import spacy

            nlp = spacy.blank(language)
            if language in LOOKUP_LANGUAGES:
                nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
                nlp.initialize()  # reads the table from spacy-lookups-data
            self._pipelines[language] = nlp
        return self._pipelines[language]

    def _normal_form(self, language: str) -> Callable[[str], str]:
        if language not in self._morphology:
            import pymorphy3

            analyser = pymorphy3.MorphAnalyzer(lang=language)
            cache: Dict[str, str] = {}

            def normal_form(word: str) -> str:
                if word not in cache:
                    parses = analyser.parse(word)
                    cache[word] = parses[0].normal_form if parses else word
                return cache[word]

            self._morphology[language] = normal_form
        return self._morphology[language]

    def forget(self) -> None:
        """Drop the remembered lemmas of earlier texts."""
        self._seen.clear()

    def lemmas(self, text: str, language: str) -> List[str]:
        """The text's words as lemmas, lower case without diacritics; punctuation and spaces
        left out. A language not in ``LANGUAGES`` gets no lemmas."""
        if language not in LANGUAGES:
            return []
        key = (text, language)
        if key not in self._seen:
            if len(self._seen) >= _REMEMBERED:
                self._seen.clear()
            self._seen[key] = self._lemmas(text, language)
        return list(self._seen[key])

    def _lemmas(self, text: str, language: str) -> List[str]:
        doc = self._pipeline(language)(text)
        words = [token for token in doc if not (token.is_punct or token.is_space)]
        if language in PYMORPHY_LANGUAGES:
            normal_form = self._normal_form(language)
            found = [normal_form(token.lower_) for token in words]
        elif language in LOOKUP_LANGUAGES:
            found = [token.lemma_ or token.text for token in words]
        else:
            found = [token.text for token in words]
        return [fold(word) for word in found if word.strip()]


@lru_cache(maxsize=None)
def load_lemmatiser() -> Lemmatiser:
    """The process's lemmatiser."""
    return Lemmatiser()
