"""Matching regions: general truths, the acceptance cases of issue 12 at small sizes, bad input.

The full-size acceptance table is printed by benchmarks/bench_regions.py.
"""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from napari_topoalign import Comparison, MapperGraph, build_mapper
from napari_topoalign._utils.graph import connected_components
from napari_topoalign._utils.params import param_specs
from napari_topoalign._utils.progress import Cancelled
from napari_topoalign.align import (
    Region,
    covered_share,
    find_matching_regions,
    input_agreement,
    score_region,
)
from napari_topoalign.datasets.planted import make_planted_graphs
from napari_topoalign.mapper import compute_lens


def _graph(sets, n):
    rows = [i for i, s in enumerate(sets) for _ in s]
    cols = [j for s in sets for j in s]
    m = sp.csr_matrix((np.ones(len(cols), bool), (rows, cols)), shape=(len(sets), n))
    return MapperGraph.from_membership(m)


def _cycle(n_inputs, n_nodes, width, shift=0, cyclic=True):
    step = n_inputs / n_nodes
    out = []
    for k in range(n_nodes):
        start = int(round(k * step)) + shift
        idx = [start + j for j in range(width)]
        out.append(
            [i % n_inputs for i in idx] if cyclic else [i for i in idx if 0 <= i < n_inputs]
        )
    return out


@pytest.fixture(scope="module")
def minilm():
    from napari_topoalign.datasets.minilm import load_minilm_sample

    reps = load_minilm_sample()
    return {k: np.asarray(reps[k], dtype=np.float64)[:500] for k in ("block3", "block4")}


GRAPH = dict(n_intervals=15, overlap=0.4, clusterer="knn", random_state=0)


def _self_covered(regions, graph, min_size=3):
    _, lab = connected_components(graph.n_nodes, graph.edges)
    big = np.isin(lab, np.flatnonzero(np.bincount(lab) >= min_size))
    covered = np.zeros(graph.n_nodes, dtype=bool)
    for r in regions:
        covered[r.nodes_a] = True
    return covered, big


def _check_invariants(regions, ga, gb):
    seen_a, seen_b = set(), set()
    nxa, nxb = ga.to_networkx(), gb.to_networkx()
    for r in regions:
        assert not seen_a & set(r.nodes_a.tolist()), "a node of A is in two regions"
        assert not seen_b & set(r.nodes_b.tolist()), "a node of B is in two regions"
        seen_a |= set(r.nodes_a.tolist())
        seen_b |= set(r.nodes_b.tolist())
        ia, ib = set(ga.inputs_of_nodes(r.nodes_a)), set(gb.inputs_of_nodes(r.nodes_b))
        assert set(r.inputs.tolist()) == ia & ib
        assert r.overlap == pytest.approx(len(ia & ib) / len(ia | ib))
        assert r.score == pytest.approx(r.overlap * r.matched * r.structure)
        assert 0 <= r.score <= 1 and 0 <= r.matched <= 1 and 0 <= r.structure <= 1
        assert (r.kind == "preserved") == (len(r.differences) == 0)
        if r.kind == "preserved":  # preserved regions are connected in both graphs
            assert nx.is_connected(nxa.subgraph(r.nodes_a.tolist())), r
            assert nx.is_connected(nxb.subgraph(r.nodes_b.tolist())), r
        assert r.components == (
            nx.number_connected_components(nxa.subgraph(r.nodes_a.tolist())),
            nx.number_connected_components(nxb.subgraph(r.nodes_b.tolist())),
        )
    stats = [r.statistic for r in regions]
    assert stats == sorted(stats, reverse=True)


# -- general truths ---------------------------------------------------------------------------
def test_graph_against_itself_is_one_preserved_region_per_component():
    ga, _, _ = make_planted_graphs(random_state=3)
    regions = find_matching_regions(ga, ga, n_permutations=20, random_state=0)
    covered, big = _self_covered(regions, ga)
    assert covered[big].all()
    assert all(r.kind == "preserved" and r.score == pytest.approx(1.0) for r in regions)
    assert all(r.p_value <= 0.05 for r in regions)
    _check_invariants(regions, ga, ga)


def test_loop_against_path_states_cycles_lost():
    n = 120
    loop = _graph(_cycle(n, 12, 16), n)
    path = _graph(_cycle(n, 20, 9, cyclic=False), n)  # other resolution, cut open
    regions = find_matching_regions(loop, path, n_permutations=20, random_state=0)
    assert len(regions) == 1
    r = regions[0]
    assert r.kind == "changed" and r.differences[0] == "cycles lost"
    assert r.cycles == (1, 0) and r.overlap > 0.9
    back = find_matching_regions(path, loop, n_permutations=0)
    assert back[0].differences[0] == "cycles gained"


def test_same_loop_at_two_resolutions_is_preserved():
    n = 150
    a = _graph(_cycle(n, 10, 20), n)
    b = _graph(_cycle(n, 23, 9, shift=3), n)
    regions = find_matching_regions(a, b, n_permutations=20, random_state=0)
    assert len(regions) == 1
    r = regions[0]
    assert r.kind == "preserved" and r.cycles == (1, 1) and r.matched > 0.9
    assert r.p_value <= 0.05
    assert len(r.nodes_a) == 10 and len(r.nodes_b) == 23


def test_shuffled_inputs_are_rearranged_not_preserved():
    n = 120
    rng = np.random.default_rng(0)
    a = _graph(_cycle(n, 12, 16, cyclic=False), n)
    perm = rng.permutation(n)
    b = _graph([[int(perm[i]) for i in s] for s in _cycle(n, 9, 20, cyclic=False)], n)
    regions = find_matching_regions(a, b, n_permutations=0)
    assert not any(r.kind == "preserved" for r in regions)
    assert regions and "rearranged" in regions[0].differences


def test_two_arms_folded_onto_one_are_merged():
    # A: a Y (stem 0..39, arms 40..79 and 80..119); B: both arms on one line
    n = 120
    stem = [list(range(i, i + 10)) for i in range(0, 35, 5)]
    arm1 = [list(range(i, i + 10)) for i in range(35, 75, 5)]
    arm2 = [[0 + j for j in range(35, 40)] + list(range(80, 85))] + [
        list(range(i, i + 10)) for i in range(80, 115, 5)
    ]
    a = _graph(stem + arm1 + arm2, n)
    merged = [list(range(40 + i, 46 + i)) + list(range(80 + i, 86 + i)) for i in range(0, 35, 4)]
    b = _graph(stem + [list(range(35, 45)) + list(range(80, 85))] + merged, n)
    regions = find_matching_regions(a, b, n_permutations=0)
    arms = set(range(45, 80)) | set(range(85, 120))
    holder = max(regions, key=lambda r: len(arms & set(r.inputs.tolist())))
    assert holder.kind == "changed" and "merged" in holder.differences


def test_regions_are_deterministic_and_take_any_random_state():
    ga, gb, _ = make_planted_graphs(random_state=1)
    r1 = find_matching_regions(ga, gb, n_permutations=10, random_state=5)
    r2 = find_matching_regions(ga, gb, n_permutations=10, random_state=5)
    r3 = find_matching_regions(ga, gb, n_permutations=10, random_state=np.random.default_rng(5))
    assert [r.to_dict() for r in r1] == [r.to_dict() for r in r2]
    assert [len(r.nodes_a) for r in r3] == [len(r.nodes_a) for r in r1]
    _check_invariants(r1, ga, gb)


def test_region_round_trip_json():
    ga, gb, _ = make_planted_graphs(random_state=2)
    regions = find_matching_regions(ga, gb, n_permutations=5, random_state=0)
    for r in regions:
        d = json.loads(json.dumps(r.to_dict()))
        back = Region.from_dict(d)
        assert back.to_dict() == r.to_dict()
        np.testing.assert_array_equal(back.nodes_a, r.nodes_a)
        assert back.description == r.description
    no_p = find_matching_regions(ga, gb, n_permutations=0)[0]
    assert np.isnan(no_p.p_value) and no_p.to_dict()["p_value"] is None
    assert np.isnan(Region.from_dict(no_p.to_dict()).p_value)


def test_score_region_matches_the_search():
    ga, gb, _ = make_planted_graphs(random_state=4)
    regions = find_matching_regions(ga, gb, n_permutations=0)
    r = regions[0]
    again = score_region(ga, gb, r.nodes_a, r.nodes_b, n_permutations=0)
    assert again.to_dict() == r.to_dict()


# -- acceptance at small sizes ---------------------------------------------------------------
def test_rotation_with_a_shared_lens_is_the_self_case(minilm):
    X = minilm["block3"]
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(X.shape[1], X.shape[1])))
    lens = compute_lens(X, "pca1", random_state=0)
    ga = build_mapper(X, lens=lens, **GRAPH)
    gb = build_mapper(X @ q, lens=lens, **GRAPH)
    regions = find_matching_regions(ga, gb, n_permutations=20, random_state=0)
    covered, big = _self_covered(regions, ga)
    assert covered[big].all()
    assert all(r.kind == "preserved" and r.score == pytest.approx(1.0) for r in regions)


def _matched_share(regions, n, alpha=0.05):
    sig = [r for r in regions if r.p_value <= alpha]
    return len(np.unique(np.concatenate([r.matched_inputs for r in sig]))) / n if sig else 0.0


def test_noise_ladder_and_null(minilm):
    X = minilm["block3"]
    n = len(X)
    lens = compute_lens(X, "pca1", random_state=0)
    ga = build_mapper(X, lens=lens, **GRAPH)
    held = len(np.unique(ga.membership.indices))
    rng = np.random.default_rng(0)
    shares, weighted = [], []
    for level in (0.01, 0.05, 0.2, 0.5):
        gb = build_mapper(X + rng.normal(size=X.shape) * X.std(axis=0) * level, lens=lens, **GRAPH)
        regions = find_matching_regions(ga, gb, n_permutations=20, random_state=0)
        _check_invariants(regions, ga, gb)
        shares.append(_matched_share(regions, n) * n / held)
        weighted.append(covered_share(ga, gb, regions) * n / held)
    assert all(b <= a + 0.02 for a, b in zip(shares, shares[1:])), shares
    assert shares[1] >= 0.8, shares
    # the agreement-weighted share falls with the noise too, at least as far as the plain one
    assert all(b <= a + 0.02 for a, b in zip(weighted, weighted[1:])), weighted
    assert weighted[1] >= 0.8, weighted
    assert weighted[-1] <= shares[-1], (weighted, shares)
    # rows permuted, each representation its own lens: nothing significant
    hits = 0
    for seed in range(5):
        Xp = X[np.random.default_rng(seed).permutation(n)]
        gb = build_mapper(Xp, lens=compute_lens(Xp, "pca1", random_state=0), **GRAPH)
        regions = find_matching_regions(ga, gb, n_permutations=20, random_state=seed)
        hits += any(r.p_value <= 0.05 for r in regions)
    assert hits == 0


def test_a_cycle_gained_inside_a_long_path_is_its_own_region():
    # B is A's path plus two small nodes that close a loop over a stretch of it (no fold, no
    # torn edge): the loop is stated where it is, the rest of the path stays preserved
    m = 20
    path = [list(range(10 * i, 10 * i + 20)) for i in range(m)]
    n = 10 * m + 10
    line = [(i, i + 1) for i in range(m - 1)]

    def with_edges(sets, edges):
        g = _graph(sets, n)
        edges = np.array(sorted(edges), dtype=np.int64)
        return MapperGraph(g.membership, edges, np.ones(len(edges)), g.nodes)

    ga = with_edges(path, line)
    gb = with_edges(
        path + [[51, 52, 53, 54], [71, 72, 73, 74]], line + [(3, m), (m, m + 1), (8, m + 1)]
    )
    regions = find_matching_regions(ga, gb, n_permutations=20, random_state=0)
    _check_invariants(regions, ga, gb)
    gained = [r for r in regions if "cycles gained" in r.differences]
    assert len(gained) == 1
    assert {m, m + 1} <= set(gained[0].nodes_b.tolist())
    assert len(gained[0].nodes_b) <= 12  # the loop and the short stretch before it, not the path
    preserved = [r for r in regions if r.kind == "preserved"]
    assert preserved and max(len(r.nodes_a) for r in preserved) >= 8


def test_input_agreement_and_covered_share():
    n = 60
    blocks = [list(range(i, i + 6)) for i in range(0, n, 6)]
    ga = _graph(blocks, n)
    agree = input_agreement(ga, ga)
    assert np.allclose(agree, 1.0)
    # B groups the same inputs differently (every block of A spread over two of B): lower
    rng = np.random.default_rng(0)
    perm = rng.permutation(n)
    gb = _graph([sorted(perm[b].tolist()) for b in blocks], n)
    other = input_agreement(ga, gb)
    assert other.shape == (n,) and np.all(other < 0.5)
    # an input in no node of either graph agrees 0
    gc = _graph(blocks[:-1], n)
    assert np.all(input_agreement(gc, gc)[54:] == 0.0)
    sig = Region(nodes_a=np.arange(3), nodes_b=np.arange(3), inputs=np.arange(18), p_value=0.01)
    nonsig = Region(
        nodes_a=np.arange(3, 6), nodes_b=np.arange(3, 6), inputs=np.arange(18, 36), p_value=0.5
    )
    assert covered_share(ga, ga, [sig, nonsig]) == pytest.approx(18 / n)
    assert covered_share(ga, ga, [sig, nonsig], alpha=0.6) == pytest.approx(36 / n)
    assert covered_share(ga, gb, [sig]) == pytest.approx(other[:18].sum() / n)
    assert covered_share(ga, gb, [sig], weighted=False) == pytest.approx(18 / n)
    with pytest.raises(ValueError, match="alpha"):
        covered_share(ga, ga, [sig], alpha=2)
    with pytest.raises(TypeError, match="regions"):
        covered_share(ga, ga, [1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_recall_precision_and_differences(seed):
    ga, gb, truth = make_planted_graphs(random_state=seed)
    regions = find_matching_regions(ga, gb, n_permutations=20, random_state=0)
    ev = truth.evaluate(regions)
    assert ev["recall"] >= 0.9, ev
    assert ev["precision"] >= 0.9, ev
    assert ev["preserved_whole"] == [], ev
    assert ev["wrong"] == [], ev
    _check_invariants(regions, ga, gb)


# -- session, progress, bad input ------------------------------------------------------------
def test_session_find_regions_before_and_after_build():
    X = np.random.default_rng(0).normal(size=(120, 5))
    cmp = Comparison({"a": X, "b": X + 0.01})
    with pytest.raises(ValueError, match=r"call build_mappers\(\) first"):
        cmp.find_regions()
    with pytest.raises(ValueError, match=r"call build_mappers\(\) first"):
        cmp.find_regions("a", "b")
    cmp.build_mappers(lens="pca1", n_intervals=6, overlap=0.4, random_state=0)
    regions = cmp.find_regions("a", "b", n_permutations=5, random_state=0)
    corr = cmp.correspondences[("a", "b")]
    assert corr.regions == regions and all(isinstance(r, Region) for r in regions)


def test_progress_and_cancel():
    ga, gb, _ = make_planted_graphs(random_state=0)
    calls = []
    find_matching_regions(
        ga, gb, n_permutations=4, random_state=0, progress=lambda f, m: calls.append(f)
    )
    assert calls and calls[-1] == 1.0 and all(0 <= f <= 1 for f in calls)
    assert calls == sorted(calls)

    def stop(fraction, message):
        if "permutation" in message:
            raise Cancelled

    with pytest.raises(Cancelled):
        find_matching_regions(ga, gb, n_permutations=50, random_state=0, progress=stop)


def test_empty_graph_and_params_declared():
    g = _graph([[0, 1, 2], [2, 3, 4]], 5)
    assert find_matching_regions(MapperGraph.empty(5), g) == []
    specs = param_specs(find_matching_regions)
    for name in (
        "min_size",
        "min_coupling",
        "coupling",
        "min_shared",
        "fold_share",
        "n_permutations",
    ):
        assert name in specs and specs[name].help
    assert "overlap" in specs["coupling"].options()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(min_size=0), "min_size"),
        (dict(min_size=2.5), "min_size"),
        (dict(min_coupling=0.0), "min_coupling"),
        (dict(min_coupling=1.5), "min_coupling"),
        (dict(min_coupling=float("nan")), "min_coupling"),
        (dict(min_shared=True), "min_shared"),
        (dict(fold_share=0.7), "fold_share"),
        (dict(n_permutations=-1), "n_permutations"),
        (dict(n_permutations="10"), "n_permutations"),
        (dict(max_regions=0), "max_regions"),
        (dict(coupling="cosine"), "coupling"),
        (dict(random_state="x"), "random_state"),
        (dict(progress=3), "progress"),
    ],
)
def test_bad_parameters_are_named(kwargs, match):
    g = _graph([[0, 1, 2], [2, 3, 4]], 5)
    with pytest.raises((ValueError, TypeError), match=match):
        find_matching_regions(g, g, **kwargs)


def test_bad_graphs_are_named():
    g5, g6 = _graph([[0, 1]], 5), _graph([[0, 1]], 6)
    with pytest.raises(ValueError, match="different inputs"):
        find_matching_regions(g5, g6)
    with pytest.raises(TypeError, match="MapperGraph"):
        find_matching_regions(g5, np.zeros((2, 2)))
    with pytest.raises(IndexError, match="nodes_a"):
        score_region(g5, g5, [3], [0])
    with pytest.raises((ValueError, TypeError, IndexError), match="nodes_b"):
        score_region(g5, g5, [0], [-1])


def test_large_nodes_against_themselves_are_one_preserved_region():
    """Nodes that each hold most of the inputs share far less than twice what chance gives
    (it cannot exceed their size): they are still strongly coupled to themselves."""
    import scipy.sparse as sp

    from napari_topoalign import MapperGraph

    n = 700
    M = sp.lil_matrix((4, n), dtype=bool)
    for i in range(4):
        M[i, [(140 * i + j) % n for j in range(420)]] = True
    g = MapperGraph.from_membership(M.tocsr())
    regions = find_matching_regions(g, g, n_permutations=20, random_state=0, min_size=1)
    assert len(regions) == 1
    assert regions[0].kind == "preserved" and regions[0].score == 1.0
    assert list(regions[0].nodes_a) == [0, 1, 2, 3]


def test_a_part_covered_by_fewer_coarser_nodes_in_the_other_graph_is_reported():
    """min_size counts the larger side: three nodes in A covering what two coarser nodes
    cover in B form a region (requiring three on both sides dropped it)."""
    import scipy.sparse as sp

    from napari_topoalign import MapperGraph

    def graph(sets, n=300):
        M = sp.lil_matrix((len(sets), n), dtype=bool)
        for i, s in enumerate(sets):
            M[i, list(s)] = True
        return MapperGraph.from_membership(M.tocsr())

    ga = graph([range(0, 42), range(38, 82), range(78, 120)])
    gb = graph([range(0, 64), range(58, 120)])
    regions = find_matching_regions(ga, gb, n_permutations=20, random_state=0, min_size=3)
    assert len(regions) == 1
    assert list(regions[0].nodes_a) == [0, 1, 2] and list(regions[0].nodes_b) == [0, 1]


def test_shared_lens_null_is_conditional_on_the_cover(minilm):
    # rows of B shuffled, but B sliced by A's lens (the default of Comparison.build_mappers):
    # the cover alone makes nodes of one cover element overlap. null="cover" relabels only
    # within the cover elements, so a significant region is as rare as the level says
    # (family-wise 5 %: 0.5 of 10 seeds expected); the plain null ("inputs", the default)
    # calls most of the inputs significant in every seed.
    X = minilm["block3"]
    n = len(X)
    lens = compute_lens(X, "pca1", random_state=0)
    ga = build_mapper(X, lens=lens, **GRAPH)
    hits, plain_hits = 0, 0
    for seed in range(10):
        Y = X[np.random.default_rng(seed).permutation(n)]
        gb = build_mapper(Y, lens=lens, **GRAPH)
        regions = find_matching_regions(ga, gb, n_permutations=20, random_state=seed, null="cover")
        hits += _matched_share(regions, n) > 0
        if seed < 3:
            plain = find_matching_regions(ga, gb, n_permutations=20, random_state=seed)
            plain_hits += _matched_share(plain, n) > 0.3
    assert hits <= 2, hits
    assert plain_hits == 3
    # the same lens on X + 5 % noise: the clusters inside the cover elements agree
    gb = build_mapper(
        X + np.random.default_rng(9).normal(size=X.shape) * X.std(0) * 0.05, lens=lens, **GRAPH
    )
    regions = find_matching_regions(ga, gb, n_permutations=20, random_state=0)
    assert _matched_share(regions, n) >= 0.5
    with pytest.raises(ValueError, match="null"):
        find_matching_regions(ga, gb, null="labels")
