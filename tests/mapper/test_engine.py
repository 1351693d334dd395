"""build_mapper: KeplerMapper parity on several data sets, mapper properties, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.cluster import DBSCAN, AgglomerativeClustering
from sklearn.datasets import make_blobs, make_circles, make_moons

from napari_topoalign import MapperGraph, build_mapper
from napari_topoalign.mapper import EmptyGraphWarning, compute_lens, knee_eps, make_cover

km = pytest.importorskip("kmapper")


def _kmapper_graph(X, lens, n_cubes, overlap, eps, min_samples):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return km.KeplerMapper(verbose=0).map(
            lens,
            X,
            cover=km.Cover(n_cubes=n_cubes, perc_overlap=overlap),
            clusterer=DBSCAN(eps=eps, min_samples=min_samples),
        )


def _assert_same_as_kmapper(g: MapperGraph, ref: dict):
    ours = [tuple(g.node_members(i).tolist()) for i in range(g.n_nodes)]
    theirs = [tuple(sorted(v)) for v in ref["nodes"].values()]
    assert ours == theirs  # same node sets in the same order
    our_edges = {frozenset((ours[a], ours[b])) for a, b in g.edges}
    their_edges = {
        frozenset((tuple(sorted(ref["nodes"][a])), tuple(sorted(ref["nodes"][b]))))
        for a, bs in ref["links"].items()
        for b in bs
    }
    assert our_edges == their_edges
    # and our kmapper export round-trips to the same graph
    back = MapperGraph.from_kmapper(g.to_kmapper(), g.n_inputs)
    assert back.node_sets() == g.node_sets()
    np.testing.assert_array_equal(back.edges, g.edges)


def _digits():
    from sklearn.datasets import load_digits

    return load_digits().data.astype(np.float64)


DATASETS = {
    "circles": lambda: make_circles(n_samples=600, noise=0.05, factor=0.5, random_state=0)[0],
    "moons": lambda: make_moons(n_samples=700, noise=0.08, random_state=1)[0],
    "blobs10d": lambda: make_blobs(n_samples=800, n_features=10, centers=6, random_state=2)[0],
    "digits": _digits,
}


@pytest.mark.parametrize(
    "data, lens_name, n_cubes, overlap, eps, min_samples",
    [
        ("circles", "pca1", 8, 0.4, 0.15, 3),
        ("moons", "l2norm", 10, 0.25, 0.2, 4),
        ("blobs10d", "eccentricity", 12, 0.5, 2.5, 5),
        ("digits", "l2norm", 15, 0.3, 22.0, 3),
        ("circles", "pca2", 5, 0.3, 0.2, 3),
        ("moons", "pca2", 4, 0.5, 0.25, 2),
        ("digits", "pca2", 6, 0.4, 25.0, 4),
    ],
)
def test_parity_with_kmapper(data, lens_name, n_cubes, overlap, eps, min_samples):
    X = DATASETS[data]()
    lens = compute_lens(X, lens_name, random_state=0)
    ref = _kmapper_graph(X, lens, n_cubes, overlap, eps, min_samples)
    g = build_mapper(
        X,
        lens=lens,
        n_intervals=n_cubes,
        overlap=overlap,
        clusterer=DBSCAN(eps=eps, min_samples=min_samples),
        min_samples=min_samples,
    )
    assert g.n_nodes > 3
    _assert_same_as_kmapper(g, ref)
    # naming eps/min_samples instead of passing a DBSCAN object gives the same graph
    g2 = build_mapper(
        X, lens=lens, n_intervals=n_cubes, overlap=overlap, eps=eps, min_samples=min_samples
    )
    assert g2.node_sets() == g.node_sets()
    np.testing.assert_array_equal(g2.edges, g.edges)


def test_lenses_shapes_and_meaning():
    X = make_blobs(n_samples=300, n_features=5, centers=3, random_state=0)[0]
    norms = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(compute_lens(X, "l2norm"), norms)
    q = compute_lens(X, "l2norm_quantile")
    assert q.min() > 0 and q.max() < 1
    np.testing.assert_array_equal(np.argsort(q, kind="stable"), np.argsort(norms, kind="stable"))
    assert compute_lens(X, "pca1").shape == (300,)
    assert compute_lens(X, "pca2").shape == (300, 2)
    ecc = compute_lens(X, "eccentricity")
    far = np.argmax(np.linalg.norm(X - X.mean(0), axis=1))
    assert ecc[far] > np.median(ecc)
    dens = compute_lens(X, "knn_density")
    assert (dens > 0).all()
    custom = compute_lens(X, lambda A: A[:, 0])
    np.testing.assert_array_equal(custom, X[:, 0])


def test_balanced_cover_has_equal_counts():
    X = np.random.default_rng(0).exponential(size=(1000, 3))
    lens = compute_lens(X, "l2norm")
    cover = make_cover(lens, "balanced", 10, 0.0)
    counts = [len(m) for m in cover.members(lens)]
    assert max(counts) - min(counts) <= 2
    uniform = [len(m) for m in make_cover(lens, "uniform", 10, 0.0).members(lens)]
    assert max(uniform) - min(uniform) > 50  # skewed lens: uniform intervals are unequal
    g = build_mapper(X, cover="balanced", n_intervals=8, overlap=0.2, eps=0.6)
    assert g.n_nodes > 0


def test_single_linkage_and_sklearn_clusterers():
    X, _ = make_circles(n_samples=500, noise=0.03, factor=0.4, random_state=3)
    single = build_mapper(
        X, lens="pca1", n_intervals=6, overlap=0.3, clusterer="single", eps=0.15, min_samples=2
    )
    dbscan1 = build_mapper(X, lens="pca1", n_intervals=6, overlap=0.3, eps=0.15, min_samples=1)
    # single linkage cut at eps = DBSCAN with min_samples 1 (connected components of the eps graph)
    assert single.node_sets() == dbscan1.node_sets()
    agg = build_mapper(
        X,
        lens="pca1",
        n_intervals=6,
        overlap=0.3,
        clusterer=AgglomerativeClustering(n_clusters=2),
        min_samples=2,
    )
    assert agg.n_nodes == 12  # two clusters per element


def test_automatic_eps_is_the_knee_and_recorded():
    X = make_blobs(n_samples=600, n_features=4, centers=4, cluster_std=0.5, random_state=0)[0]
    eps = knee_eps(X, 5, random_state=0)
    assert 0 < eps < np.ptp(X)
    g = build_mapper(X, clusterer="dbscan", min_samples=5, random_state=0)
    assert g.params["eps"] == pytest.approx(eps)
    assert g.n_nodes > 0
    # the default ("auto" without eps) uses no global eps
    assert build_mapper(X, min_samples=5, random_state=0).params["eps"] is None


def test_node_table_labels_and_purity():
    X, y = make_blobs(
        n_samples=400,
        n_features=3,
        centers=[[0, 0, 0], [20, 0, 0]],
        cluster_std=1.0,
        random_state=0,
    )
    g = build_mapper(X, lens=X[:, 0], n_intervals=5, overlap=0.2, eps=2.0, labels=y)
    for i in range(g.n_nodes):
        members = g.node_members(i)
        values, counts = np.unique(y[members], return_counts=True)
        assert g.nodes.loc[i, "majority_label"] == values[np.argmax(counts)]
        assert g.nodes.loc[i, "purity"] == pytest.approx(counts.max() / len(members))
        assert g.nodes.loc[i, "size"] == len(members)
        assert g.nodes.loc[i, "lens_mean"] == pytest.approx(X[members, 0].mean())


# --------------------------------------------------------------------------- properties
@st.composite
def _problems(draw):
    seed = draw(st.integers(0, 10_000))
    n = draw(st.integers(30, 150))
    d = draw(st.integers(1, 4))
    two_d = draw(st.booleans())
    X = np.random.default_rng(seed).normal(size=(n, d)) * draw(st.floats(0.5, 5))
    n_intervals = draw(st.integers(1, 6))
    overlap = draw(st.floats(0.0, 0.7))
    min_intersection = draw(st.integers(1, 3))
    min_samples = draw(st.integers(1, 4))
    eps = draw(st.floats(0.2, 2.0))
    lens = compute_lens(X, "pca2" if two_d and d >= 2 else "l2norm", random_state=0)
    return X, lens, n_intervals, overlap, min_intersection, min_samples, eps


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_problems())
def test_mapper_properties(problem):
    X, lens, n_intervals, overlap, min_intersection, min_samples, eps = problem
    kw = dict(
        lens=lens,
        n_intervals=n_intervals,
        overlap=overlap,
        min_intersection=min_intersection,
        min_samples=min_samples,
        eps=eps,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EmptyGraphWarning)
        g = build_mapper(X, **kw)
        again = build_mapper(X, **kw)
    cover = make_cover(lens, "uniform", n_intervals, overlap)
    elements = [set(m.tolist()) for m in cover.members(lens)]
    for i in range(g.n_nodes):
        members = set(g.node_members(i).tolist())
        assert members  # no empty node
        assert members <= elements[int(g.nodes.loc[i, "cover_element"])]
    shared = (g.membership.astype(np.int32) @ g.membership.T.astype(np.int32)).toarray()
    expected = {
        (a, b)
        for a in range(g.n_nodes)
        for b in range(a + 1, g.n_nodes)
        if shared[a, b] >= min_intersection
    }
    assert {tuple(e) for e in g.edges.tolist()} == expected
    for (a, b), w in zip(g.edges, g.edge_weights):
        union = len(set(g.node_members(a)) | set(g.node_members(b)))
        assert w == pytest.approx(shared[a, b] / union)
    assert again.node_sets() == g.node_sets()
    np.testing.assert_array_equal(again.edges, g.edges)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "X, kwargs, error, match",
    [
        (
            np.array([[0.0, 1.0], [np.nan, 1.0], [2.0, 2.0], [3, 3]]),
            {},
            ValueError,
            "row 1 holds NaN",
        ),
        (
            np.array([[0.0, 1.0], [1.0, np.inf], [2.0, 2.0], [3, 3]]),
            {},
            ValueError,
            "row 1 holds infinite",
        ),
        (np.arange(10.0), {}, ValueError, "2-D"),
        (np.zeros((0, 3)), {}, ValueError, "empty"),
        (np.zeros((2, 3)), {"min_samples": 3}, ValueError, "at least 3"),
        (np.zeros((10, 3)), {"lens": np.zeros(9)}, ValueError, "9 values but X has 10"),
        (np.zeros((10, 3)), {"lens": np.zeros((10, 3))}, ValueError, "shape"),
        (np.zeros((10, 3)), {"lens": "tsne"}, ValueError, "unknown lens 'tsne'"),
        (np.zeros((10, 3)), {"cover": "fancy"}, ValueError, "cover"),
        (np.zeros((10, 3)), {"clusterer": "kmeans"}, ValueError, "unknown clusterer"),
        (np.zeros((10, 3)), {"overlap": 1.2}, ValueError, "overlap"),
        (np.zeros((10, 3)), {"n_intervals": 0}, ValueError, "n_intervals"),
        (np.zeros((10, 3)), {"n_intervals": (3, 4)}, ValueError, "n_intervals: give one value"),
        (np.zeros((10, 3)), {"overlap": (0.2, 0.3)}, ValueError, "overlap: give one value"),
        (np.zeros((10, 3)), {"eps": -1.0}, ValueError, "eps"),
        (np.zeros((10, 3)), {"labels": [1, 2]}, ValueError, "labels"),
        (np.array([["a", "b"]]), {}, TypeError, "numeric"),
    ],
)
def test_bad_input_is_named(X, kwargs, error, match):
    with pytest.raises(error, match=match):
        build_mapper(X, **kwargs)


def test_no_node_gives_an_empty_graph_and_a_warning():
    X = np.random.default_rng(0).uniform(size=(50, 2)) * 100
    with pytest.warns(EmptyGraphWarning, match="no node"):
        g = build_mapper(X, eps=1e-6, min_samples=5)
    assert g.n_nodes == 0 and g.n_edges == 0 and g.n_inputs == 50
