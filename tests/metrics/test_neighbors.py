"""The blocked kNN search (one ranking product per block, float32 screening of float64 data,
exact re-ranking) against the plainest exact reference: the full distance matrix, sorted."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from napari_topoalign.metrics._neighbors import _chunked_select, knn


def _reference(X, k, metric, queries=None):
    """All distances in float64 by their definition, stable-sorted (ties by index)."""
    X = np.asarray(X, dtype=np.float64)
    Q = X if queries is None else np.asarray(queries, dtype=np.float64)
    D = cdist(Q, X, metric=metric)  # by the definitions, in float64
    if queries is None:
        D[np.arange(len(X)), np.arange(len(X))] = np.inf
    idx = np.argsort(D, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(D, idx, axis=1)


@pytest.mark.parametrize(
    "n, d, metric, dtype",
    [
        (2_600, 48, "cosine", np.float32),  # the chunked two-stage selection (n >= 4 * 32 * k)
        (2_600, 12, "euclidean", np.float64),  # float32 screening with a margin, re-ranked
        (300, 30, "euclidean", np.float32),  # argpartition over whole rows
        (25, 4, "cosine", np.float64),  # every row a candidate
    ],
)
def test_same_neighbours_as_full_distance_matrix(n, d, metric, dtype):
    rng = np.random.default_rng(0)
    # clustered, anisotropic, with exact duplicates and a far outlier: not a friendly cloud
    X = rng.normal(size=(n, d)) * rng.gamma(1.0, size=d) + 5 * rng.integers(0, 4, (n, 1))
    X[5] = X[3]
    X[-1] *= 50
    X = X.astype(dtype)
    k = min(10, n - 2)
    Q = X[:20] + rng.normal(scale=0.05, size=(20, d)).astype(dtype)
    for queries in (None, Q):
        idx, dist = knn(X, k, metric=metric, queries=queries, block=97)
        ref_idx, ref_dist = _reference(X, k, metric, queries)
        # the same neighbours at the same distances; the order may differ only inside ties
        np.testing.assert_allclose(dist, ref_dist, rtol=1e-4, atol=1e-5)
        same = idx == ref_idx
        tied = np.isclose(dist, ref_dist, rtol=1e-4, atol=1e-5)
        assert np.all(same | tied)
        assert np.mean(same) > 0.99
        if queries is None:
            assert not np.any(idx == np.arange(n)[:, None])  # itself excluded


def test_chunked_select_is_exact():
    rng = np.random.default_rng(1)
    D = rng.normal(size=(7, 5_003)).astype(np.float32)  # a tail of columns outside the groups
    D[2, 5_001] = -100.0  # the smallest entry in the tail
    got = np.sort(_chunked_select(D, 11), axis=1)
    ref = np.sort(np.argsort(D, axis=1)[:, :11], axis=1)
    np.testing.assert_array_equal(got, ref)


def test_progress_from_the_first_step():
    calls = []
    X = np.random.default_rng(2).normal(size=(400, 8))
    knn(X, 3, block=100, n_jobs=1, progress=lambda f, m: calls.append(f))
    assert calls[0] == 0.0 and calls[-1] == pytest.approx(1.0) and len(calls) == 5
