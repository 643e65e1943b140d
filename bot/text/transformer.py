"""A BERT encoder's forward pass as plain NumPy matrix products, shared by the sentence encoders
(``bot.text.sentence_encoder``): token, position and type embeddings, post-norm transformer
layers, mean pooling over the tokens, unit length.

Both all-MiniLM-L6-v2 (6 layers) and multilingual-e5-small (12 layers) are this architecture at
384 dimensions; they differ in their weights, their tokenizers and how their word embeddings are
stored, so the word embeddings come in as a lookup function.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
from threadpoolctl import threadpool_limits

#: Looks up the rows of a (texts x tokens) id matrix: a (texts x tokens x dimension) array.
WordLookup = Callable[[np.ndarray], np.ndarray]
Layer = Dict[str, np.ndarray]

_F = np.float32
# Abramowitz and Stegun 7.1.26: erf(z) = 1 - t (a1 + t (a2 + ... t a5)) exp(-z^2),
# t = 1 / (1 + p z), for z >= 0, within 1.5e-7 of the exact value (float32 rounds at 6e-8).
_P = _F(0.3275911)
_A = (_F(0.254829592), _F(-0.284496736), _F(1.421413741), _F(-1.453152027), _F(1.061405429))
_SQRT_HALF = _F(0.7071067811865476)


def gelu_(x: np.ndarray) -> np.ndarray:
    """BERT's GELU, ``x * (1 + erf(x / sqrt 2)) / 2``, in place on a float32 array.

    SciPy's erf takes about 15 ns a value, a third of a layer's time; this takes about 4 ns and
    stays within 5e-7 of it.
    """
    z = np.abs(x)
    z *= _SQRT_HALF
    np.minimum(z, _F(5.0), out=z)  # beyond, 1 - erf(z) < 2e-12; and exp(-z^2) stays normal
    gauss = np.square(z)
    np.negative(gauss, out=gauss)
    np.exp(gauss, out=gauss)
    t = z
    t *= _P
    t += _F(1.0)
    np.reciprocal(t, out=t)
    tail = t * _A[-1]
    for coefficient in reversed(_A[:-1]):
        tail += coefficient
        tail *= t
    tail *= gauss  # 1 - erf(|x| / sqrt 2)
    np.subtract(_F(1.0), tail, out=tail)
    np.copysign(tail, x, out=tail)  # erf(x / sqrt 2)
    tail += _F(1.0)
    tail *= _F(0.5)
    x *= tail
    return x


def layer_norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray, epsilon: float) -> np.ndarray:
    """Each row to zero mean and unit variance, then scaled and shifted."""
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + _F(epsilon)) * gain + bias


def dense_layer(part: Callable[[str], np.ndarray]) -> Layer:
    """One layer's weights, laid out the way :class:`Bert` multiplies by them, from ``part``,
    which gives each part by name: the matrices ``query``, ``key``, ``value``, ``attention_out``,
    ``up`` and ``down`` as (outputs x inputs), the way PyTorch and the packaged model files keep
    them, each with its ``<name>_bias``, and the norms ``attention_norm`` and ``output_norm``
    with theirs."""
    def by_row(*names: str) -> np.ndarray:
        return np.ascontiguousarray(np.concatenate([part(name) for name in names]).T,
                                    dtype=np.float32)

    def vector(*names: str) -> np.ndarray:
        return np.concatenate([part(name) for name in names]).astype(np.float32)

    return {
        "qkv_w": by_row("query", "key", "value"),
        "qkv_b": vector("query_bias", "key_bias", "value_bias"),
        "out_w": by_row("attention_out"), "out_b": vector("attention_out_bias"),
        "norm1_g": vector("attention_norm"), "norm1_b": vector("attention_norm_bias"),
        "up_w": by_row("up"), "up_b": vector("up_bias"),
        "down_w": by_row("down"), "down_b": vector("down_bias"),
        "norm2_g": vector("output_norm"), "norm2_b": vector("output_norm_bias"),
    }


@dataclass
class Bert:
    """A BERT encoder's weights and the forward pass that pools them into sentence vectors."""

    words: WordLookup
    positions: np.ndarray
    token_type: np.ndarray
    norm: Tuple[np.ndarray, np.ndarray]
    layers: List[Layer]
    heads: int
    epsilon: float

    @property
    def dimension(self) -> int:
        return int(self.positions.shape[1])

    def forward(self, batch: Sequence[List[int]]) -> np.ndarray:
        """Unit-length mean-pooled vectors of a batch of token id lists (padded here)."""
        size, length = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((size, length), dtype=np.int64)
        mask = np.zeros((size, length), dtype=np.float32)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)] = tokens
            mask[row, : len(tokens)] = 1.0
        rows, dimension = size * length, self.dimension
        hidden = self.words(ids) + self.positions[:length][None] + self.token_type
        hidden = layer_norm(hidden.reshape(rows, dimension), *self.norm, self.epsilon)
        padding = ((1.0 - mask) * -1e9)[:, None, None, :]
        width = dimension // self.heads
        scale = _F(1.0 / np.sqrt(width))
        for layer in self.layers:
            # Dense layers on a (tokens x features) matrix: one large matrix product each.
            qkv = (hidden @ layer["qkv_w"] + layer["qkv_b"]).reshape(
                size, length, 3, self.heads, width)
            query, key, value = (qkv[:, :, part].transpose(0, 2, 1, 3) for part in range(3))
            scores = (query @ key.transpose(0, 1, 3, 2)) * scale + padding
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ value).transpose(0, 2, 1, 3).reshape(rows, dimension)
            hidden = layer_norm(hidden + context @ layer["out_w"] + layer["out_b"],
                                layer["norm1_g"], layer["norm1_b"], self.epsilon)
            inner = gelu_(hidden @ layer["up_w"] + layer["up_b"])
            hidden = layer_norm(hidden + inner @ layer["down_w"] + layer["down_b"],
                                layer["norm2_g"], layer["norm2_b"], self.epsilon)
        hidden = hidden.reshape(size, length, dimension)
        pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
        return (pooled / np.linalg.norm(pooled, axis=1, keepdims=True)).astype(np.float32)


def embed_in_batches(forward: Callable[[Sequence[List[int]]], np.ndarray],
                     encoded: Sequence[List[int]], dimension: int, workers: int,
                     batch_size: int = 64) -> np.ndarray:
    """Vectors of token id lists, in their order; lists of similar length are batched together.

    Several batches (training texts) run side by side, up to ``workers`` at once, each with one
    BLAS thread: a batch spends part of its time in element-wise NumPy work on one core, so one
    batch per core keeps every core busy where one batch at a time with multi-threaded matrix
    products leaves them idle between products. A message (one batch) runs on the caller's
    thread with BLAS as it is.
    """
    result = np.zeros((len(encoded), dimension), dtype=np.float32)
    order = sorted(range(len(encoded)), key=lambda index: len(encoded[index]))
    chunks = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]

    def run(chunk: List[int]) -> np.ndarray:
        return forward([encoded[index] for index in chunk])

    workers = min(workers, len(chunks))
    if workers > 1:
        with threadpool_limits(limits=1, user_api="blas"), \
                ThreadPoolExecutor(max_workers=workers) as pool:
            vectors = list(pool.map(run, chunks))
    else:
        vectors = [run(chunk) for chunk in chunks]
    for chunk, chunk_vectors in zip(chunks, vectors):
        result[chunk] = chunk_vectors
    return result
