"""Which language a shopper writes in: per-message detection and a sticky conversation choice.

Detection blends two signals: lingua (a well-kept detector whose models ship inside its wheel;
nothing is downloaded) and a character n-gram model trained on the assistant's own multilingual
training data, which knows shop vocabulary, missing diacritics and Ukrainian typed in Latin
letters. Explicit requests ("in English please", "suomeksi") always win.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from bot.i18n import LANGUAGES
from bot.text.classifier_model import tfidf
from bot.text.normalise import normalise

#: How sure a detection must be to switch away from the conversation's language.
SWITCH_CONFIDENCE = 0.8
#: A less sure detection switches too when the message is plainly not in the conversation's
#: language: short English requests ("I want to talk to a human", "my order number is 10023") rank
#: English first at 0.5-0.8 only, because their words also occur in the other languages' chats.
LIKELY_CONFIDENCE = 0.5
#: ... that is, when the conversation's language scores at most this for the message, the
#: message has this many words or more ("rain jacket" or a street and a town are names more
#: than a language), and it does not answer a free-text question (an address, a reason).
UNLIKELY_CURRENT = 0.1
LIKELY_WORDS = 3
#: How sure the first detection must be to set the conversation's language.
FIRST_CONFIDENCE = 0.45

_REQUESTS = {
    "en": r"\b(in english|english please|speak english|englanniksi|ingilizce|"
          r"англійською|bahasa inggris|på engelsk|pa engelsk)\b",
    "fi": r"\b(suomeksi|in finnish|puhu suomea|finnish please|på finsk)\b",
    "tr": r"\b(t[uü]rk[cç]e( l[uü]tfen| konu[sş])?|in turkish|turkish please)\b",
    "uk": r"(українською|по-українськи|ukrainskoiu|ukrainskoyu|in ukrainian|ukrainian please)",
    "id": r"\b(bahasa indonesia|pakai bahasa|in indonesian|indonesian please)\b",
    "nb": r"\b(på norsk|pa norsk|in norwegian|norwegian please|norjaksi|snakk norsk)\b",
}


_EMAIL = re.compile(r"\S+@\S+")


def requested_language(text: str) -> Optional[str]:
    """The language the shopper explicitly asks for, if any."""
    lowered = (text or "").lower()
    for language, pattern in _REQUESTS.items():
        if re.search(pattern, lowered):
            return language
    return None


def has_words(text: str) -> bool:
    """True when there are letters to detect a language from (not just '10023?')."""
    return bool(re.search(r"[^\W\d_]{2,}", text or ""))


@dataclass(frozen=True)
class Detection:
    """Languages ranked by confidence for one message."""

    ranking: List[tuple]  # (language, confidence), best first

    @property
    def language(self) -> Optional[str]:
        return self.ranking[0][0] if self.ranking else None

    @property
    def confidence(self) -> float:
        return float(self.ranking[0][1]) if self.ranking else 0.0

    def as_dict(self) -> Dict:
        return {"name": self.language, "confidence": round(self.confidence, 4),
                "ranking": [{"name": lang, "confidence": round(float(c), 4)}
                            for lang, c in self.ranking]}


class _Lingua:
    """lingua restricted to the six languages, built once on first use."""

    _lock = threading.Lock()
    _detector = None
    _codes = {"ENGLISH": "en", "FINNISH": "fi", "TURKISH": "tr", "UKRAINIAN": "uk",
              "INDONESIAN": "id", "BOKMAL": "nb"}

    @classmethod
    def detector(cls) -> Any:
        """The detector, its six language models read into memory when it is built (else
        lingua reads them on first use, which made the first message of a server take about
        a second)."""
        from lingua import Language, LanguageDetectorBuilder

        with cls._lock:
            if cls._detector is None:
                languages = [getattr(Language, name) for name in cls._codes]
                cls._detector = (LanguageDetectorBuilder.from_languages(*languages)
                                 .with_preloaded_language_models().build())
            return cls._detector

    @classmethod
    def scores(cls, text: str) -> Dict[str, float]:
        values = cls.detector().compute_language_confidence_values(text)
        return {cls._codes[v.language.name]: float(v.value) for v in values}


class LanguageModel:
    """Character n-grams of the assistant's own training data, per language."""

    def __init__(self) -> None:
        self.vectorizer = TfidfVectorizer(preprocessor=normalise,
                                          analyzer="char_wb", ngram_range=(1, 4),
                                          sublinear_tf=True)
        self.classifier = LinearSVC(C=0.5, class_weight="balanced")

    def fit(self, texts: Sequence[str], languages: Sequence[str]) -> "LanguageModel":
        self.classifier.fit(self.vectorizer.fit_transform(texts), list(languages))
        return self

    def scores(self, text: str) -> Dict[str, float]:
        raw = np.atleast_1d(self.classifier.decision_function(tfidf(self.vectorizer, [text]))[0])
        if raw.shape[0] == 1:  # two languages: one score, for the second
            raw = np.array([-raw[0], raw[0]])
        exp = np.exp((raw - raw.max()) * 4.0)
        probabilities = exp / exp.sum()
        return {str(lang): float(p)
                for lang, p in zip(self.classifier.classes_, probabilities)}


def load_detector() -> None:
    """Read lingua's language models now (a server calls this while it loads its model)."""
    _Lingua.detector()


def detect(text: str, model: Optional[LanguageModel] = None) -> Detection:
    """Rank the six languages for one message; empty ranking when there is nothing to go on."""
    if not has_words(text):
        return Detection([])
    text = text[:1000]
    lingua = _Lingua.scores(text)
    own = model.scores(text) if model is not None else {}
    weight = 0.5 if own else 0.0
    blended = {lang: (1 - weight) * lingua.get(lang, 0.0) + weight * own.get(lang, 0.0)
               for lang in LANGUAGES}
    ranking = sorted(blended.items(), key=lambda item: -item[1])
    return Detection(ranking)


def choose_language(current: Optional[str], text: str, detection: Optional[Dict],
                    reported: Optional[str] = None, free_text: bool = False) -> Optional[str]:
    """The conversation's language after this message.

    Args:
        current: The language so far (None at the start).
        text: The shopper's message.
        detection: ``Detection.as_dict()`` of the message, from the NLU pipeline.
        reported: A language the widget or channel reports (metadata ``language``).
        free_text: The message answers a free-text question (an address, a product, a
            reason): its words are often names, so only a sure detection switches.
    """
    asked = requested_language(text)
    if asked:
        return asked
    name = (detection or {}).get("name")
    confidence = float((detection or {}).get("confidence") or 0.0)
    if current is None:
        if reported in LANGUAGES:
            return reported if not (name and confidence >= SWITCH_CONFIDENCE) else name
        return name if name in LANGUAGES and confidence >= FIRST_CONFIDENCE else None
    words = words_in(text)
    if name not in LANGUAGES or name == current or words < 2:
        return current
    if confidence >= SWITCH_CONFIDENCE:
        return name
    scores = {item.get("name"): float(item.get("confidence") or 0.0)
              for item in (detection or {}).get("ranking") or []}
    if confidence >= LIKELY_CONFIDENCE and words >= LIKELY_WORDS and not free_text \
            and current in scores and scores[current] <= UNLIKELY_CURRENT:
        return name
    return current


def words_in(text: str) -> int:
    """How many words a message has to detect a language from (email addresses and numbers
    are no words: "order 10023, anna@example.com" has one)."""
    return len(re.findall(r"[^\W\d_]+", _EMAIL.sub(" ", text or "")))
