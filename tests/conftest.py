"""Shared fixtures and the one source of synthetic test data.

Every generator here is a plain function of its sizes and a seed (``numpy.random.default_rng``),
exposed through the ``synthetic`` fixture (``synthetic.blobs(600, 5, 4, seed=1)``) so that test
modules do not grow their own copies. Real data (the digits sample, the planted pair) are
session fixtures: built once per test run.

Viewer tests (``tests/viewer/``) skip cleanly without napari: each module starts with
``pytest.importorskip("napari")``; ``make_napari_viewer`` comes from napari's pytest plugin.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest


# --------------------------------------------------------------------------- generators
def blobs(n: int, d: int, k: int, seed: int, std: float = 1.0, spread: float = 6.0) -> np.ndarray:
    """``n`` points in ``d`` dimensions around ``k`` Gaussian centres (centres with standard
    deviation ``spread``, points ``std`` around them)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=spread, size=(k, d))
    return centres[rng.integers(0, k, n)] + rng.normal(scale=std, size=(n, d))


def two_clusters(n_per: int = 80, d: int = 4, shift: float = 6.0, seed: int = 0):
    """Two Gaussian clusters ``shift`` apart, and a second view of them (rotated, scaled by 2,
    slightly noisy): ``(X, Y, labels)``."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(size=(n_per, d)), rng.normal(size=(n_per, d)) + shift])
    Q = np.linalg.qr(rng.normal(size=(d, d)))[0]
    Y = 2 * X @ Q + rng.normal(scale=0.05, size=X.shape)
    return X, Y, np.repeat([0, 1], n_per)


def loop_and_blob_views(
    n_loop: int = 300, n_blob: int = 100, dim: int = 6, n_views: int = 2, seed: int = 0
):
    """A noisy circle and a blob beside it, seen through ``n_views`` random non-linear maps
    to ``dim`` dimensions: a list of ``(n_loop + n_blob, dim)`` arrays."""
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n_loop)
    Z = np.column_stack([np.cos(t), np.sin(t)]) + rng.normal(scale=0.05, size=(n_loop, 2))
    Z = np.vstack([Z, rng.normal((4, 0), 0.3, size=(n_blob, 2))])
    out = []
    for _ in range(n_views):
        M = rng.normal(size=(2, dim))
        out.append(np.tanh(Z @ M / 2) + rng.normal(scale=0.02, size=(len(Z), dim)))
    return out


def clusters_and_loop_views(seed: int, n: int = 600, dim: int = 8, n_views: int = 2):
    """Three Gaussian clusters and a loop in the plane, seen through ``n_views`` noisy random
    non-linear maps to ``dim`` dimensions."""
    rng = np.random.default_rng(seed)
    parts = [rng.normal(c, 0.6, size=(n // 4, 2)) for c in [(0, 0), (6, 0), (3, 5)]]
    t = rng.uniform(0, 2 * np.pi, n // 4)
    parts.append(np.column_stack([3 + 2.5 * np.cos(t), -5 + 2.5 * np.sin(t)]))
    Z = np.vstack(parts)
    out = []
    for _ in range(n_views):
        M = rng.normal(size=(2, dim))
        out.append(np.tanh(Z @ M / 3) + rng.normal(scale=0.05, size=(len(Z), dim)))
    return out


def spread_points(n: int, rng, box: float, min_dist: float) -> np.ndarray:
    """``n`` points in a ``box`` x ``box`` square, no two closer than ``min_dist``
    (rejection sampling with the generator ``rng``)."""
    pts = []
    while len(pts) < n:
        q = rng.uniform(0, box, 2)
        if all(np.hypot(*(q - r)) >= min_dist for r in pts):
            pts.append(q)
    return np.array(pts)


SYNTHETIC = SimpleNamespace(
    blobs=blobs,
    two_clusters=two_clusters,
    loop_and_blob_views=loop_and_blob_views,
    clusters_and_loop_views=clusters_and_loop_views,
    spread_points=spread_points,
)


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def synthetic() -> SimpleNamespace:
    """The generators above: ``synthetic.blobs(...)``, ``synthetic.two_clusters(...)``, ..."""
    return SYNTHETIC


@pytest.fixture
def rng() -> np.random.Generator:
    """A fresh generator with seed 0 for every test."""
    return np.random.default_rng(0)


@pytest.fixture(scope="session")
def small_graph():
    """A mapper graph of two clusters (120 inputs, lens = first coordinate) and its labels."""
    from napari_topoalign import build_mapper

    X, _, y = two_clusters(60, 3, 8.0, seed=0)
    g = build_mapper(X, lens=X[:, 0], n_intervals=6, overlap=0.4, eps=1.5, labels=y, name="toy")
    return g, y


@pytest.fixture(scope="session")
def digits():
    """The digits sample (pixels PCA and two MLP layers of 1,797 images)."""
    from napari_topoalign.datasets import load_digits_sample

    return load_digits_sample(random_state=0)


@pytest.fixture(scope="session")
def planted_pair():
    """``(representations, truth)`` of the planted pair with seed 0."""
    from napari_topoalign.datasets.synthetic import make_planted_pair

    return make_planted_pair(random_state=0)
