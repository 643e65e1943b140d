"""Search the knowledge base when the response selector is not sure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.i18n import LANGUAGES
from bot.kb.store import Entry
from bot.text.normalise import normalise


@dataclass(frozen=True)
class Hit:
    """A KB entry and how well it matches the question (cosine similarity, 0-1)."""

    entry: Entry
    score: float


class KnowledgeBaseSearch:
    """TF-IDF over character n-grams (typo tolerant) of small documents: each entry's title
    and answer per language, and each of its training examples; an entry scores as its best
    matching document, so a short question is not drowned by six languages of text."""

    def __init__(self, entries: Sequence[Entry]) -> None:
        self._entries = list(entries)
        documents: List[str] = []
        owners: List[int] = []
        for index, entry in enumerate(self._entries):
            for language in LANGUAGES:
                if language in entry.titles or language in entry.answers:
                    title = entry.title_in(language)
                    documents.append(f"{title} {title} {entry.answers.get(language, '')}")
                    owners.append(index)
            for example in entry.examples:
                documents.append(example)
                owners.append(index)
        self._owners = np.array(owners)
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
        best = np.zeros(len(self._entries))
        np.maximum.at(best, self._owners, scores)
        order = np.argsort(-best)[:top]
        return [Hit(self._entries[i], float(best[i])) for i in order if best[i] >= min_score]
