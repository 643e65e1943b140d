"""A fast text classifier: TF-IDF word and character n-grams, optionally beside a sentence
embedding (``bot.nlu.sentence_encoder``), into a linear SVM.

Kept free of Rasa so that it can be trained and measured on its own (see ``bot.benchmarks``).
Confidences come from a softmax over the SVM's decision scores with a temperature; they
rank well and are cheap, which is what the fallback threshold needs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC

from bot.nlu.sentence_encoder import MINILM, load_encoder

_NUMBER = re.compile(r"\d+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def normalise(text: str) -> str:
    """Lower-case, strip accents, and replace emails and digits by placeholders.

    Order numbers, emails and amounts carry no intent; replacing them keeps the model
    from learning particular numbers and makes it robust to diacritics left out.
    """
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _EMAIL.sub(" emailaddr ", text)
    return _NUMBER.sub(lambda m: " num " if len(m.group()) < 4 else " longnum ", text)


@dataclass(frozen=True)
class TextModelConfig:
    """Hyper-parameters of :class:`TextClassifierModel`."""

    c: float = 0.5
    temperature: float = 6.0
    word_ngrams: Tuple[int, int] = (1, 2)
    char_ngrams: Tuple[int, int] = (2, 5)
    # Weight of the sentence embedding beside the TF-IDF features (each part has unit length);
    # 0 leaves the encoder out.
    embedding_weight: float = 0.0
    encoder: str = MINILM

    @classmethod
    def from_component(cls, config: Mapping[str, Any]) -> "TextModelConfig":
        """The settings a Rasa component was given in config.yml (``C``, ``temperature``,
        ``embedding_weight``, ``encoder``)."""
        return cls(c=float(config["C"]), temperature=float(config["temperature"]),
                   embedding_weight=float(config.get("embedding_weight", 0.0)),
                   encoder=str(config.get("encoder", MINILM)))


class TextClassifierModel:
    """TF-IDF (word + char_wb n-grams) and sentence-embedding features into a one-vs-rest
    linear SVM. The encoder itself is not pickled with the model: it is loaded once per process
    by name."""

    def __init__(self, config: TextModelConfig = TextModelConfig()) -> None:
        self.config = config
        self.words = TfidfVectorizer(
            preprocessor=normalise,
            ngram_range=config.word_ngrams,
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w+\b",
        )
        self.chars = TfidfVectorizer(
            preprocessor=normalise,
            analyzer="char_wb",
            ngram_range=config.char_ngrams,
            sublinear_tf=True,
        )
        self.classifier = LinearSVC(C=config.c, class_weight="balanced")

    @property
    def uses_embeddings(self) -> bool:
        return self.config.embedding_weight > 0

    def warm_up(self) -> None:
        """Load the sentence encoder now rather than on the first message."""
        if self.uses_embeddings:
            load_encoder(self.config.encoder)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """The texts' sentence embeddings (the model must use them)."""
        return load_encoder(self.config.encoder).embed(list(texts))

    def _features(self, texts: Sequence[str], vectors: Optional[np.ndarray] = None):
        parts = [tfidf(self.words, texts), tfidf(self.chars, texts)]
        if self.uses_embeddings:
            if vectors is None:
                vectors = self.embed(texts)
            parts.append(csr_matrix(vectors * np.float32(self.config.embedding_weight)))
        return hstack(parts).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> "TextClassifierModel":
        """Learn the vocabulary and the classifier from labelled texts."""
        if len(set(labels)) < 2:
            raise ValueError("the text classifier needs at least two labels")
        self.words.fit(texts)
        self.chars.fit(texts)
        self.classifier.fit(self._features(texts), list(labels))
        return self

    @property
    def labels(self) -> List[str]:
        """The known labels, in the column order of :meth:`predict_proba`."""
        return [str(label) for label in self.classifier.classes_]

    def predict_proba(self, texts: Sequence[str], temperature: Optional[float] = None,
                      vectors: Optional[np.ndarray] = None) -> np.ndarray:
        """Return a (texts x labels) matrix of confidences that sum to one per text; the
        temperature, if given, replaces the configured one; ``vectors`` are the texts'
        embeddings if they were already computed."""
        scores = np.atleast_2d(self.classifier.decision_function(self._features(texts, vectors)))
        if scores.shape[1] == 1:  # binary problem: one score for the positive class
            scores = np.hstack([-scores, scores])
        scaled = scores * (self.config.temperature if temperature is None else temperature)
        scaled -= scaled.max(axis=1, keepdims=True)
        exp = np.exp(scaled)
        return exp / exp.sum(axis=1, keepdims=True)

    def rank(self, text: str, top: int = 10, temperature: Optional[float] = None,
             vector: Optional[np.ndarray] = None) -> List[Tuple[str, float]]:
        """Return the ``top`` labels for one text with their confidences, best first."""
        vectors = None if vector is None else vector[None, :]
        probabilities = self.predict_proba([text], temperature, vectors)[0]
        order = np.argsort(-probabilities)[:top]
        labels = self.labels
        return [(labels[i], float(probabilities[i])) for i in order]


def tfidf(vectorizer: TfidfVectorizer, texts: Sequence[str]):
    """``vectorizer.transform(texts)``, the same matrix for a fraction of the time.

    scikit-learn rebuilds the IDF vector from its diagonal matrix and re-checks the fitted
    state on every call, which costs several times the n-gram counting itself for one short
    message. Here the IDF vector is taken once per vectorizer and applied to the counts.
    """
    idf = vectorizer.__dict__.get("_idf_vector")
    if idf is None:
        idf = vectorizer.__dict__["_idf_vector"] = np.asarray(vectorizer.idf_, dtype=np.float64)
    counts = CountVectorizer.transform(vectorizer, texts).astype(np.float64)
    if vectorizer.sublinear_tf:
        np.log(counts.data, counts.data)
        counts.data += 1.0
    if vectorizer.use_idf:
        counts.data *= idf[counts.indices]
    if vectorizer.norm:
        counts = normalize(counts, norm=vectorizer.norm, copy=False)
    return counts
