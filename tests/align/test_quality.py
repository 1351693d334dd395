"""Tests of the layout quality measures and the acceptance of the joint layout against
independent layouts aligned by Procrustes."""

import numpy as np
import pytest
import scipy.sparse as sp
from conftest import clusters_and_loop_views

from napari_topoalign import build_mapper
from napari_topoalign.align import joint_layout, layout_quality
from napari_topoalign.align.quality import (
    alignment,
    independent_baseline,
    layout_scale,
    procrustes_align,
    stress,
)
from napari_topoalign.model import MapperGraph


def _path_graph(n_nodes, n_inputs=None):
    n_inputs = n_inputs or n_nodes + 1
    rows = np.repeat(np.arange(n_nodes), 2)
    cols = np.column_stack([np.arange(n_nodes), np.arange(1, n_nodes + 1)]).ravel()
    return MapperGraph.from_membership(
        sp.csr_matrix((np.ones(len(rows), bool), (rows, cols)), shape=(n_nodes, n_inputs))
    )


def test_stress_of_a_straight_path_is_zero_and_scale_free():
    g = _path_graph(12)
    line = np.column_stack([np.arange(12.0), np.zeros(12)])
    assert stress(g, line) == pytest.approx(0.0, abs=1e-12)
    assert stress(g, 7.5 * line) == pytest.approx(0.0, abs=1e-12)
    # folding the path in two makes it worse
    folded = np.column_stack([np.abs(np.arange(12.0) - 6), np.arange(12.0) >= 6])
    assert stress(g, folded) > 0.05
    # random positions are worse still
    rnd = np.random.default_rng(0).normal(size=(12, 2))
    assert stress(g, rnd) > stress(g, folded)


def test_stress_ignores_pairs_in_different_components():
    a = _path_graph(5, 12)
    # same path twice over disjoint inputs: two components
    m = sp.vstack(
        [a.membership, sp.csr_matrix(np.roll(a.membership.toarray(), 6, axis=1))]
    ).tocsr()
    g = MapperGraph.from_membership(m)
    line = np.column_stack([np.arange(5.0), np.zeros(5)])
    pos = np.vstack([line, line + [100.0, 37.0]])  # far apart, any place
    assert stress(g, pos) == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(stress(MapperGraph.empty(4), np.zeros((0, 2))))


def test_alignment_zero_for_identical_and_invariant_to_similarity():
    g = _path_graph(10)
    rng = np.random.default_rng(1)
    p = rng.normal(size=(10, 2))
    C = sp.identity(10, format="csr")
    assert alignment(p, p, C) == 0.0
    q = p + rng.normal(scale=0.1, size=p.shape)
    base = alignment(p, q, C)
    R = np.array([[0.6, -0.8], [0.8, 0.6]])
    assert alignment(3 * p @ R + 5, 3 * q @ R + 5, C) == pytest.approx(base)
    assert layout_scale(2 * p, 2 * q) == pytest.approx(2 * layout_scale(p, q))
    # the quality dict removes the offsets of a side-by-side layout
    shifted = [p, q + [50.0, 0.0]]
    qd = layout_quality([g, g], shifted, offsets=[np.zeros(2), np.array([50.0, 0.0])])
    assert qd["alignment"][(0, 1)] == pytest.approx(
        alignment(p, q, sp.csr_matrix(__import__("napari_topoalign").align.node_coupling(g, g)))
    )
    with pytest.raises(ValueError, match="shape"):
        layout_quality([g, g], [p, q[:3]])


def test_procrustes_recovers_a_similarity():
    rng = np.random.default_rng(2)
    p = rng.normal(size=(30, 2))
    R = np.array([[0.0, 1.0], [1.0, 0.0]])  # a reflection
    moved = 0.5 * p @ R + [3.0, -2.0]
    back = procrustes_align(p, moved, sp.identity(30, format="csr"))
    np.testing.assert_allclose(back, p, atol=1e-9)


# -- acceptance: joint layout vs independent layouts aligned by Procrustes ----------------------
def _synthetic_pair(seed, n=600):
    """Two noisy non-linear views of one point cloud: three clusters and a loop."""
    views = clusters_and_loop_views(seed, n=n, dim=8)  # the shared generator (tests/conftest.py)
    return [
        build_mapper(
            X,
            lens="pca1",
            n_intervals=12,
            overlap=0.4,
            clusterer="dbscan",
            random_state=0,
            name=f"s{k}",
        )
        for k, X in enumerate(views)
    ]


def _compare(graphs, seed):
    joint = layout_quality(graphs, joint_layout(graphs, random_state=seed))
    base = layout_quality(graphs, independent_baseline(graphs, random_state=seed))
    ratio = base["mean_alignment"] / joint["mean_alignment"]
    stress_ratio = [j / b for j, b in zip(joint["stress"], base["stress"])]
    return ratio, stress_ratio


@pytest.mark.parametrize("data_seed", [0, 1, 2, 3])
@pytest.mark.parametrize("seed", [0, 1])
def test_acceptance_synthetic(data_seed, seed):
    ratio, stress_ratio = _compare(_synthetic_pair(data_seed), seed)
    assert ratio >= 2.0
    assert max(stress_ratio) <= 1.10


@pytest.fixture(scope="module")
def digits_graphs():
    datasets = pytest.importorskip("napari_topoalign.datasets")
    if not hasattr(datasets, "load_digits_sample"):
        pytest.skip("the digits sample is not available")
    reps = datasets.load_digits_sample(random_state=0)
    return {
        name: build_mapper(
            reps[name],
            lens="pca1",
            n_intervals=15,
            overlap=0.4,
            clusterer="dbscan",
            random_state=0,
            name=name,
        )
        for name in ("pixels_pca", "mlp_hidden1", "mlp_hidden2")
    }


@pytest.mark.parametrize("pair", [("pixels_pca", "mlp_hidden1"), ("mlp_hidden1", "mlp_hidden2")])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_acceptance_digits(digits_graphs, pair, seed):
    ratio, stress_ratio = _compare([digits_graphs[n] for n in pair], seed)
    assert ratio >= 2.0
    assert max(stress_ratio) <= 1.10


@pytest.mark.parametrize("seed", [3, 4, 5, 6, 7])
def test_stress_cost_bounded_by_the_guard(digits_graphs, seed):
    """Held-out seeds of the digits pair that failed before the stress guard (seed 5: stress
    ratio 1.116): a graph's own layout is its independent layout, and the guard keeps the
    joint stress within 5 % of it, so the acceptance holds with room to spare."""
    from napari_topoalign.align.layout import _STRESS_TOL

    ratio, stress_ratio = _compare(
        [digits_graphs["pixels_pca"], digits_graphs["mlp_hidden1"]], seed
    )
    assert max(stress_ratio) <= 1.0 + _STRESS_TOL + 1e-9
    assert ratio >= 2.0


def test_layout_quality_reads_a_layout_by_order_or_by_name():
    graphs = _synthetic_pair(0, n=300)
    lay = joint_layout(graphs, random_state=0, iterations=20)
    by_order = layout_quality(graphs, lay)
    arrays = layout_quality(
        graphs, list(lay.values()), offsets=[lay.offset(i) for i in range(len(lay))]
    )
    assert by_order["alignment"] == arrays["alignment"] and by_order["stress"] == arrays["stress"]
    # graphs by name take their own positions from the layout, whatever the order
    swapped = layout_quality({"s1": graphs[1], "s0": graphs[0]}, lay)
    assert swapped["alignment"][(0, 1)] == pytest.approx(by_order["alignment"][(0, 1)])
    assert swapped["stress"] == by_order["stress"][::-1]
    with pytest.raises(KeyError, match="the layout has no graph"):
        layout_quality({"s0": graphs[0], "zz": graphs[1]}, lay)
    with pytest.raises(ValueError, match="offsets: a Layout carries its panel offsets"):
        layout_quality(graphs, lay, offsets=[[0, 0], [0, 0]])
