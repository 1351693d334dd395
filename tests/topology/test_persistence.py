"""Persistence diagrams with known answers."""

from __future__ import annotations

import numpy as np
import persim
import pytest
from ripser import ripser
from scipy.sparse.csgraph import minimum_spanning_tree as scipy_mst
from scipy.spatial.distance import pdist, squareform

from napari_topoalign.topology import (
    Diagrams,
    betti_curve,
    diagram_distance,
    diagram_distances,
    farthest_point_landmarks,
    lifetimes,
    persistence,
    persistence_entropy,
)
from napari_topoalign.topology._mst import minimum_spanning_tree
from napari_topoalign.topology.diagrams import _line_distance


def noisy_circle(n=200, noise=0.05, seed=0, dim=2):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 2 * np.pi, n)
    X = np.c_[np.cos(t), np.sin(t)] + rng.normal(scale=noise, size=(n, 2))
    if dim > 2:  # embed in more dimensions by a random rotation
        Q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
        X = np.c_[X, rng.normal(scale=noise, size=(n, dim - 2))] @ Q
    return X


def test_noisy_circle_has_exactly_one_long_h1_bar():
    d = persistence(noisy_circle(), maxdim=1)
    life = lifetimes(d, 1)
    assert life[0] > 1.0  # the circle's hole (radius 1: born ~0.1, dies ~sqrt(3))
    assert (life > 0.3).sum() == 1
    assert life[1] < 0.2


def test_two_far_blobs_have_one_long_h0_bar():
    rng = np.random.default_rng(1)
    X = np.r_[rng.normal(size=(150, 5)), rng.normal(size=(150, 5)) + 30.0]
    d = persistence(X, maxdim=0)
    life = lifetimes(d, 0)
    assert np.isinf(d.dgms[0][0, 1])  # one bar never dies
    assert life[0] > 20.0 and (life > 10.0).sum() == 1
    assert life[1] < 5.0


@pytest.mark.parametrize("n,dim,seed", [(300, 2, 0), (400, 40, 1), (250, 7, 2)])
def test_h0_equals_the_exact_minimum_spanning_tree(n, dim, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, dim))
    X[: n // 3] += 8.0  # clusters: the kNN lists do not cross them, the exact queries must
    D = squareform(pdist(X))
    T = scipy_mst(D).tocoo()
    ref = {(min(i, j), max(i, j)) for i, j in zip(T.row.tolist(), T.col.tolist())}
    edges, weights, _ = minimum_spanning_tree(X)
    assert {tuple(e) for e in edges.tolist()} == ref  # the same tree
    direct = np.sqrt(((X[edges[:, 0]] - X[edges[:, 1]]) ** 2).sum(axis=1))
    np.testing.assert_allclose(weights, direct, rtol=1e-15)  # lengths from the coordinates
    np.testing.assert_allclose(weights, D[edges[:, 0], edges[:, 1]], rtol=1e-13)
    d = persistence(X, maxdim=0)
    finite = np.sort(d.dgms[0][np.isfinite(d.dgms[0][:, 1]), 1])
    np.testing.assert_array_equal(finite, np.sort(weights))  # H0 deaths are the MST lengths
    assert np.all(d.dgms[0][:, 0] == 0)


def test_mst_with_duplicates_and_pivots_off():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 3))
    X = np.r_[X, X[:30]]  # exact duplicates: zero-length edges
    for n_pivots in (0, 16):
        edges, w, _ = minimum_spanning_tree(X, n_pivots=n_pivots)
        ref = np.sort(scipy_mst(squareform(pdist(X[:120]))).data)  # the distinct points
        assert len(w) == len(X) - 1
        assert (w == 0).sum() == 30
        np.testing.assert_allclose(np.sort(w)[30:], ref, rtol=1e-12)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_agrees_with_ripser(metric):
    X = noisy_circle(150, 0.1, seed=4, dim=4)
    ours = persistence(X, maxdim=1, metric=metric)
    ref = ripser(X, maxdim=1, metric=metric)["dgms"]
    a = np.sort(ours.dgms[0][np.isfinite(ours.dgms[0][:, 1]), 1])
    b = np.sort(ref[0][np.isfinite(ref[0][:, 1]), 1])
    np.testing.assert_allclose(a, b, rtol=1e-6)  # ripser works in float32
    np.testing.assert_allclose(np.sort(ours.dgms[1], axis=0), np.sort(ref[1], axis=0), rtol=1e-6)


def test_landmarks_respect_the_bottleneck_bound():
    X = noisy_circle(600, 0.08, seed=5)
    full = persistence(X, maxdim=1)
    part = persistence(X, maxdim=1, n_landmarks=80, random_state=0)
    assert len(part.landmarks) == 80 and part.bound == pytest.approx(2 * part.cover_radius)
    D = squareform(pdist(X))
    assert part.cover_radius == pytest.approx(D[:, part.landmarks].min(axis=1).max())
    db = persim.bottleneck(full.dgms[1], part.dgms[1])
    assert db <= part.bound
    assert lifetimes(part, 1)[0] > 1.0  # the hole survives
    idx, eps = farthest_point_landmarks(X, 80, random_state=0)
    np.testing.assert_array_equal(idx, part.landmarks)


def test_summaries():
    dgm = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, np.inf]])
    assert persistence_entropy(dgm) == pytest.approx(np.log(4))
    assert persistence_entropy(dgm, normalized=True) == pytest.approx(1.0)
    t, c = betti_curve(np.array([[0.0, 2.0], [1.0, 3.0]]), 0, [0.5, 1.5, 2.5, 3.5])
    assert c.tolist() == [1, 2, 1, 0]
    assert lifetimes(dgm).tolist() == [1.0] * 4


def test_line_distance_equals_persim():
    rng = np.random.default_rng(6)
    for _ in range(30):
        a = rng.exponential(size=rng.integers(1, 25))
        b = rng.exponential(size=rng.integers(1, 25))
        A, B = np.c_[np.zeros_like(a), a], np.c_[np.zeros_like(b), b]
        assert _line_distance(a, b, "bottleneck") == pytest.approx(
            persim.bottleneck(A, B), abs=1e-12
        )
        assert _line_distance(a, b, "wasserstein") == pytest.approx(
            persim.wasserstein(A, B), abs=1e-9
        )


def test_distance_matrix_and_roundtrip():
    rng = np.random.default_rng(7)
    base = noisy_circle(120, 0.05, seed=7)
    layers = {"a": base, "b": base * 3.0, "c": rng.normal(size=(120, 2))}
    dg = {k: persistence(v, maxdim=1) for k, v in layers.items()}
    df = diagram_distances(dg, dim=1, normalize=True)
    assert list(df.index) == ["a", "b", "c"] and np.allclose(df.values, df.values.T)
    assert df.loc["a", "b"] < 1e-6 < df.loc["a", "c"]  # scale removed
    raw, err = diagram_distance(dg["a"], dg["b"], dim=0)
    assert raw > 0 and err == 0
    back = Diagrams.from_dict(dg["a"].to_dict())
    for x, y in zip(back.dgms, dg["a"].dgms):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(back.mst_edges, dg["a"].mst_edges)


def test_bad_input():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="maxdim"):
        persistence(X, maxdim=3)
    with pytest.raises(ValueError, match="metric"):
        persistence(X, metric="hamming")
    X = np.ones((6, 2))
    X[2, 1] = np.nan
    with pytest.raises(ValueError, match="X"):
        persistence(X)
    big = np.random.default_rng(0).normal(size=(6000, 2))
    with pytest.raises(ValueError, match="n_landmarks"):
        persistence(big, maxdim=1)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "cosine"])
def test_pruned_farthest_points_equal_the_plain_ones(metric):
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(9)
    X = np.r_[rng.normal(size=(800, 3)), rng.normal(size=(400, 3)) + 6]
    idx, eps = farthest_point_landmarks(X, 60, metric=metric, random_state=1)
    m = {"manhattan": "cityblock"}.get(metric, metric)
    ref = [int(idx[0])]
    near = cdist(X[ref], X, m)[0]
    for _ in range(59):
        ref.append(int(np.argmax(near)))
        near = np.minimum(near, cdist(X[ref[-1:]], X, m)[0])
    assert idx.tolist() == ref
    assert eps == pytest.approx(near.max(), rel=1e-9)


def test_cancel_stops_in_the_landmarks_and_in_h0():
    from napari_topoalign._utils.progress import Cancelled

    X = np.random.default_rng(10).normal(size=(1500, 6))
    seen = []

    def stop_at(word):
        def progress(fraction, message):
            seen.append(message)
            if word in message:
                raise Cancelled("stop")

        return progress

    with pytest.raises(Cancelled):
        persistence(X, n_landmarks=300, progress=stop_at("landmark 64"))
    with pytest.raises(Cancelled):
        persistence(X, maxdim=0, progress=stop_at("Boruvka round 1"))
    assert any(m.startswith("H0") for m in seen)
