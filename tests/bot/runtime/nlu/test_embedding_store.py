"""Training texts' embeddings kept between trainings: a retraining embeds only what is new, and a
conversation's message is never written anywhere."""

import logging

import numpy as np

from bot.runtime.nlu.embedding_store import (
    STORE_FILE,
    EmbeddingStore,
    StoredEncoder,
    encoder_identity,
    store_path,
    training_encoder,
)
from bot.text.sentence_encoder import E5_SMALL, MINILM, TRAINING_BATCH_FROM, CombinedEncoder


class CountingEncoder:
    """A deterministic stand-in for a sentence encoder that records what it was asked."""

    dimension = 8

    def __init__(self) -> None:
        self.asked = []

    def embed(self, texts):
        self.asked.append(list(texts))
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row, len(text) % self.dimension] = 1.0
            vectors[row, (sum(map(ord, text)) + 1) % self.dimension] += 0.5
        return vectors


def texts(count, prefix="where is my order"):
    return [f"{prefix} {number}" for number in range(count)]


def test_a_retraining_embeds_only_the_new_texts_and_gets_the_same_vectors(tmp_path):
    store = EmbeddingStore(tmp_path / STORE_FILE)
    first = CountingEncoder()
    batch = texts(100)
    expected = first.embed(batch)
    first.asked.clear()
    assert np.array_equal(StoredEncoder(first, "fake@1", store).embed(batch), expected)
    assert first.asked == [batch]

    again = CountingEncoder()
    edited = batch[:60] + ["cancel my order please", "refund not here yet"] + batch[60:]
    vectors = StoredEncoder(again, "fake@1", store).embed(edited)
    assert again.asked == [["cancel my order please", "refund not here yet"]]
    assert np.array_equal(vectors, CountingEncoder().embed(edited))


def test_another_encoder_or_version_never_gets_these_vectors(tmp_path):
    store = EmbeddingStore(tmp_path / STORE_FILE)
    StoredEncoder(CountingEncoder(), "fake@1", store).embed(texts(80))
    upgraded = CountingEncoder()
    StoredEncoder(upgraded, "fake@2", store).embed(texts(80))
    assert upgraded.asked == [texts(80)]


def test_a_conversations_message_is_embedded_directly_and_not_stored(tmp_path):
    path = tmp_path / STORE_FILE
    inner = CountingEncoder()
    encoder = StoredEncoder(inner, "fake@1", EmbeddingStore(path))
    encoder.embed(["my email is jane@example.com, order 4711"])
    encoder.embed(texts(TRAINING_BATCH_FROM - 1))
    assert len(inner.asked) == 2
    assert not path.exists()


def test_a_damaged_store_costs_time_not_the_training(tmp_path, caplog):
    path = tmp_path / STORE_FILE
    path.write_bytes(b"this is not a database" * 100)
    inner = CountingEncoder()
    with caplog.at_level(logging.WARNING):
        vectors = StoredEncoder(inner, "fake@1", EmbeddingStore(path)).embed(texts(70))
    assert np.array_equal(vectors, CountingEncoder().embed(texts(70)))
    assert "computing them all" in caplog.text


def test_an_unwritable_place_costs_time_not_the_training(tmp_path, caplog):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory should be")
    inner = CountingEncoder()
    with caplog.at_level(logging.WARNING):
        vectors = StoredEncoder(inner, "fake@1",
                                EmbeddingStore(blocked / STORE_FILE)).embed(texts(70))
    assert vectors.shape == (70, 8)
    assert inner.asked == [texts(70)]


def test_the_store_follows_rasas_training_cache_settings(tmp_path):
    assert store_path({}) == store_path({"RASA_MAX_CACHE_SIZE": "1000"})
    assert store_path({}).name == STORE_FILE
    assert store_path({"RASA_CACHE_DIRECTORY": str(tmp_path)}) == tmp_path / STORE_FILE
    # Rasa's cache switched off: no store either.
    assert store_path({"RASA_MAX_CACHE_SIZE": "0"}) is None


def test_each_encoder_of_a_pair_is_stored_under_its_version(tmp_path):
    assert encoder_identity(MINILM).startswith(f"{MINILM}@")
    assert encoder_identity(E5_SMALL).startswith(f"{E5_SMALL}@")
    pair = training_encoder(f"{MINILM}+{E5_SMALL}", tmp_path / STORE_FILE)
    assert isinstance(pair, CombinedEncoder)
    assert [part.identity for part in pair.parts] == [encoder_identity(MINILM),
                                                      encoder_identity(E5_SMALL)]
