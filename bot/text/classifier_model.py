"""A fast text classifier: TF-IDF word and character n-grams, optionally beside word n-grams of
lemmas (``bot.text.lemmas``, for the languages configured) and a sentence embedding
(``bot.text.sentence_encoder``), into a linear SVM.

Kept free of Rasa so that it can be trained and measured on its own (see ``bot.tools.benchmarks``).
Confidences come from a softmax over the SVM's decision scores with a temperature; they
rank well and are cheap, which is what the fallback threshold needs.
"""

from __future__ import annotations

import copy
import pickle
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.svm import LinearSVC
from sklearn.utils.class_weight import compute_class_weight

from bot.text.lemmas import load_lemmatiser
from bot.text.normalise import normalise
from bot.text.sentence_encoder import MINILM, load_encoder, usable_cores

#: The first byte of a pickle (protocol 2 and later).
_PICKLE_START = b"\x80"
#: The attributes of :class:`TextClassifierModel` that hold a fitted linear SVM.
_SVMS = ("classifier", "plain")


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
    # With embeddings: a message whose TF-IDF-only model is at least this sure (at the
    # configured temperature) is answered by that model, without computing the embedding.
    # Above 1 the embedding is always computed.
    shortcut_confidence: float = 1.01
    # Messages in these languages also get TF-IDF word n-grams of their lemmas (spaCy);
    # empty: no lemma features.
    lemma_languages: Tuple[str, ...] = ()

    def component_defaults(self) -> Dict[str, Any]:
        """These settings under the names a Rasa component takes in config.yml."""
        return {"C": self.c, "temperature": self.temperature,
                "embedding_weight": self.embedding_weight, "encoder": self.encoder,
                "shortcut_confidence": self.shortcut_confidence,
                "lemma_languages": list(self.lemma_languages)}

    @classmethod
    def from_component(cls, config: Mapping[str, Any]) -> "TextModelConfig":
        """The settings a Rasa component was given in config.yml (see
        :meth:`component_defaults`)."""
        settings = {**cls().component_defaults(), **config}
        return cls(c=float(settings["C"]), temperature=float(settings["temperature"]),
                   embedding_weight=float(settings["embedding_weight"]),
                   encoder=str(settings["encoder"]),
                   shortcut_confidence=float(settings["shortcut_confidence"]),
                   lemma_languages=tuple(str(language) for language
                                         in settings["lemma_languages"] or ()))


class TextClassifierModel:
    """TF-IDF (word + char_wb n-grams) and sentence-embedding features into a one-vs-rest
    linear SVM. The encoder itself is not pickled with the model: it is loaded once per process
    by name.

    With embeddings, a second SVM on the TF-IDF features alone answers the messages it is
    nearly sure about (``shortcut_confidence``), most of a conversation's messages ("hi",
    "order 10023", "thanks"), so that only the others pay for the embedding.
    """

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
        self.lemmas: Optional[TfidfVectorizer] = TfidfVectorizer(
            analyzer=str.split, sublinear_tf=True) if config.lemma_languages else None
        self.classifier = linear_svc(config.c)
        self.plain: Optional[LinearSVC] = None  # TF-IDF alone, for the shortcut

    def __getstate__(self) -> Dict[str, Any]:
        """Pickled with the SVMs' weights in single precision: half the bytes to write, to
        compress into the model archive and to load, for scores that differ by about a
        millionth."""
        state = dict(self.__dict__)
        for name in _SVMS:
            svm = state.get(name)
            if svm is not None and getattr(svm, "coef_", None) is not None:
                compact = copy.copy(svm)
                compact.coef_ = svm.coef_.astype(np.float32)
                state[name] = compact
        return state

    def __setstate__(self, state: Dict[str, Any]) -> None:
        """The pickled state, the SVMs' weights back in double precision (as they were fitted:
        scikit-learn would otherwise convert them on every message)."""
        self.__dict__.update(state)
        for name in _SVMS:
            svm = state.get(name)
            if svm is not None and getattr(svm, "coef_", None) is not None:
                svm.coef_ = svm.coef_.astype(np.float64)

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

    def _lemma_documents(self, texts: Sequence[str],
                         languages: Optional[Sequence[Optional[str]]]) -> List[str]:
        """Each text's lemmas and lemma bigrams, one space-separated document per text (empty
        for a language not configured, or not known)."""
        lemmatiser = load_lemmatiser()
        wanted = set(self.config.lemma_languages)
        documents = []
        for index, text in enumerate(texts):
            language = languages[index] if languages is not None else None
            if language not in wanted:
                documents.append("")
                continue
            words = lemmatiser.lemmas(text, str(language))
            documents.append(" ".join(words + [f"{a}_{b}" for a, b in zip(words, words[1:])]))
        return documents

    def _tfidf(self, texts: Sequence[str],
               languages: Optional[Sequence[Optional[str]]] = None):
        parts = [tfidf(self.words, texts), tfidf(self.chars, texts)]
        lemmas = getattr(self, "lemmas", None)  # absent from models pickled before lemmas
        if lemmas is not None:
            parts.append(tfidf(lemmas, self._lemma_documents(texts, languages)))
        return hstack(parts).tocsr()

    def _features(self, texts: Sequence[str], vectors: Optional[np.ndarray] = None,
                  tfidf_part=None):
        part = self._tfidf(texts) if tfidf_part is None else tfidf_part
        if not self.uses_embeddings:
            return part
        if vectors is None:
            vectors = self.embed(texts)
        weighted = csr_matrix(vectors * np.float32(self.config.embedding_weight))
        return hstack([part, weighted]).tocsr()

    def fit(self, texts: Sequence[str], labels: Sequence[str],
            vectors: Optional[np.ndarray] = None,
            languages: Optional[Sequence[Optional[str]]] = None) -> "TextClassifierModel":
        """Learn the vocabulary and the classifier from labelled texts (``vectors``: their
        embeddings, when already computed; ``languages``: the language each is written in,
        which picks the lemmatiser)."""
        if len(set(labels)) < 2:
            raise ValueError("the text classifier needs at least two labels")
        self.words.fit(texts)
        self.chars.fit(texts)
        if self.lemmas is not None:
            documents = self._lemma_documents(texts, languages)
            # An empty vocabulary (no text in a lemma language) would fail to fit.
            self.lemmas.fit(documents if any(documents) else ["-"])
        part = self._tfidf(texts, languages)
        self.classifier = fit_one_vs_rest(self._features(texts, vectors, tfidf_part=part),
                                          labels, self.config.c)
        if self.uses_embeddings and self.config.shortcut_confidence <= 1.0:
            self.plain = fit_one_vs_rest(part, labels, self.config.c)
        return self

    @property
    def labels(self) -> List[str]:
        """The known labels, in the column order of the classifier's scores."""
        return [str(label) for label in self.classifier.classes_]

    def _softmax(self, scores: np.ndarray, temperature: Optional[float]) -> np.ndarray:
        scores = np.atleast_2d(scores)
        if scores.shape[1] == 1:  # binary problem: one score for the positive class
            scores = np.hstack([-scores, scores])
        scaled = scores * (self.config.temperature if temperature is None else temperature)
        scaled -= scaled.max(axis=1, keepdims=True)
        exp = np.exp(scaled)
        return exp / exp.sum(axis=1, keepdims=True)

    def rank(self, text: str, top: int = 10, temperature: Optional[float] = None,
             vector: Optional[Callable[[], np.ndarray]] = None,
             plain_only: bool = False,
             language: Optional[str] = None) -> List[Tuple[str, float]]:
        """Return the ``top`` labels for one text with their confidences, best first.

        ``vector`` gives the text's embedding when it is needed (computed here otherwise);
        ``plain_only`` answers from the TF-IDF-only model, if there is one, however sure it is;
        ``language`` is the text's (detected) language, for the lemma features.
        """
        part = self._tfidf([text], [language])
        plain = getattr(self, "plain", None)
        probabilities = None
        if plain is not None:
            scores = plain.decision_function(part)
            if plain_only or \
                    self._softmax(scores, None).max() >= self.config.shortcut_confidence:
                probabilities = self._softmax(scores, temperature)[0]
        if probabilities is None:
            vectors = None
            if self.uses_embeddings:
                vectors = (vector() if vector is not None else self.embed([text])[0])[None, :]
            features = self._features([text], vectors, tfidf_part=part)
            probabilities = self._softmax(self.classifier.decision_function(features),
                                          temperature)[0]
        order = np.argsort(-probabilities)[:top]
        labels = self.labels
        return [(labels[i], float(probabilities[i])) for i in order]


def model_bytes(model: TextClassifierModel) -> bytes:
    """The model as stored in a Rasa model: pickled, then compressed at zlib's fastest level.

    Rasa packs the model archive at gzip's slowest level, which spends over ten seconds on
    a large model's SVM weights; compressed first, the archive is packed in about a second and
    comes out smaller.
    """
    return zlib.compress(pickle.dumps(model), 1)


def model_from_bytes(data: bytes) -> TextClassifierModel:
    """A model stored by :func:`model_bytes`, or pickled without compression (older models)."""
    if data[:1] != _PICKLE_START:
        data = zlib.decompress(data)
    return pickle.loads(data)  # noqa: S301 - the project's own trained model


def linear_svc(c: float, class_weight: Any = "balanced") -> LinearSVC:
    """The classifier: a linear SVM, one class against the rest, each class weighted by the
    inverse of its frequency."""
    return LinearSVC(C=c, class_weight=class_weight)


#: Stands for every label outside a group in :func:`fit_one_vs_rest`; sorts before any label.
_REST = "\x00rest"


def fit_one_vs_rest(features, labels: Sequence[str], c: float,
                    workers: Optional[int] = None) -> LinearSVC:
    """A fitted :func:`linear_svc`, its classes learnt in groups on every usable core.

    liblinear learns each class against all others on one core, one class after another, and
    each of those problems depends only on which examples are the class's: its own examples
    weighted by the class's weight, all others at weight 1. So the labels are split into one
    group per core; each group is fitted with every label outside it renamed to one stand-in,
    whose own problem is dropped. Each class's problem is the same as in one fit (the same
    weights and examples), and the groups run side by side (liblinear releases the GIL).
    """
    labels = np.asarray([str(label) for label in labels], dtype=object)
    classes = sorted(set(labels))
    workers = min(usable_cores() if workers is None else workers, len(classes) // 2)
    if workers < 2:
        return linear_svc(c).fit(features, list(labels))
    weights = dict(zip(classes, compute_class_weight(
        "balanced", classes=np.asarray(classes, dtype=object), y=labels)))
    groups = [list(group) for group in np.array_split(np.asarray(classes, dtype=object),
                                                       workers)]

    def fit_group(group: List[str]) -> LinearSVC:
        members = set(group)
        renamed = [label if label in members else _REST for label in labels]
        return linear_svc(c, {**{label: weights[label] for label in group}, _REST: 1.0}).fit(
            features, renamed)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        fitted = list(pool.map(fit_group, groups))
    rows = {label: (model.coef_[index], model.intercept_[index])
            for model in fitted for index, label in enumerate(model.classes_) if label != _REST}
    joined = linear_svc(c)
    joined.classes_ = np.asarray(classes, dtype=object)
    joined.coef_ = np.vstack([rows[label][0] for label in classes])
    joined.intercept_ = np.asarray([rows[label][1] for label in classes])
    joined.n_features_in_ = fitted[0].n_features_in_
    joined.n_iter_ = max(model.n_iter_ for model in fitted)
    return joined


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
