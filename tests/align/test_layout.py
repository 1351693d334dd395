"""Tests of the joint force-directed layout (napari_topoalign.align.layout)."""

import numpy as np
import pytest
import scipy.sparse as sp

from napari_topoalign import build_mapper
from napari_topoalign.align import joint_layout, node_coupling
from napari_topoalign.align.layout import JointLayout, independent_layout
from napari_topoalign.model import Layout, MapperGraph
from napari_topoalign.session import Cancelled, Comparison


def _intervals(n_inputs, starts, width):
    """A membership matrix whose nodes are index intervals [s, s + width)."""
    rows, cols = [], []
    for k, s in enumerate(starts):
        idx = np.arange(s, min(s + width, n_inputs))
        rows += [k] * len(idx)
        cols += list(idx)
    return sp.csr_matrix((np.ones(len(rows), bool), (rows, cols)), shape=(len(starts), n_inputs))


@pytest.fixture(scope="module")
def pair():
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 2 * np.pi, 300)
    Z = np.column_stack([np.cos(t), np.sin(t)]) + rng.normal(scale=0.05, size=(300, 2))
    Z = np.vstack([Z, rng.normal((4, 0), 0.3, size=(100, 2))])
    graphs = []
    for k in range(2):
        M = rng.normal(size=(2, 6))
        X = np.tanh(Z @ M / 2) + rng.normal(scale=0.02, size=(len(Z), 6))
        graphs.append(
            build_mapper(X, lens="pca1", n_intervals=10, overlap=0.4, random_state=0, name=f"g{k}")
        )
    return graphs


def test_shapes_offsets_and_panels(pair):
    pos = joint_layout(pair, random_state=0)
    assert isinstance(pos, Layout) and JointLayout is Layout and len(pos) == 2
    assert pos.names == ["g0", "g1"]  # the graphs' own names, in order
    for g, p in zip(pair, pos.values()):
        assert p.shape == (g.n_nodes, 2) and np.all(np.isfinite(p))
    # side by side: panels do not overlap, left to right in the order of the graphs
    assert pos[0][:, 0].max() < pos[1][:, 0].min()
    assert pos.offset(0)[0] == 0 and pos.offsets["g1"][0] > 0
    centered = [pos.centered(i) for i in range(len(pos))]
    np.testing.assert_allclose(centered[1], pos["g1"] - pos.offset("g1"))
    # overlay: same optimisation, no offsets
    over = joint_layout(pair, random_state=0, arrangement="overlay")
    assert all(np.all(o == 0) for o in over.offsets.values())
    for a, b in zip(over.values(), centered):
        np.testing.assert_allclose(a, b, atol=1e-9)


def test_deterministic(pair):
    a = joint_layout(pair, random_state=3, iterations=30)
    b = joint_layout(pair, random_state=3, iterations=30)
    c = joint_layout(pair, random_state=4, iterations=30)
    for x, y in zip(a.values(), b.values()):
        np.testing.assert_array_equal(x, y)
    assert any(not np.allclose(x, y) for x, y in zip(a.values(), c.values()))


def test_edges_have_readable_lengths(pair):
    pos = joint_layout(pair, random_state=0)
    for g, p in zip(pair, pos.values()):
        lengths = np.linalg.norm(p[g.edges[:, 0]] - p[g.edges[:, 1]], axis=1)
        assert 0.5 < np.median(lengths) < 2.5  # the unit length is one edge (scaled per graph)
        # no two nodes of one graph on top of each other
        d = np.linalg.norm(p[:, None] - p[None], axis=2) + np.eye(len(p)) * 1e9
        assert d.min() > 0.05


def test_coupling_strength_pulls_partners_together(pair):
    from napari_topoalign.align.quality import layout_quality

    loose = layout_quality(pair, joint_layout(pair, random_state=0, coupling_strength=0.0))
    tight = layout_quality(pair, joint_layout(pair, random_state=0, coupling_strength=3.0))
    assert tight["mean_alignment"] < loose["mean_alignment"]


def test_three_graphs_components_isolated_and_empty():
    n = 60
    # two chains and an isolated node; a graph over the same inputs with one chain; an empty one
    a = MapperGraph.from_membership(_intervals(n, [0, 5, 10, 15, 20, 35, 40, 45, 58], 8), name="a")
    b = MapperGraph.from_membership(_intervals(n, list(range(0, 52, 6)), 9), name="b")
    e = MapperGraph.empty(n, name="e")
    assert a.n_edges > 0 and b.n_edges > 0
    pos = joint_layout([a, b, e], random_state=0, iterations=40)
    assert [p.shape for p in pos.values()] == [(a.n_nodes, 2), (b.n_nodes, 2), (0, 2)]
    assert all(np.all(np.isfinite(p)) for p in pos.values())
    assert len(pos.offsets) == 3 and pos.names == ["a", "b", "e"]
    # an empty graph alone is laid out as nothing
    only = joint_layout([e], random_state=0)
    assert only[0].shape == (0, 2)
    assert independent_layout(e, random_state=0).shape == (0, 2)


def test_single_nodes_and_no_edges():
    n = 20
    g = MapperGraph.from_membership(_intervals(n, [0, 10], 3))  # two disjoint nodes, no edge
    h = MapperGraph.from_membership(_intervals(n, [1], 12))
    pos = joint_layout([g, h], random_state=0, arrangement="overlay")
    assert pos[0].shape == (2, 2) and pos[1].shape == (1, 2)
    assert np.linalg.norm(pos[0][0] - pos[0][1]) > 0.1


def test_bad_input(pair):
    other = MapperGraph.from_membership(_intervals(10, [0, 3], 5), name="small")
    with pytest.raises(ValueError, match="different inputs"):
        joint_layout([pair[0], other])
    with pytest.raises(ValueError, match="arrangement"):
        joint_layout(pair, arrangement="grid")
    with pytest.raises(ValueError, match="coupling_strength"):
        joint_layout(pair, coupling_strength=-1)
    with pytest.raises(TypeError, match="iterations"):
        joint_layout(pair, iterations=2.5)
    with pytest.raises(ValueError, match="at least one"):
        joint_layout([])
    with pytest.raises(TypeError, match="MapperGraph"):
        joint_layout([pair[0], "nope"])
    with pytest.raises(TypeError, match="single MapperGraph"):
        joint_layout(pair[0])


def test_progress_callback_and_cancel(pair):
    calls = []
    frames = []
    pos = joint_layout(
        pair,
        random_state=0,
        iterations=40,
        progress=lambda f, m: calls.append((f, m)),
        callback=frames.append,
        callback_every=5,
    )
    fr = [f for f, _ in calls]
    assert fr[0] == 0.0 and fr[-1] == 1.0 and len(fr) > 10
    assert all(b >= a for a, b in zip(fr, fr[1:]))
    steps = pos.params["steps"]
    assert steps > 40  # the own layouts, then the joint steps
    assert len(frames) == (steps - 1) // 5  # every 5 steps, not after the last
    assert all([f.shape for f in frame] == [p.shape for p in pos.values()] for frame in frames)
    assert not np.allclose(frames[0][0], pos[0])
    # side by side: the panels of every frame are apart
    assert all(frame[0][:, 0].max() < frame[1][:, 0].min() for frame in frames)

    def cancel(frac, msg):
        if frac > 0.3:
            raise Cancelled()

    with pytest.raises(Cancelled):
        joint_layout(pair, random_state=0, progress=cancel)


def test_comparison_align_layout(pair):
    reps = {"g0": np.zeros((pair[0].n_inputs, 2)), "g1": np.ones((pair[0].n_inputs, 2))}
    cmp = Comparison(reps)
    cmp.graphs = {"g0": pair[0], "g1": pair[1]}
    layout = cmp.align_layout(random_state=1, iterations=30)
    assert isinstance(layout, Layout) and cmp.layout is layout
    direct = joint_layout(pair, random_state=1, iterations=30)
    for name, p, o in zip(["g0", "g1"], direct.values(), direct.offsets.values()):
        np.testing.assert_allclose(layout.positions[name], p)
        np.testing.assert_allclose(layout.offsets[name], o)
        np.testing.assert_allclose(cmp.positions(name), p)
    assert layout.params["random_state"] == 1 and layout.params["arrangement"] == "side_by_side"
    old = cmp.layout
    with pytest.raises(Cancelled):
        cmp.align_layout(progress=lambda f, m: (_ for _ in ()).throw(Cancelled()))
    assert cmp.layout is old  # a cancelled layout leaves the old one


def test_stress_guard_pulls_a_distorted_graph_back(pair):
    from napari_topoalign.align.layout import _components, _stress_guard, _StressPairs

    g = pair[0]
    comps, local = _components(g, np.random.default_rng(0))
    own = independent_layout(g, random_state=0)
    pairs = _StressPairs(comps)
    # the stress on the guard's pairs is the stress of quality.stress (all pairs, small graph)
    from napari_topoalign.align.quality import stress

    assert pairs.stress(own) == pytest.approx(stress(g, own), rel=1e-9)
    starts = np.array([0, g.n_nodes])
    # rotated, moved and scaled: within the bound, left alone
    R = np.array([[0.0, -1.0], [1.0, 0.0]])
    X = 1.7 * own @ R + 3.0
    assert _stress_guard(X, [own], [comps], starts, 0.05) == [0.0]
    np.testing.assert_array_equal(X, 1.7 * own @ R + 3.0)
    # distorted: moved back just far enough
    X = own + np.random.default_rng(1).normal(scale=0.8, size=own.shape)
    before = pairs.stress(X)
    assert before > 1.05 * pairs.stress(own)
    (t,) = _stress_guard(X, [own], [comps], starts, 0.05)
    assert 0 < t <= 1
    assert pairs.stress(X) <= 1.05 * pairs.stress(own) + 1e-12
    assert pairs.stress(X) > 1.0 * pairs.stress(own)  # not further than needed


# -- issue 12: never worse than independent + Procrustes, stress bound, parameters ----------------
def _ratio_and_stress(graphs, seed, **kw):
    from napari_topoalign.align import layout_quality
    from napari_topoalign.align.quality import independent_baseline

    pos = joint_layout(graphs, random_state=seed, **kw)
    joint = layout_quality(graphs, pos)
    base = layout_quality(graphs, independent_baseline(graphs, random_state=seed))
    ratio = base["mean_alignment"] / joint["mean_alignment"]
    return ratio, [j / b for j, b in zip(joint["stress"], base["stress"])], pos


@pytest.fixture(scope="module")
def real_pairs():
    """Adjacent real representations with the default parameters of a comparison (one lens
    shared by both): MiniLM block3 / block4 when the sample is installed, digits pixels /
    hidden layer 1."""
    import warnings

    from napari_topoalign import datasets

    pairs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if hasattr(datasets, "load_minilm_sample"):
            try:
                reps = datasets.load_minilm_sample()
            except Exception:  # the sample file is optional
                reps = None
            if reps is not None:
                g = Comparison(reps).build_mappers(["block3", "block4"], random_state=0)
                pairs["minilm block3-block4"] = [g["block3"], g["block4"]]
        reps = datasets.load_digits_sample(random_state=0)
        g = Comparison(reps).build_mappers(["pixels_pca", "mlp_hidden1"], random_state=0)
        pairs["digits pixels-hidden1"] = [g["pixels_pca"], g["mlp_hidden1"]]
    return pairs


@pytest.mark.parametrize("seed", [0, 1])
def test_never_worse_than_independent_layouts_on_real_pairs(real_pairs, seed):
    for name, graphs in real_pairs.items():
        ratio, stress_ratio, pos = _ratio_and_stress(graphs, seed)
        assert ratio >= 1.0 - 1e-9, name
        assert max(stress_ratio) <= 1.10, name
        # measured 2026-12-01: MiniLM 1.73 (seed 0), 1.25 (seed 1); digits 1.97, 2.58
        assert ratio >= 1.1, name


def test_never_worse_when_the_graphs_disagree(pair):
    """Adversarial: the second graph's inputs permuted, so the coupling contradicts its shape;
    whatever the joint phases do, the result is at least as aligned as the baseline."""
    g0, g1 = pair
    perm = np.random.default_rng(5).permutation(g1.n_inputs)
    scrambled = MapperGraph.from_membership(g1.membership[:, perm], name="scrambled")
    for seed in (0, 1, 2):
        for strength in (0.5, 2.0, 8.0):
            ratio, stress_ratio, pos = _ratio_and_stress(
                [g0, scrambled], seed, coupling_strength=strength
            )
            assert ratio >= 1.0 - 1e-9
            assert max(stress_ratio) <= 1.0 + pos.params["stress_tol"] + 1e-9
            assert (
                pos.params["alignment"] <= pos.params["baseline_alignment"]
                or pos.params["fallback"]
            )


def test_fallback_gives_exactly_the_procrustes_baseline(pair, monkeypatch):
    from napari_topoalign.align import layout as layout_mod
    from napari_topoalign.align.quality import independent_baseline

    real = layout_mod._mean_alignment
    calls = []

    def worse_joint(graphs, positions):  # the first call scores the joint result: make it lose
        calls.append(1)
        return float("inf") if len(calls) == 1 else real(graphs, positions)

    monkeypatch.setattr(layout_mod, "_mean_alignment", worse_joint)
    pos = joint_layout(pair, random_state=2, arrangement="overlay")
    assert pos.params["fallback"] is True
    for a, b in zip(pos.values(), independent_baseline(pair, random_state=2)):
        np.testing.assert_allclose(a, b, atol=1e-9)


@pytest.mark.parametrize("tol", [0.0, 0.02, 0.2])
def test_stress_bound_is_a_parameter(real_pairs, tol):
    from napari_topoalign.align.layout import _components, _StressPairs

    graphs = next(iter(real_pairs.values()))
    pos = joint_layout(graphs, random_state=0, stress_tol=tol, coupling_strength=4.0)
    assert pos.params["stress_tol"] == tol
    for g, p in zip(graphs, (pos.centered(i) for i in range(len(pos)))):
        comps, _ = _components(g, np.random.default_rng(0))
        pairs = _StressPairs(comps)
        own = independent_layout(g, random_state=0)
        assert pairs.stress(p) <= (1 + tol) * pairs.stress(own) + 1e-9


def test_layout_parameters_declared_and_validated(pair):
    from napari_topoalign._utils.params import param_specs

    specs = param_specs(joint_layout)
    assert specs["coupling_strength"].default == 2.0 and specs["stress_tol"].default == 0.05
    assert {"arrangement", "iterations", "gap"} <= set(specs)
    with pytest.raises(ValueError, match="stress_tol"):
        joint_layout(pair, stress_tol=-0.1)
    with pytest.raises(TypeError, match="stress_tol"):
        joint_layout(pair, stress_tol="5%")
    with pytest.raises(ValueError, match="stress_tol"):
        joint_layout(pair, stress_tol=float("nan"))
    with pytest.raises(TypeError, match="coupling_strength"):
        joint_layout(pair, coupling_strength=True)
    with pytest.raises(ValueError, match="coupling_strength"):
        joint_layout(pair, coupling_strength=float("inf"))
    with pytest.raises(ValueError, match="iterations"):
        joint_layout(pair, iterations=10**6)  # refused up front, not run for an hour
    with pytest.raises(ValueError, match="callback_every"):
        joint_layout(pair, callback_every=0)
    with pytest.raises(TypeError, match="progress"):
        joint_layout(pair, progress="yes")
    with pytest.raises(TypeError, match="callback"):
        joint_layout(pair, callback=3)
    with pytest.raises(TypeError, match="random_state"):
        joint_layout(pair, random_state="x")
    with pytest.raises(TypeError, match="random_state"):
        joint_layout(pair, random_state=True)
    with pytest.raises(ValueError, match="random_state"):
        joint_layout(pair, random_state=-1)
    with pytest.raises(TypeError, match="random_state"):
        independent_layout(pair[0], random_state=1.5)
    # a RandomState or a Generator is a seed too, and the same one gives the same layout
    a = joint_layout(pair, random_state=np.random.RandomState(3), iterations=10)
    b = joint_layout(pair, random_state=np.random.RandomState(3), iterations=10)
    np.testing.assert_array_equal(a[0], b[0])


def test_own_layouts_are_the_independent_layouts_when_sizes_differ():
    """Graphs whose default step counts differ (2,400 nodes: 80 steps; 300 nodes: 150) get
    their own layouts in separate runs, each exactly its independent layout: with coupling 0
    and stress_tol 0 the result is the Procrustes baseline or better, never worse."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from bench_layout import mapper_like_pair

    from napari_topoalign.align import layout_quality
    from napari_topoalign.align.quality import independent_baseline

    big, other = mapper_like_pair(2400, seed=3)
    small = MapperGraph.from_membership(other.membership[:300], name="small")
    pos = joint_layout([big, small], random_state=1, arrangement="overlay")
    assert pos.params["own_iterations"] == [80, 150]
    base = independent_baseline([big, small], random_state=1)
    jq, bq = layout_quality([big, small], pos), layout_quality([big, small], base)
    assert jq["mean_alignment"] <= bq["mean_alignment"] + 1e-12
    if pos.params["fallback"]:
        for a, b in zip(pos.values(), base):
            np.testing.assert_allclose(a, b, atol=1e-9)
    # the baseline inside the layout is built from exactly the independent layouts
    from napari_topoalign.align import layout as layout_mod

    seen = {}
    real = layout_mod._procrustes_baseline

    def spy(graphs, own):
        seen["own"] = [o.copy() for o in own]
        return real(graphs, own)

    layout_mod._procrustes_baseline = spy
    try:
        joint_layout([big, small], random_state=1)
    finally:
        layout_mod._procrustes_baseline = real
    for g, o in zip([big, small], seen["own"]):
        np.testing.assert_array_equal(o, independent_layout(g, random_state=1))


def test_graphs_by_name_and_focus(pair):
    from napari_topoalign.align.quality import alignment, stress

    by_name = joint_layout({"first": pair[0], "second": pair[1]}, random_state=0, iterations=20)
    plain = joint_layout(pair, random_state=0, iterations=20)
    assert by_name.names == ["first", "second"] and "focus" not in by_name.params
    for a, b in zip(by_name.values(), plain.values()):
        np.testing.assert_array_equal(a, b)  # the names change nothing
    # graphs without names (or with the same name twice) are g0, g1, ...
    assert joint_layout([pair[0], pair[0]], random_state=0, iterations=5).names == ["g0", "g1"]
    focused = joint_layout(pair, random_state=0, iterations=20, focus=("g1", 0))
    for a, b in zip(focused.values(), plain.values()):
        np.testing.assert_array_equal(a, b)  # the focus reports, it does not move anything
    rep = focused.params["focus"]
    assert rep["graphs"] == ["g1", "g0"]
    want = alignment(plain.centered(1), plain.centered(0), node_coupling(pair[1], pair[0]))
    assert rep["alignment"] == pytest.approx(want)
    assert rep["stress"][0] == pytest.approx(stress(pair[1], plain.centered(1), max_sources=500))
    with pytest.raises(ValueError, match="focus: expected two different graphs"):
        joint_layout(pair, focus=("g0", 0))
    with pytest.raises(KeyError, match="focus: layout: no graph named 'x'"):
        joint_layout(pair, focus=("g0", "x"))
    with pytest.raises(ValueError, match="focus: index: must be an integer >= 0, got -1"):
        joint_layout(pair, focus=(0, -1))
    with pytest.raises(TypeError, match="focus: expected None or a pair"):
        joint_layout(pair, focus="g0")
    with pytest.raises(TypeError, match="names of a dict of graphs must be strings"):
        joint_layout({0: pair[0]})
