"""The shared BERT forward pass: its GELU, its layer norm and its batching."""

import threading
import time

import numpy as np
from scipy.special import erf
from threadpoolctl import threadpool_info

from bot.text.transformer import embed_in_batches, gelu_, layer_norm


def test_gelu_is_berts_exact_gelu_to_float32_precision():
    x = np.concatenate([np.linspace(-12, 12, 20001), [0.0, -0.0, 1e-30, -1e-30, 50, -50, 1e4]])
    x = x.astype(np.float32)
    exact = x.astype(np.float64) * (1 + erf(x.astype(np.float64) / np.sqrt(2))) / 2
    got = gelu_(x.copy())
    assert got.dtype == np.float32
    assert np.abs(got - exact).max() < 2e-6 * max(1.0, np.abs(x).max() / 12)
    assert np.abs(got[np.abs(x) < 12] - exact[np.abs(x) < 12]).max() < 2e-6
    # In place: the argument holds the result.
    y = np.array([-1.0, 0.5, 2.0], dtype=np.float32)
    assert gelu_(y) is y and np.allclose(y, [-0.15865526, 0.34573123, 1.9544997], atol=1e-6)


def test_layer_norm_gives_each_row_zero_mean_and_unit_variance_before_scaling():
    rows = np.random.default_rng(1).normal(3.0, 5.0, size=(4, 384)).astype(np.float32)
    normed = layer_norm(rows, np.ones(384, np.float32), np.zeros(384, np.float32), 1e-12)
    assert np.allclose(normed.mean(1), 0, atol=1e-5) and np.allclose(normed.std(1), 1, atol=1e-4)
    shifted = layer_norm(rows, np.full(384, 2, np.float32), np.ones(384, np.float32), 1e-12)
    assert np.allclose(shifted, normed * 2 + 1, atol=1e-5)


def test_batches_run_side_by_side_and_every_vector_lands_in_its_place():
    threads = set()

    def forward(batch):
        threads.add(threading.get_ident())
        time.sleep(0.01)  # long enough for the other worker to take the next batch
        # A vector that tells which token list it came from.
        return np.array([[len(ids), ids[0]] for ids in batch], dtype=np.float32)

    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    encoded = [[index] * (1 + index % 13) for index in range(300)]
    vectors = embed_in_batches(forward, encoded, 2, workers=2, batch_size=16)
    assert [tuple(row) for row in vectors] == [(len(ids), ids[0]) for ids in encoded]
    assert len(threads) == 2
    assert [pool["num_threads"] for pool in threadpool_info()
            if pool["user_api"] == "blas"] == blas
    # One batch (a message) runs on the calling thread.
    threads.clear()
    embed_in_batches(forward, encoded[:3], 2, workers=2)
    assert threads == {threading.get_ident()}
    assert embed_in_batches(forward, [], 2, workers=2).shape == (0, 2)
