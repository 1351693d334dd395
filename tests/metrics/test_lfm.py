"""Latent functional maps: invariances, the identity recovered, the authors' robustness to a
perturbation that keeps the classes separable (CKA drops, LFM stays), round trip, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

from napari_topoalign.metrics import LFMResult, cka, lfm, lfm_similarity
from napari_topoalign.metrics.functional_maps import (
    fit_functional_map,
    knn_graph,
    laplacian_eigenbasis,
)


def _blobs(n_per=120, n_classes=4, dim=12, seed=0):
    """Gaussian classes of different spreads on a random curved layout (not shaped to LFM)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=4.0, size=(n_classes, dim))
    X = np.concatenate(
        [c + rng.normal(scale=0.5 + 0.5 * i, size=(n_per, dim)) for i, c in enumerate(centres)]
    )
    y = np.repeat(np.arange(n_classes), n_per)
    return X, y


def test_identical_and_orthogonal_transform():
    X, _ = _blobs(n_per=80)
    Q = ortho_group.rvs(X.shape[1], random_state=0)
    for Y, metric in ((X, "cosine"), (2.5 * X @ Q, "cosine"), (X @ Q + 3.0, "euclidean")):
        r = lfm(X, Y, metric=metric, random_state=0)
        assert r.similarity == pytest.approx(1.0, abs=1e-6)
        assert r.similarity_fitted == pytest.approx(1.0, abs=1e-3)
        assert r.accuracy() >= 0.95
        assert r.matches.shape == (len(X),)


def test_identity_recovered_without_exact_graph_equality():
    """A graph of a permuted copy: the map must follow the permutation, not the row order."""
    X, _ = _blobs(n_per=80)
    perm = np.random.default_rng(1).permutation(len(X))
    r = lfm(X, X[perm], random_state=0, similarity_map="fitted")
    # input i of X is input argsort(perm)[i] of Y
    assert r.accuracy(np.argsort(perm)) >= 0.95
    assert r.similarity_fitted > 0.95


def test_unrelated_scores_near_chance():
    X, _ = _blobs()
    Z = np.random.default_rng(3).normal(size=X.shape)
    r = lfm(X, Z, random_state=0)
    k = r.params["n_eigenvectors"]
    assert r.similarity < 0.15 + k / len(X)
    assert r.accuracy(top=5) < 0.05


def _translate_class(X, y, cls, distance):
    """Move class ``cls`` along the normal of a linear SVM separating it: the classes stay
    linearly separable and every input keeps its neighbours."""
    from sklearn.svm import LinearSVC

    w = LinearSVC(dual=False).fit(X, (y == cls).astype(int)).coef_[0]
    w /= np.linalg.norm(w)
    scale = np.linalg.norm(X - X.mean(0), axis=1).mean()
    return X + (y == cls)[:, None] * distance * scale * w


def test_cka_drops_lfm_stays_synthetic():
    X, y = _blobs()
    c, s = [], []
    for dist in (0.0, 1.0, 3.0):
        Y = _translate_class(X, y, 0, dist)
        c.append(cka(X, Y))
        s.append(lfm_similarity(X, Y, metric="euclidean", random_state=0))
    assert c[0] == pytest.approx(1.0) and s[0] == pytest.approx(1.0)
    assert c[2] < c[0] - 0.3  # CKA drops a lot
    assert min(s) > 0.9  # LFM stays high


def test_cka_drops_lfm_stays_digits():
    from napari_topoalign.datasets import load_digits_sample

    reps = load_digits_sample()
    X = np.asarray(reps["mlp_hidden2"])[:600]
    y = np.asarray(reps.labels)[:600]
    Y = _translate_class(X, y, 0, 3.0)
    assert cka(X, Y) < 0.7
    assert lfm_similarity(X, Y, random_state=0) > 0.9


def test_anchors_and_labels_descriptors():
    X, y = _blobs(n_per=60)
    rng = np.random.default_rng(2)
    Y = np.tanh(X @ rng.normal(size=(12, 10)) / 4)
    r0 = lfm(X, Y, random_state=0)
    r1 = lfm(X, Y, anchors=20, labels=y, random_state=0)
    assert r1.params["descriptors"] == ["hks", "anchors", "labels"]
    assert len(r1.params["anchors"]) == 20
    assert r1.accuracy(top=5) >= r0.accuracy(top=5) - 0.02
    # same seed, same result
    r2 = lfm(X, Y, anchors=20, labels=y, random_state=0)
    np.testing.assert_array_equal(r1.matches, r2.matches)
    np.testing.assert_allclose(r1.C, r2.C)


def test_closed_form_map_minimises_the_energy():
    """The solve is the exact minimiser: random perturbations of C never lower the energy."""
    X, _ = _blobs(n_per=40)
    W, _ = knn_graph(X, 8)
    ev, V = laplacian_eigenbasis(W, 8, random_state=0)
    Y = X + 0.3 * np.random.default_rng(0).normal(size=X.shape)
    W2, _ = knn_graph(Y, 8)
    ev2, V2 = laplacian_eigenbasis(W2, 8, random_state=0)
    F = np.abs(V[:, :4]) + 0.1
    G = np.abs(V2[:, :4]) + 0.1
    C = fit_functional_map(F, G, V, V2, ev, ev2, w_laplacian=0.1, w_commute=0.5)

    def energy(C):
        A = V.T @ (F / np.linalg.norm(F, axis=0))
        B = V2.T @ (G / np.linalg.norm(G, axis=0))
        e = np.sum((C @ A - B) ** 2) + 0.1 * np.sum((C * (ev[None] - ev2[:, None])) ** 2)
        for j in range(4):
            Mx = V.T @ (V * (F[:, j] / F[:, j].max())[:, None])
            My = V2.T @ (V2 * (G[:, j] / G[:, j].max())[:, None])
            e += 0.5 * np.sum((C @ Mx - My @ C) ** 2)
        return e

    e0 = energy(C)
    rng = np.random.default_rng(1)
    for _ in range(20):
        assert energy(C + 1e-3 * rng.normal(size=C.shape)) >= e0 - 1e-12


def test_result_round_trip():
    X, _ = _blobs(n_per=30)
    r = lfm(X, X * 2, random_state=0, anchors=5)
    back = LFMResult.from_dict(r.to_dict())
    np.testing.assert_array_equal(back.C, r.C)
    np.testing.assert_array_equal(back.candidates, r.candidates)
    assert back.similarity == r.similarity
    assert back.params["descriptors"] == r.params["descriptors"]


def test_bad_input():
    X, _ = _blobs(n_per=10, n_classes=2)
    n = len(X)
    with pytest.raises(ValueError, match="Y: has 19 rows but X has 20"):
        lfm(X, X[:-1])
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="Y: row 0 holds infinite"):
        lfm(X, bad)
    with pytest.raises(ValueError, match="n_neighbors: must be smaller than the number of inputs"):
        lfm(X, X, n_neighbors=n)
    with pytest.raises(
        ValueError, match="n_eigenvectors: must be smaller than the number of inputs"
    ):
        lfm(X, X, n_neighbors=5, n_eigenvectors=n)
    with pytest.raises(ValueError, match="X: is constant"):
        lfm(np.zeros_like(X), X)
    with pytest.raises(ValueError, match="descriptors: 'anchors' needs anchors"):
        lfm(X, X, n_neighbors=5, n_eigenvectors=5, descriptors=["anchors"])
    with pytest.raises(ValueError, match="descriptors: unknown option"):
        lfm(X, X, n_neighbors=5, n_eigenvectors=5, descriptors=["wks"])
    with pytest.raises(IndexError, match="anchors: index 99"):
        lfm(X, X, n_neighbors=5, n_eigenvectors=5, anchors=[1, 99])
    with pytest.raises(ValueError, match="labels: expected shape"):
        lfm(X, X, n_neighbors=5, n_eigenvectors=5, labels=[1, 2])


def test_iterative_map_solve_equals_dense(monkeypatch):
    """Above DENSE_MAP_SOLVE coefficients the map is solved by conjugate gradients: the same
    minimiser as the dense factorisation."""
    from napari_topoalign.metrics import functional_maps as fm

    X, _ = _blobs(n_per=50)
    Y = X + 0.4 * np.random.default_rng(0).normal(size=X.shape)
    W, D = knn_graph(X, 8)
    W2, D2 = knn_graph(Y, 8)
    ev, V = laplacian_eigenbasis(W, 32, random_state=0)
    ev2, V2 = laplacian_eigenbasis(W2, 32, random_state=0)
    F = fm.descriptor_functions(["hks", "anchors"], ev, V, D, anchors=np.arange(0, 200, 20))
    G = fm.descriptor_functions(["hks", "anchors"], ev2, V2, D2, anchors=np.arange(0, 200, 20))
    C_cg = fit_functional_map(F, G, V, V2, ev, ev2)
    monkeypatch.setattr(fm, "DENSE_MAP_SOLVE", 10**9)
    C_dense = fit_functional_map(F, G, V, V2, ev, ev2)
    np.testing.assert_allclose(C_cg, C_dense, atol=1e-6 * np.abs(C_dense).max())


def test_cka_drops_lfm_stays_minilm():
    """The same on real language-model activations: 600 MiniLM words of block3, classes =
    k-means cells (linearly separable by construction)."""
    from sklearn.cluster import KMeans

    from napari_topoalign.datasets import load_minilm_sample

    X = np.asarray(load_minilm_sample()["block3"], dtype=np.float64)[:600]
    y = KMeans(n_clusters=5, n_init=2, random_state=0).fit_predict(X)
    Y = _translate_class(X, y, 0, 3.0)
    assert cka(X, Y) < 0.6
    assert lfm_similarity(X, Y, n_eigenvectors=30, random_state=0) > 0.85
