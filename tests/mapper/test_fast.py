"""The fast DBSCAN paths of the mapper engine give exactly the nodes of clustering every
cover element on its own with scikit-learn (and KeplerMapper's graph)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import blobs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.cluster import DBSCAN

from napari_topoalign import build_mapper
from napari_topoalign.mapper import _dbscan, _pairs, _pivots, compute_lens, make_cover
from napari_topoalign.mapper.fast import cluster_elements


def _elements(X, lens, n_intervals, overlap):
    values = compute_lens(X, lens) if isinstance(lens, str) else np.asarray(lens, dtype=np.float64)
    return values, make_cover(values, "uniform", n_intervals, overlap).members(values)


def _run(
    X,
    eps,
    min_samples,
    *,
    lens="l2norm",
    n_intervals=6,
    overlap=0.5,
    n_jobs=1,
    method="auto",
    clusterer="dbscan",
):
    values, elements = _elements(X, lens, n_intervals, overlap)
    rows = cluster_elements(
        X,
        elements,
        clusterer=clusterer,
        eps=eps,
        min_samples=min_samples,
        min_points=min_samples,
        n_jobs=n_jobs,
        lens=values,
        lens_is_l2norm=isinstance(lens, str) and lens == "l2norm",
        method=method,
    )
    return [(i, tuple(np.sort(m).tolist())) for i, m in rows]


def _check_same(X, eps, min_samples, **kw):
    fast = _run(X, eps, min_samples, **kw)
    ref = _run(X, eps, min_samples, method="sklearn", **kw)
    assert fast == ref  # same nodes in the same order (element, then DBSCAN label)
    return fast


# --------------------------------------------------------------------------- exactness
@pytest.mark.parametrize("min_samples", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("d", [2, 20])
def test_blobs_match_sklearn(min_samples, d, small_groups):
    X = blobs(600, d, 5, seed=d + min_samples).astype(np.float32)
    eps = 0.9 if d == 2 else 5.2
    rows = _check_same(X, eps, min_samples)
    assert len(rows) > 5  # a meaningful graph, not an all-noise one


@pytest.mark.parametrize("d", [3, 20])
def test_ties_at_exactly_eps(d):
    # integer lattice points: many pairs lie at exactly eps, in both distance formulas
    rng = np.random.default_rng(d)
    centres = rng.integers(0, 3, size=(4, d)) * 10
    X = (
        centres[rng.integers(0, 4, 400)] + rng.integers(0, 2 if d > 3 else 3, size=(400, d))
    ).astype(np.float64)
    dist2 = ((X[:, None, :] - X[None, :, :]) ** 2).sum(-1)
    eps = 2.0
    assert (dist2 == eps**2).sum() > 100
    for min_samples in (2, 4, 6):
        _check_same(X, eps, min_samples, lens=X[:, 0] + 0.5 * X[:, 1], n_intervals=4)
        _check_same(X.astype(np.float32), eps, min_samples, n_intervals=4)


def test_duplicate_points():
    rng = np.random.default_rng(3)
    base = blobs(150, 5, 3, seed=3)
    X = np.concatenate([base, base[:60], base[:20]])[rng.permutation(230)]
    for min_samples in (1, 2, 3, 5):
        rows = _check_same(X, 0.8, min_samples)
        if min_samples == 3:
            # a triple of identical points is a cluster of its own whatever eps is
            assert rows


@pytest.mark.parametrize("seed", range(6))
def test_border_point_shared_by_two_clusters(seed):
    # two chains of core points and one border point within eps of a core point of each:
    # scikit-learn gives it to the cluster whose first core point comes first
    a = np.c_[np.arange(5) * 0.1, np.zeros(5)]
    b = np.c_[1.6 + np.arange(5) * 0.1, np.zeros(5)]
    border = np.array([[1.0, 0.0]])
    X = np.concatenate([a, b, border])
    perm = np.random.default_rng(seed).permutation(len(X))
    X = X[perm]
    lens = np.zeros(len(X))  # one cover element holding everything
    rows = _check_same(X, 0.65, 4, lens=lens, n_intervals=1)
    assert len(rows) == 2
    where = int(np.flatnonzero(perm == 10)[0])
    assert sum(where in m for _, m in rows) == 1


def test_border_points_many_clusters_random_order():
    rng = np.random.default_rng(11)
    X = rng.uniform(0, 10, size=(800, 2))
    for min_samples in (3, 4, 5, 6):
        _check_same(X, 0.45, min_samples, n_intervals=5, overlap=0.4)


def test_two_dimensional_lens():
    X = blobs(700, 8, 6, seed=5)
    lens = compute_lens(X, "pca2")
    for min_samples in (2, 4):
        fast = _run(X, 2.2, min_samples, lens=lens, n_intervals=(3, 3))
        ref = _run(X, 2.2, min_samples, lens=lens, n_intervals=(3, 3), method="sklearn")
        assert fast == ref and len(fast) > 3


@pytest.fixture
def small_groups(monkeypatch):
    """Pivot groups of ~200 points, so that small data sets exercise the group pruning."""
    monkeypatch.setattr(_pairs, "_POINTS_PER_PIVOT", 200)


def test_threads_give_the_same_nodes(small_groups):
    X = blobs(3000, 24, 8, seed=7).astype(np.float32)
    one = _run(X, 6.0, 4, n_jobs=1)
    two = _run(X, 6.0, 4, n_jobs=2)
    assert one == two
    assert one == _run(X, 6.0, 4, method="sklearn")


def test_pivot_groups_with_outliers(small_groups):
    # enough rows for several pivot groups, plus far outliers that get regrouped
    rng = np.random.default_rng(2)
    X = blobs(4000, 32, 10, seed=2, spread=8.0)
    X[rng.choice(4000, 80, replace=False)] = rng.uniform(-60, 60, size=(80, 32))
    X32 = X.astype(np.float32)
    group, _, centres, radius = _dbscan._pivot_groups(X32, np.arange(4000), 8)
    assert len(centres) > 8  # the outliers formed groups of their own
    exact = np.linalg.norm(X32.astype(np.float64) - centres[group], axis=1)
    assert np.all(radius >= exact * (1 - 1e-6))
    _check_same(X.astype(np.float32), 7.0, 5, n_intervals=8)


@pytest.mark.parametrize("project", [False, True])
def test_pivot_assignment_in_threads_equals_sequential(monkeypatch, project):
    if project:
        monkeypatch.setattr(_pivots, "_PROJECT_MIN_WORK", 0)
    X = blobs(3000, 120, 10, seed=14).astype(np.float32)
    idx = np.random.default_rng(0).permutation(3000)
    one = _dbscan._pivot_groups(X, idx, 10, chunk=256, n_jobs=1)
    two = _dbscan._pivot_groups(X, idx, 10, chunk=256, n_jobs=2)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("project", [False, True])
def test_pivot_assignment_in_storage_order(small_groups, monkeypatch, project):
    # a permutation of all rows is grouped reading X in storage order and the results are
    # permuted back: the radii stay bounds and the pairs equal scikit-learn's eps-graph
    from sklearn.neighbors import radius_neighbors_graph

    if project:
        monkeypatch.setattr(_pivots, "_PROJECT_MIN_WORK", 0)
    X = blobs(3000, 120, 10, seed=21).astype(np.float32)
    idx = np.random.default_rng(3).permutation(3000)
    eps = 14.5
    ctx = _dbscan.Context(X, eps)
    group, _, centres, radius = _dbscan._pivot_groups(X, idx, 15, sq=ctx.sq[idx], sq_all=ctx.sq)
    exact = np.linalg.norm(X[idx].astype(np.float64) - centres[group], axis=1)
    assert np.all(radius >= exact * (1 - 1e-7))
    P, Q = _dbscan.eps_pairs(ctx, idx, all_rows=True, n_jobs=2)
    assert np.array_equal(P, _dbscan.eps_pairs(ctx, idx)[0])
    assert np.all((P[:-1] < P[1:]) | ((P[:-1] == P[1:]) & (Q[:-1] < Q[1:])))  # sorted
    ref = sp.triu(radius_neighbors_graph(X[idx], eps), k=1).tocoo()
    assert len(P) > 3000
    assert set(zip(P.tolist(), Q.tolist())) == set(zip(ref.row.tolist(), ref.col.tolist()))


def test_projected_pivot_assignment(small_groups, monkeypatch):
    # large inputs assign pivots in a few principal directions; radii stay exact bounds
    monkeypatch.setattr(_pivots, "_PROJECT_MIN_WORK", 0)
    X = blobs(3000, 160, 12, seed=8, spread=3.0).astype(np.float32)
    group, _, centres, radius = _dbscan._pivot_groups(X, np.arange(3000), 12)
    exact = np.linalg.norm(X.astype(np.float64) - centres[group], axis=1)
    assert np.all(radius >= exact * (1 - 1e-7))
    _check_same(X, 17.5, 4, n_intervals=5)


def test_float64_input_decided_in_float64():
    # points just inside and just outside eps, closer than float32 can tell apart
    eps = 1.0
    X = np.array(
        [[0.0, 0.0], [eps, 0.0], [0.0, eps + 1e-12], [2.5, 0.0], [2.5, eps - 1e-12], [5.0, 0.0]]
    )
    X = np.concatenate([X, X + [0.0, 10.0]])
    rows = _check_same(X, eps, 2, lens=np.zeros(len(X)), n_intervals=1)
    assert [len(m) for _, m in rows] == [2, 2, 2, 2]


def test_float64_input_far_from_the_origin(small_groups):
    # float32 rounding of coordinates near 1000 (~3e-4 in distance) is far bigger than these
    # gaps (1e-5), which are far bigger than float64 rounding (~1e-7): the float64 decision wins
    rng = np.random.default_rng(4)
    base = 1000.0 + 0.2 * rng.normal(size=(300, 20))
    step = rng.normal(size=(300, 20))
    step /= np.linalg.norm(step, axis=1, keepdims=True)
    eps = 0.5
    near = base + step * (eps - 1e-5)
    far = base + step * (eps + 1e-5)
    X = np.concatenate([base, near, far])
    rows = _check_same(X, eps, 2, lens=np.zeros(len(X)), n_intervals=1)
    assert sum(len(m) for _, m in rows) >= 600


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(5, 160),
    d=st.sampled_from([1, 2, 4, 17]),
    eps=st.floats(0.05, 3.0),
    min_samples=st.integers(1, 6),
    n_intervals=st.integers(1, 7),
    overlap=st.sampled_from([0.0, 0.25, 0.5, 0.7]),
)
def test_random_data_matches_sklearn(seed, n, d, eps, min_samples, n_intervals, overlap):
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(n, d)) * 2, 1)  # coarse values: ties and duplicates happen
    if n < min_samples:
        return
    _check_same(X, eps, min_samples, n_intervals=n_intervals, overlap=overlap)


# --------------------------------------------------------------------------- dispatch
def test_dbscan_object_uses_the_fast_path_and_others_do_not():
    assert _dbscan.dbscan_params(DBSCAN(eps=0.5, min_samples=4), None, 3) == (0.5, 4)
    assert _dbscan.dbscan_params("dbscan", 0.3, 2) == (0.3, 2)
    assert _dbscan.dbscan_params(DBSCAN(eps=0.5, metric="manhattan"), None, 3) is None
    assert _dbscan.dbscan_params(DBSCAN(eps=0.5, metric="minkowski", p=1), None, 3) is None
    assert _dbscan.dbscan_params("single", 0.3, 2) is None
    X = blobs(400, 6, 4, seed=9)
    a = _run(X, 1.6, 4, clusterer=DBSCAN(eps=1.6, min_samples=4))
    b = _run(X, 1.6, 4, clusterer=DBSCAN(eps=1.6, min_samples=4), method="sklearn")
    assert a == b


# --------------------------------------------------------------------------- KeplerMapper
@pytest.mark.parametrize(
    "d, n_cubes, overlap, eps, min_samples",
    [(5, 8, 0.5, 1.5, 3), (24, 10, 0.3, 5.5, 5), (2, 6, 0.6, 0.7, 1)],
)
def test_build_mapper_equals_kmapper(d, n_cubes, overlap, eps, min_samples):
    km = pytest.importorskip("kmapper")
    X = blobs(900, d, 5, seed=d).astype(np.float32)
    lens = compute_lens(X, "l2norm")
    ref = km.KeplerMapper(verbose=0).map(
        lens,
        X,
        cover=km.Cover(n_cubes=n_cubes, perc_overlap=overlap),
        clusterer=DBSCAN(eps=eps, min_samples=min_samples),
    )
    for n_jobs in (1, 2):
        g = build_mapper(
            X,
            lens="l2norm",
            n_intervals=n_cubes,
            overlap=overlap,
            eps=eps,
            min_samples=min_samples,
            n_jobs=n_jobs,
        )
        m = g.membership.tocsr()
        ours = [
            tuple(m.indices[m.indptr[i] : m.indptr[i + 1]].tolist()) for i in range(m.shape[0])
        ]
        theirs = {k: tuple(sorted(v)) for k, v in ref["nodes"].items()}
        assert ours == list(theirs.values())  # same sets, same order
        our_edges = {frozenset((ours[a], ours[b])) for a, b in np.asarray(g.edges).reshape(-1, 2)}
        their_edges = {
            frozenset((theirs[a], theirs[b])) for a, bs in ref["links"].items() for b in bs
        }
        assert our_edges == their_edges and len(our_edges) > 0


# --------------------------------------------------------------------------- progress
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_progress_is_reported_and_cancels(small_groups, n_jobs):
    X = blobs(2000, 16, 6, seed=12).astype(np.float32)
    seen = []
    build_mapper(
        X,
        n_intervals=8,
        overlap=0.5,
        eps=4.5,
        min_samples=4,
        n_jobs=n_jobs,
        progress=lambda f, msg: seen.append((f, msg)),
    )
    fractions = [f for f, _ in seen]
    assert len(seen) > 5 and fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)

    class Stop(Exception):
        pass

    def cancel(fraction, message):
        if fraction > 0.2:
            raise Stop

    with pytest.raises(Stop):
        build_mapper(
            X, n_intervals=8, overlap=0.5, eps=4.5, min_samples=4, n_jobs=n_jobs, progress=cancel
        )


def test_other_clusterers_threaded_equal_sequential():
    from sklearn.cluster import AgglomerativeClustering, KMeans

    X = blobs(500, 6, 4, seed=13)
    for clusterer in (
        "single",
        KMeans(n_clusters=3, n_init=2, random_state=0),
        AgglomerativeClustering(n_clusters=2),
    ):
        one = _run(X, 1.5, 3, clusterer=clusterer, n_jobs=1)
        two = _run(X, 1.5, 3, clusterer=clusterer, n_jobs=2)
        assert one == two and len(one) > 3


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_threaded_l2norm_lens_equals_compute_lens(dtype, small_groups):
    # build_mapper computes the L2-norm lens via squared_norms in threads and hands the
    # squared norms to the DBSCAN path: the lens and the graph are those of the plain lens
    from napari_topoalign.mapper.lenses import squared_norms

    X = blobs(2500, 24, 6, seed=5).astype(dtype)
    sq = squared_norms(X, chunk_rows=333, n_jobs=2)
    np.testing.assert_array_equal(sq, squared_norms(X))
    np.testing.assert_array_equal(np.sqrt(sq), compute_lens(X, "l2norm"))
    kw = dict(n_intervals=7, overlap=0.4, eps=5.5, min_samples=4, n_jobs=2)
    a = build_mapper(X, lens="l2norm", **kw)
    b = build_mapper(X, lens=compute_lens(X, "l2norm"), **kw)
    assert a.membership.shape[0] > 5
    assert (a.membership != b.membership).nnz == 0
    np.testing.assert_array_equal(a.edges, b.edges)
    np.testing.assert_array_equal(a.nodes["lens_mean"], b.nodes["lens_mean"])


@pytest.mark.parametrize("n_jobs", [1, 2, 3])
def test_merge_runs_equals_one_sort(n_jobs):
    # the pairs found in threads arrive as sorted runs of keys p << 32 | q; merging them in
    # slices of the key range gives exactly the sorted pairs (slices may be empty)
    rng = np.random.default_rng(n_jobs)
    m = 5000
    runs = []
    for size in [0, 1, 70000, 30000, 5, 50000]:
        p = rng.integers(0, m, size)
        p[: size // 3] = rng.integers(m // 2, m // 2 + 10, size // 3)  # a crowded slice
        q = p + rng.integers(1, 2**31 - m, size)
        runs.append(np.unique((p.astype(np.int64) << 32) | q))
    P, Q = _dbscan._merge_runs([r for r in runs if len(r)], m, n_jobs)
    keys = np.sort(np.concatenate(runs))
    np.testing.assert_array_equal(P, keys >> 32)
    np.testing.assert_array_equal(Q, keys & 0xFFFFFFFF)
    assert P.dtype == Q.dtype == np.int32
