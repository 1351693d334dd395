"""Motif queries: planted motifs among decoys, limits, user patterns, comparison."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from napari_topoalign.align.motifs import (
    MOTIFS,
    MotifComparison,
    MotifResult,
    compare_motifs,
    counterpart_nodes,
    crossing_shares,
    find_motifs,
    motif_params,
    pattern_from_paths,
)
from napari_topoalign.model import MapperGraph


# ------------------------------------------------------------------------------------------
# builders: disjoint pieces, then the node labels shuffled
# ------------------------------------------------------------------------------------------
class _Builder:
    def __init__(self):
        self.g = nx.Graph()
        self.planted: list[set] = []

    def new(self, k):
        start = self.g.number_of_nodes()
        ids = list(range(start, start + k))
        self.g.add_nodes_from(ids)
        return ids

    def cycle(self, k):
        ids = self.new(k)
        nx.add_cycle(self.g, ids)
        return ids

    def chain(self, k, start=None):
        """k new nodes in a chain, attached to ``start`` if given."""
        ids = self.new(k)
        seq = ([start] if start is not None else []) + ids
        nx.add_path(self.g, seq)
        return ids

    def done(self, seed):
        rng = np.random.default_rng(seed)
        n = self.g.number_of_nodes()
        perm = rng.permutation(n)
        g = nx.relabel_nodes(self.g, {i: int(perm[i]) for i in range(n)})
        h = nx.Graph()
        h.add_nodes_from(range(n))
        h.add_edges_from(g.edges())
        planted = {frozenset(int(perm[v]) for v in s) for s in self.planted}
        return h, planted


def _node_sets(result: MotifResult) -> set:
    return {frozenset(i.nodes.tolist()) for i in result.instances}


def _check_instances(graph, result):
    for inst in result.instances:
        for a, b in inst.edges:
            assert graph.has_edge(int(a), int(b))
        assert set(inst.edges.ravel().tolist()) <= set(inst.nodes.tolist())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_planted_loops(seed):
    b = _Builder()
    for k in (4, 6, 9):  # planted loops, each hanging from a tree-like stem
        ids = b.cycle(k)
        b.chain(3, start=ids[0])
        b.planted.append(set(ids))
    # a theta graph: two loops sharing a path (two basis cycles, not three)
    t = b.cycle(8)
    mid = b.chain(2, start=t[0])
    b.g.add_edge(mid[-1], t[4])
    b.planted.append({t[0], t[1], t[2], t[3], t[4], *mid})
    b.planted.append({t[4], t[5], t[6], t[7], t[0], *mid})
    # decoys: a triangle (shorter than min_length), a tree, a loop longer than max_length
    b.cycle(3)
    tree = b.chain(5)
    b.chain(3, start=tree[2])
    b.cycle(14)
    g, planted = b.done(seed)
    res = find_motifs(g, "loop", min_length=4, max_length=12)
    assert not res.truncated
    assert _node_sets(res) == planted
    _check_instances(g, res)
    for inst in res.instances:  # in cycle order
        n = inst.nodes.tolist()
        assert all(g.has_edge(n[i], n[(i + 1) % len(n)]) for i in range(len(n)))


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_loop_basis_matches_networkx(seed):
    graphs = [
        nx.gnm_random_graph(35, 55, seed=seed),
        nx.convert_node_labels_to_integers(nx.grid_2d_graph(4 + seed % 2, 6)),
        nx.random_regular_graph(3, 26, seed=seed),
    ]
    for g in graphs:
        expected = sorted(len(c) for c in nx.minimum_cycle_basis(g))
        got = find_motifs(g, "loop")
        assert sorted(i.size for i in got) == expected
        short = find_motifs(g, "loop", max_length=5)
        assert sorted(i.size for i in short) == [k for k in expected if k <= 5]


@pytest.mark.parametrize("seed", [0, 5])
def test_planted_branches_and_flares(seed):
    b = _Builder()
    branches, flares = [], []
    # a branch whose arms end in leaves: also a flare (3 leaf arms)
    c = b.new(1)[0]
    arms = [b.chain(3, start=c), b.chain(2, start=c), b.chain(4, start=c)]
    branches.append({c, *sum(arms, [])})
    flares.append({c, *sum(arms, [])})
    # a branch whose arms end in junctions (triangles): not a flare
    c2 = b.new(1)[0]
    arms2 = []
    for k in (2, 3, 2):
        arm = b.chain(k, start=c2)
        tri = b.new(2)
        nx.add_cycle(b.g, [arm[-1], *tri])
        arms2.append(arm)
    branches.append({c2, *sum(arms2, [])})
    # a flare: two long leaf arms and a stem into a clique (the stem is a third arm)
    core = b.new(4)
    b.g.add_edges_from((u, v) for i, u in enumerate(core) for v in core[i + 1 :])
    stem = b.chain(1, start=core[0])
    f = stem[0]
    fa = [b.chain(3, start=f), b.chain(2, start=f)]
    flares.append({f, *sum(fa, [])})
    # decoys: a degree-3 node with one short arm; a node with one long and two short leaf arms
    d = b.new(1)[0]  # (its two long leaf arms make it a flare, though)
    da = [b.chain(3, start=d), b.chain(3, start=d)]
    b.chain(1, start=d)
    flares.append({d, *sum(da, [])})
    e = b.new(1)[0]
    b.chain(4, start=e), b.chain(1, start=e), b.chain(1, start=e)
    g, _ = b.done(seed)
    rng = np.random.default_rng(seed)
    perm = rng.permutation(b.g.number_of_nodes())  # the same permutation done() used
    to = lambda s: frozenset(int(perm[v]) for v in s)  # noqa: E731
    res_b = find_motifs(g, "branch", min_arms=3, min_arm_length=2)
    expected_b = {to(branches[0]), to(branches[1] | {a[-1] for a in arms2})}
    # arms end at their junction, which belongs to the instance
    assert _node_sets(res_b) == expected_b
    res_f = find_motifs(g, "flare", min_arms=2, min_arm_length=2)
    assert _node_sets(res_f) == {to(s) for s in flares}
    centres = {int(i.center) for i in res_f}
    assert centres == {int(perm[c]), int(perm[f]), int(perm[d])}
    assert len(find_motifs(g, "flare", min_arms=3, min_arm_length=2)) == 1
    _check_instances(g, res_b)
    _check_instances(g, res_f)


def test_planted_paths():
    b = _Builder()
    hub = b.new(4)
    b.g.add_edges_from((u, v) for i, u in enumerate(hub) for v in hub[i + 1 :])
    p1 = b.chain(4, start=hub[0])  # junction .. leaf, 4 edges
    p2 = b.chain(3)
    b.g.add_edge(p2[-1], hub[1])  # leaf .. junction: 3 edges
    mid = b.chain(5)  # isolated path: 4 edges
    short = b.chain(1, start=hub[2])  # decoy: 1 edge
    b.cycle(7)  # decoy: a cycle of degree-2 nodes is a loop, not a path
    g, _ = b.done(0)
    perm = np.random.default_rng(0).permutation(b.g.number_of_nodes())
    to = lambda s: frozenset(int(perm[v]) for v in s)  # noqa: E731
    res = find_motifs(g, "path", min_length=3)
    assert _node_sets(res) == {to([hub[0], *p1]), to([*p2, hub[1]]), to(mid)}
    res2 = find_motifs(g, "path", min_length=4, max_length=4)
    assert _node_sets(res2) == {to([hub[0], *p1]), to(mid)}
    assert to([hub[2], *short]) in _node_sets(find_motifs(g, "path", min_length=1, max_length=1))


def test_planted_stars_and_cliques():
    b = _Builder()
    stars, cliques = [], []
    for k in (3, 5):
        c = b.new(1)[0]
        leaves = b.new(k)
        b.g.add_edges_from((c, u) for u in leaves)
        stem = b.chain(2, start=c)  # the centre also joins the rest
        stars.append({c, *leaves})
        del stem
    c = b.new(1)[0]  # decoy: two leaves and two long arms
    b.g.add_edges_from((c, u) for u in b.new(2))
    b.chain(3, start=c), b.chain(3, start=c)
    for k in (4, 6):
        ids = b.new(k)
        b.g.add_edges_from((u, v) for i, u in enumerate(ids) for v in ids[i + 1 :])
        cliques.append(set(ids))
    ids = b.new(4)  # decoy: K4 minus one edge
    b.g.add_edges_from(
        (u, v) for i, u in enumerate(ids) for v in ids[i + 1 :] if (u, v) != (ids[0], ids[1])
    )
    b.cycle(3)  # decoy: a triangle
    g, _ = b.done(3)
    perm = np.random.default_rng(3).permutation(b.g.number_of_nodes())
    to = lambda s: frozenset(int(perm[v]) for v in s)  # noqa: E731
    assert _node_sets(find_motifs(g, "star", min_spokes=3)) == {to(s) for s in stars}
    assert _node_sets(find_motifs(g, "star", min_spokes=4)) == {to(stars[1])}
    res = find_motifs(g, "clique", min_size=4)
    assert _node_sets(res) == {to(s) for s in cliques}
    assert _node_sets(find_motifs(g, "clique", min_size=4, max_size=5)) == {to(cliques[0])}
    _check_instances(g, res)


def _house():
    return [("a", "b"), ("b", "c"), ("c", "d"), ("d", "a"), ("a", "e"), ("b", "e")]


@pytest.mark.parametrize("seed", [0, 1])
def test_user_pattern_counted_once_per_automorphism(seed):
    b = _Builder()
    houses = []
    for _ in range(3):
        ids = b.new(5)
        a, bb, c, d, e = ids
        b.g.add_edges_from([(a, bb), (bb, c), (c, d), (d, a), (a, e), (bb, e)])
        b.chain(2, start=c)
        houses.append(set(ids))
    ids = b.new(4)  # decoy: a square without its roof
    nx.add_cycle(b.g, ids)
    ids = b.new(5)  # decoy for induced matching: a house with an extra chord
    a, bb, c, d, e = ids
    b.g.add_edges_from([(a, bb), (bb, c), (c, d), (d, a), (a, e), (bb, e), (a, c)])
    chorded = set(ids)
    g, _ = b.done(seed)
    perm = np.random.default_rng(seed).permutation(b.g.number_of_nodes())
    to = lambda s: frozenset(int(perm[v]) for v in s)  # noqa: E731
    res = find_motifs(g, _house())
    assert res.motif == "pattern"
    assert _node_sets(res) == {to(h) for h in houses}
    assert len(res) == 3  # the house has 2 automorphisms: still one instance each
    res_graph = find_motifs(g, nx.Graph(_house()))
    assert _node_sets(res_graph) == _node_sets(res)
    mono = find_motifs(g, _house(), induced=False)
    assert to(chorded) in _node_sets(mono)
    assert {to(h) for h in houses} <= _node_sets(mono)
    for inst in res.instances:  # nodes in the pattern's order: a-b-c-d is a square
        n = inst.nodes.tolist()
        assert g.has_edge(n[0], n[1]) and g.has_edge(n[0], n[4]) and g.has_edge(n[1], n[4])
        assert not g.has_edge(n[0], n[2])


def test_limits_cut_the_search_and_say_so():
    g = nx.convert_node_labels_to_integers(nx.grid_2d_graph(70, 70))
    full_rank = g.number_of_edges() - g.number_of_nodes() + 1
    res = find_motifs(g, "loop", time_limit=0.02)
    assert res.truncated and res.reason == "time_limit"
    assert len(res) < full_rank
    assert res.elapsed < 2.0
    big = nx.gnm_random_graph(3000, 9000, seed=1)
    pat = find_motifs(
        big, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)], induced=False, time_limit=0.05
    )
    assert pat.truncated and pat.reason == "time_limit" and pat.elapsed < 2.0
    capped = find_motifs(g, "loop", max_length=4, max_instances=10)
    assert capped.truncated and capped.reason == "max_instances" and len(capped) == 10
    exact = find_motifs(nx.cycle_graph(5), "loop", max_instances=1)
    assert not exact.truncated and len(exact) == 1  # exactly at the cap is not a cut
    assert "truncated" in repr(res)


def test_bad_input_is_named():
    g = nx.path_graph(4)
    with pytest.raises(ValueError, match="unknown motif"):
        find_motifs(g, "spiral")
    with pytest.raises(TypeError, match="min_arms"):
        find_motifs(g, "branch", min_arms=2.5)
    with pytest.raises(ValueError, match="min_arms"):
        find_motifs(g, "branch", min_arms=1)
    with pytest.raises(TypeError, match="unknown parameter"):
        find_motifs(g, "loop", length=3)
    with pytest.raises(ValueError, match="time_limit"):
        find_motifs(g, "loop", time_limit=0)
    with pytest.raises(ValueError, match="max_length"):
        find_motifs(g, "loop", min_length=6, max_length=4)
    with pytest.raises(ValueError, match="no edges"):
        find_motifs(g, [])
    with pytest.raises(TypeError, match="graph"):
        find_motifs("graph", "loop")


def test_registry_and_params():
    assert {"loop", "branch", "flare", "path", "star", "clique"} <= set(MOTIFS.names())
    for name in MOTIFS.names():
        specs = motif_params(name)
        assert specs, name
        for key, spec in specs.items():
            assert spec.help, (name, key)
    assert set(motif_params([(0, 1)])) == {"induced"}


def test_user_registered_motif():
    @MOTIFS.register("triangle_test")
    def tri(graph, check):
        for u, v in graph.edges():
            for w in graph.adj[u]:
                if w in graph.adj[v]:
                    check()
                    yield [u, v, w], [(u, v), (v, w), (u, w)], -1

    try:
        res = find_motifs(nx.complete_graph(4), "triangle_test")
        assert len(res) == 4
    finally:
        MOTIFS.unregister("triangle_test")


def test_result_round_trip():
    res = find_motifs(nx.petersen_graph(), "loop")
    back = MotifResult.from_dict(res.to_dict())
    assert back.motif == "loop" and len(back) == len(res) == 6
    assert [i.key() for i in back] == [i.key() for i in res]
    pat = find_motifs(nx.petersen_graph(), [(0, 1), (1, 2)])
    back = MotifResult.from_dict(pat.to_dict())
    assert np.array_equal(back.pattern, pat.pattern)


def test_pattern_from_paths_snaps_to_nodes():
    pos = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    edges = pattern_from_paths(
        pos, [np.array([[0.05, 0.0], [0.5, 0.02], [0.98, 0.1], [1.0, 0.9]])]
    )
    assert edges.tolist() == [[0, 1], [1, 2]]
    with pytest.raises(ValueError, match="max_distance"):
        pattern_from_paths(pos, [np.array([[5.0, 5.0], [0.0, 0.0]])], max_distance=0.5)
    with pytest.raises(ValueError, match="joins no two"):
        pattern_from_paths(pos, [np.array([[0.0, 0.0], [0.1, 0.0]])])


# ------------------------------------------------------------------------------------------
# two graphs of the same inputs
# ------------------------------------------------------------------------------------------
def _graph(node_inputs, n_inputs, name):
    rows = np.concatenate([np.full(len(m), i) for i, m in enumerate(node_inputs)])
    cols = np.concatenate([np.asarray(m) for m in node_inputs])
    mem = sp.csr_matrix(
        (np.ones(len(rows), dtype=bool), (rows, cols)), shape=(len(node_inputs), n_inputs)
    )
    return MapperGraph.from_membership(mem, name=name)


def _ring(start, k, per, closed=True, cut=()):
    """k nodes of ``per`` inputs each from ``start``; neighbours share 2 inputs (the ring
    closes unless ``closed`` is False; no sharing across the positions in ``cut``)."""
    nodes = []
    total = k * per
    for i in range(k):
        lo = start + i * per
        ids = list(range(lo, lo + per))
        if closed or i < k - 1:
            if i not in cut:
                ids += [start + ((i + 1) * per) % total, start + ((i + 1) * per + 1) % total]
        nodes.append(ids)
    return nodes


def test_compare_motifs_statuses_and_crossings():
    n = 300
    # A: ring R1 (inputs 0..79) and a chain on 100..179; B: R1 kept, R1's inputs... and a new
    # ring on 100..179; C: R1 cut into two separate chains
    a = _graph(_ring(0, 8, 10) + _ring(100, 8, 10, closed=False), n, "A")
    b = _graph(_ring(0, 8, 10) + _ring(100, 8, 10), n, "B")
    c = _graph(_ring(0, 8, 10, closed=False, cut=(3,)) + _ring(100, 8, 10, closed=False), n, "C")
    table = compare_motifs(a, b, "loop", min_length=4)
    assert isinstance(table, pd.DataFrame)
    assert sorted(table["status"]) == ["new", "preserved"]
    row = table[table["status"] == "preserved"].iloc[0]
    assert row["graph"] == "A" and row["counterpart_graph"] == "B" and row["match"] == 1.0
    assert row["crossing"] == 0.0
    new = table[table["status"] == "new"].iloc[0]
    assert new["graph"] == "B" and new["counterpart_instance"] == -1
    assert set(new["counterpart_nodes"]) == set(range(8, 16))  # A's chain holds its inputs
    assert list(table["rank"]) == [1, 2]
    assert (np.diff(table["n_inputs"]) <= 0).all()

    table = compare_motifs(a, c, "loop", min_length=4)
    assert list(table["status"]) == ["broken"]
    ring = a.nodes.index[:8].to_numpy()
    shares = crossing_shares(a, ring, c)
    # C keeps R1's inputs in two pieces (nodes 0-3 and 4-7): one half leaves, and one node
    # of the other half loses the two inputs it shared across the cut
    leave = shares > 0.5
    assert leave.tolist() in ([False] * 4 + [True] * 4, [True] * 4 + [False] * 4)
    assert ((shares > 0) & (shares < 0.5)).sum() == 1
    assert np.isclose(shares[(shares > 0) & (shares < 0.5)][0], 2 / 12)
    assert 0 < table["crossing"].iloc[0] < 1
    cp = counterpart_nodes(a, ring, c)
    assert set(cp.tolist()) == set(range(8))


def test_compare_motifs_ranked_by_inputs_and_round_trip():
    n = 400
    a = _graph(_ring(0, 6, 10) + _ring(100, 10, 10), n, "A")
    b = _graph(_ring(0, 6, 10, closed=False) + _ring(100, 10, 10), n, "B")
    table, ra, rb = compare_motifs(a, b, "loop", return_results=True)
    assert list(table["status"]) == ["preserved", "broken"]
    assert table["n_inputs"].iloc[0] > table["n_inputs"].iloc[1]
    cmp = MotifComparison("loop", "A", "B", ra, rb, table, {})
    back = MotifComparison.from_dict(cmp.to_dict())
    assert back.counts() == {"preserved": 1, "broken": 1, "new": 0}
    assert list(back.table["nodes"]) == list(table["nodes"])
    assert isinstance(back.to_dict()["table"]["nodes"].iloc[0], str)


def test_compare_refuses_other_inputs():
    a = _graph([[0, 1], [1, 2]], 10, "A")
    b = _graph([[0, 1], [1, 2]], 12, "B")
    with pytest.raises(ValueError, match="different inputs"):
        compare_motifs(a, b, "loop")


@pytest.mark.parametrize("induced", [True, False])
@pytest.mark.parametrize("seed", [0, 1])
def test_pattern_matching_agrees_with_networkx(seed, induced):
    from networkx.algorithms.isomorphism import GraphMatcher

    g = nx.gnm_random_graph(24, 40, seed=seed)
    patterns = [
        nx.cycle_graph(4),
        nx.path_graph(4),
        nx.star_graph(3),
        nx.Graph([(0, 1), (1, 2), (2, 0), (2, 3), (3, 4)]),
        nx.Graph([(0, 1), (2, 3)]),  # disconnected
    ]
    for p in patterns:
        gm = GraphMatcher(g, p)
        maps = gm.subgraph_isomorphisms_iter() if induced else gm.subgraph_monomorphisms_iter()
        expected = set()
        for mp in maps:
            inv = {b: a for a, b in mp.items()}
            expected.add(
                (frozenset(mp), frozenset(tuple(sorted((inv[a], inv[b]))) for a, b in p.edges()))
            )
        got = find_motifs(g, p, induced=induced)
        assert {i.key() for i in got} == expected
