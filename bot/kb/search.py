"""Search the knowledge base when the response selector is not sure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.kb.store import Entry
from bot.nlu.text_model import normalise


@dataclass(frozen=True)
class Hit:
    """A KB entry and how well it matches the question (cosine similarity, 0-1)."""

    entry: Entry
    score: float


class KnowledgeBaseSearch:
    """TF-IDF over title, answer and training examples (character n-grams: typo tolerant)."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._entries = list(entries)
        documents = [
            " ".join([entry.title, entry.title, entry.answer, *entry.examples])
            for entry in self._entries
        ]
        self._vectorizer = TfidfVectorizer(
            preprocessor=normalise, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True
        )
        self._matrix = self._vectorizer.fit_transform(documents)

    def search(self, question: str, top: int = 3, min_score: float = 0.0) -> List[Hit]:
        """The best ``top`` entries scoring at least ``min_score``, best first."""
        if not question or not question.strip():
            return []
        query = self._vectorizer.transform([question[:1000]])
        scores = (self._matrix @ query.T).toarray().ravel()
        order = np.argsort(-scores)[:top]
        return [Hit(self._entries[i], float(scores[i])) for i in order if scores[i] >= min_score]
