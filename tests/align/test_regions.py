import json

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from napari_topoalign import Comparison, MapperGraph, build_mapper
from napari_topoalign.align import Region, find_matching_regions
from napari_topoalign.align.regions import score_region
from napari_topoalign.datasets.synthetic import make_planted_pair
from napari_topoalign.session import Cancelled


def _graph(sets, n):
    rows = [i for i, s in enumerate(sets) for _ in s]
    cols = [j for s in sets for j in s]
    m = sp.csr_matrix((np.ones(len(cols), bool), (rows, cols)), shape=(len(sets), n))
    return MapperGraph.from_membership(m)


def _windows(order, n_nodes, width, shift=0):
    """Nodes as overlapping windows along a closed (cyclic) ordering of the inputs."""
    n = len(order)
    step = n / n_nodes
    return [
        [int(order[(int(round(k * step)) + shift + j) % n]) for j in range(width)]
        for k in range(n_nodes)
    ]


def _planted(seed, **kwargs):
    reps, truth = make_planted_pair(random_state=seed, **kwargs)
    ga, gb = (build_mapper(reps[n], **truth.mapper_params[n], name=n) for n in reps.names)
    return truth, ga, gb


@pytest.fixture(scope="module")
def planted0():
    return _planted(0)


def _check_invariants(regions, ga, gb, min_size, min_score):
    seen_a, seen_b = set(), set()
    nxa, nxb = ga.to_networkx(), gb.to_networkx()
    scores = [r.score for r in regions]
    assert scores == sorted(scores, reverse=True), "regions are not ranked by score"
    for r in regions:
        assert nx.is_connected(nxa.subgraph(r.nodes_a.tolist())), r
        assert nx.is_connected(nxb.subgraph(r.nodes_b.tolist())), r
        assert not seen_a & set(r.nodes_a.tolist()), "a node of A is in two regions"
        assert not seen_b & set(r.nodes_b.tolist()), "a node of B is in two regions"
        seen_a |= set(r.nodes_a.tolist())
        seen_b |= set(r.nodes_b.tolist())
        ia, ib = set(ga.inputs_of_nodes(r.nodes_a)), set(gb.inputs_of_nodes(r.nodes_b))
        assert set(r.inputs.tolist()) == ia & ib
        assert r.overlap == pytest.approx(len(ia & ib) / len(ia | ib))
        assert r.score == pytest.approx(r.overlap * r.structure)
        assert 0 <= r.structure <= 1 and 0 <= r.score <= 1
        assert r.size == min(len(r.nodes_a), len(r.nodes_b)) >= min_size
        assert r.score >= min_score
        # the structural counts are those of the induced subgraphs
        sa, sb = nxa.subgraph(r.nodes_a.tolist()), nxb.subgraph(r.nodes_b.tolist())
        assert r.cycles == (
            sa.number_of_edges() - sa.number_of_nodes() + 1,
            sb.number_of_edges() - sb.number_of_nodes() + 1,
        )


def test_planted_regions_are_connected_disjoint_ranked(planted0):
    truth, ga, gb = planted0
    regions = find_matching_regions(ga, gb, random_state=0, n_permutations=20)
    assert len(regions) >= len(truth.matches)
    _check_invariants(regions, ga, gb, 3, 0.6)


@pytest.mark.parametrize("seed", range(5))
def test_recovers_planted_matches_and_not_differences(seed):
    truth, ga, gb = _planted(seed)
    regions = find_matching_regions(ga, gb, random_state=seed, n_permutations=0)
    recall, precision = truth.recall(regions), truth.precision(regions)
    assert recall >= 0.9, (seed, recall, regions)
    assert precision >= 0.9, (seed, precision, regions)
    # every planted loop is matched as a loop in both graphs
    for s in truth.matches:
        if s.kind == "loop":
            best = max(regions, key=lambda r: np.isin(s.inputs, r.inputs).mean())
            assert best.cycles == (1, 1)


def test_p_value_small_for_planted_match_large_for_random_pairing(planted0):
    truth, ga, gb = planted0
    regions = find_matching_regions(ga, gb, random_state=1, n_permutations=50)
    assert regions and all(r.p_value <= 2 / 51 for r in regions)
    # a random pairing: a connected set of A on one structure, one of B on another
    loop, cluster = (next(s for s in truth.matches if s.kind == k) for k in ("loop", "cluster"))
    ra = score_region(
        ga,
        gb,
        ga.nodes_of_inputs(loop.inputs),
        gb.nodes_of_inputs(cluster.inputs),
        n_permutations=50,
        random_state=0,
    )
    assert ra.overlap == 0 and ra.p_value > 0.5
    # a pairing of two overlapping but shifted halves of one loop is weaker than the match
    match = score_region(
        ga,
        gb,
        ga.nodes_of_inputs(loop.inputs),
        gb.nodes_of_inputs(loop.inputs),
        n_permutations=50,
        random_state=0,
    )
    assert match.score > 0.6 and match.p_value <= 2 / 51 and match.cycles == (1, 1)


def test_identical_graphs_match_perfectly(planted0):
    _, ga, _ = planted0
    regions = find_matching_regions(ga, ga, n_permutations=0, min_size=1)
    assert regions
    for r in regions:
        np.testing.assert_array_equal(r.nodes_a, r.nodes_b)
        assert r.score == pytest.approx(1.0) and r.edges_preserved == 1 and r.unfolded == 1
    # together they cover every node that lies in a component of at least one node
    covered = np.concatenate([r.nodes_a for r in regions])
    assert len(covered) == ga.n_nodes


def _loop_graphs(cut: bool, n=240, seed=0):
    """A: a cycle of windows on a circle of inputs. B: the same circle with shifted,
    wider windows (a genuine loop), or cut open: the inputs spread along a path."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    a = _graph(_windows(order, 24, 16), n)
    if not cut:
        b = _graph(_windows(order, 20, 20, shift=5), n)
    else:
        # a path: windows along the same order that do not wrap around
        k = 20
        starts = np.linspace(0, n - 20, k).astype(int)
        b = _graph([[int(order[s + j]) for j in range(20)] for s in starts], n)
    return a, b


def test_loop_versus_loop_and_cut_loop():
    a, b = _loop_graphs(cut=False)
    regions = find_matching_regions(a, b, n_permutations=0)
    assert len(regions) == 1 and regions[0].cycles == (1, 1)
    assert regions[0].overlap == 1.0
    a, b = _loop_graphs(cut=True)
    assert nx.cycle_basis(b.to_networkx()) == []
    # the cut loop is a difference: no part of it is reported as a match
    assert find_matching_regions(a, b, n_permutations=0) == []


def test_folded_branches_are_not_a_match():
    """A: two arms leaving one node; B: one arm whose nodes hold the inputs of both."""
    n = 200
    arm1 = np.arange(0, 100)
    arm2 = np.arange(100, 200)
    a_sets = [list(range(0, 10)) + list(range(100, 110))]
    b_sets = [list(range(0, 10)) + list(range(100, 110))]
    for k in range(1, 10):
        a_sets.append(list(arm1[k * 10 - 3 : k * 10 + 10]))
        a_sets.append(list(arm2[k * 10 - 3 : k * 10 + 10]))
        b_sets.append(list(arm1[k * 10 - 3 : k * 10 + 10]) + list(arm2[k * 10 - 3 : k * 10 + 10]))
    a, b = _graph(a_sets, n), _graph(b_sets, n)
    forced = score_region(a, b, np.arange(a.n_nodes), np.arange(b.n_nodes))
    assert forced.overlap == 1.0 and forced.unfolded < 0.5
    assert find_matching_regions(a, b, n_permutations=0) == []


@st.composite
def _pairs(draw):
    n = draw(st.integers(60, 160))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    n_nodes = draw(st.integers(4, 20))
    width = draw(st.integers(3, 12))
    a = _windows(order, n_nodes, width)
    # B: the same windows, some shifted, some dropped, plus random extra nodes
    b = []
    for w in a:
        if rng.random() < 0.15:
            continue
        shift = int(rng.integers(-2, 3))
        b.append(
            sorted(
                {
                    int(order[(np.flatnonzero(order == w[0])[0] + shift + j) % n])
                    for j in range(len(w))
                }
            )
        )
    for _ in range(draw(st.integers(0, 5))):
        b.append(sorted(rng.choice(n, size=int(rng.integers(1, 8)), replace=False).tolist()))
    if not b:
        b = [[0]]
    return _graph([sorted(set(w)) for w in a], n), _graph(b, n)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_pairs(), st.integers(1, 4), st.floats(0.0, 0.9))
def test_invariants_on_random_graph_pairs(pair, min_size, min_score):
    a, b = pair
    regions = find_matching_regions(
        a, b, min_size=min_size, min_score=min_score, n_permutations=3, random_state=0
    )
    _check_invariants(regions, a, b, min_size, min_score)
    for r in regions:
        assert 1 / 4 <= r.p_value <= 1


def test_deterministic_for_random_state(planted0):
    _, ga, gb = planted0
    r1 = find_matching_regions(ga, gb, random_state=5, n_permutations=10)
    r2 = find_matching_regions(ga, gb, random_state=5, n_permutations=10)
    assert [x.to_dict() for x in r1] == [x.to_dict() for x in r2]


def test_max_regions_and_region_helpers(planted0):
    _, ga, gb = planted0
    all_regions = find_matching_regions(ga, gb, n_permutations=0)
    two = find_matching_regions(ga, gb, n_permutations=0, max_regions=2)
    assert len(two) == 2 and len(all_regions) > 2
    r = all_regions[0]
    d = r.to_dict()
    json.loads(json.dumps(d, allow_nan=False))
    back = Region.from_dict(d)
    np.testing.assert_array_equal(back.nodes_a, r.nodes_a)
    assert back.score == r.score and back.cycles == r.cycles and np.isnan(back.p_value)
    assert "score=" in repr(r) and "nodes" in repr(r)
    assert r.summary()["inputs"] == len(r.inputs) == r.n_inputs


def test_progress_and_cancel(planted0):
    _, ga, gb = planted0
    seen = []
    find_matching_regions(ga, gb, n_permutations=5, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert len(seen) > 5 and fractions == sorted(fractions)
    assert 0 <= fractions[0] and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in seen)

    def cancel(fraction, message):
        if fraction > 0.2:
            raise Cancelled()

    with pytest.raises(Cancelled):
        find_matching_regions(ga, gb, n_permutations=5, progress=cancel)


def test_bad_input(planted0):
    _, ga, gb = planted0
    other = _graph([[0, 1], [1, 2]], 5)
    with pytest.raises(ValueError, match="n_inputs"):
        find_matching_regions(ga, other)
    with pytest.raises(TypeError, match="MapperGraph"):
        find_matching_regions(ga, "B")
    for kwargs, name in [
        (dict(min_size=0), "min_size"),
        (dict(min_score=1.5), "min_score"),
        (dict(n_permutations=-1), "n_permutations"),
        (dict(max_regions=0), "max_regions"),
        (dict(min_seed=0.0), "min_seed"),
        (dict(grow_overlap=1.0), "grow_overlap"),
        (dict(closure=0.2), "closure"),
        (dict(cycle_ratio=2), "cycle_ratio"),
    ]:
        with pytest.raises(ValueError, match=name):
            find_matching_regions(ga, gb, **kwargs)
    with pytest.raises(ValueError, match="nodes_a"):
        score_region(ga, gb, [ga.n_nodes], [0])


def test_empty_graphs_give_no_region(planted0):
    _, ga, _ = planted0
    empty = MapperGraph.empty(ga.n_inputs)
    assert find_matching_regions(ga, empty) == []
    assert find_matching_regions(empty, empty) == []


def test_comparison_keeps_regions(planted0):
    _, ga, gb = planted0
    rng = np.random.default_rng(0)
    cmp = Comparison(
        {"A": rng.normal(size=(ga.n_inputs, 2)), "B": rng.normal(size=(ga.n_inputs, 2))}
    )
    cmp.graphs = {"A": ga, "B": gb}
    regions = cmp.find_regions("A", "B", n_permutations=0)
    stored = cmp.correspondences[("A", "B")]
    assert stored.regions == regions and len(regions) > 0
    assert stored.coupling.shape == (ga.n_nodes, gb.n_nodes)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_pairs(), st.data())
def test_score_region_is_symmetric_and_bounded(pair, data):
    a, b = pair
    sa = data.draw(st.lists(st.integers(0, a.n_nodes - 1), min_size=1, unique=True))
    sb = data.draw(st.lists(st.integers(0, b.n_nodes - 1), min_size=1, unique=True))
    ab = score_region(a, b, sa, sb)
    ba = score_region(b, a, sb, sa)
    assert ab.score == pytest.approx(ba.score) and ab.overlap == pytest.approx(ba.overlap)
    assert ab.cycles == ba.cycles[::-1] and ab.components == ba.components[::-1]
    np.testing.assert_array_equal(ab.inputs, ba.inputs)
    for value in (ab.overlap, ab.structure, ab.edges_preserved, ab.unfolded, ab.node_agreement):
        assert 0 <= value <= 1


def test_loop_at_a_coarser_resolution_still_matches():
    """B covers the same circle with a third as many, wider nodes: not a fold, and every
    edge lands on touching nodes."""
    n = 240
    order = np.random.default_rng(3).permutation(n)
    a = _graph(_windows(order, 24, 16), n)
    b = _graph(_windows(order, 8, 40, shift=7), n)
    assert len(nx.cycle_basis(b.to_networkx())) == 1
    whole = score_region(a, b, np.arange(a.n_nodes), np.arange(b.n_nodes))
    assert whole.cycles == (1, 1) and whole.unfolded == 1.0 and whole.edges_preserved == 1.0
    # a fine node holds at most 16/40 of a coarse node's inputs: seed below that
    regions = find_matching_regions(a, b, n_permutations=0, min_seed=0.3)
    assert len(regions) == 1 and regions[0].cycles == (1, 1)
    assert len(regions[0].inputs) == n
