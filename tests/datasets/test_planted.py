"""The planted-regions generator: what it promises about the two graphs and the truth."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from napari_topoalign.datasets.planted import (
    CHANGED_KINDS,
    EXPECTED,
    KEPT_KINDS,
    make_planted_graphs,
)


def _nodes_within(graph, inputs):
    inside = np.zeros(graph.n_inputs, dtype=bool)
    inside[inputs] = True
    m = graph.membership
    return np.array(
        [i for i in range(graph.n_nodes) if inside[m.indices[m.indptr[i] : m.indptr[i + 1]]].all()]
    )


def _components(graph, nodes):
    adj = graph.to_networkx().subgraph(nodes.tolist())
    import networkx as nx

    return nx.number_connected_components(adj), nx.cycle_basis(adj)


@pytest.fixture(scope="module", params=[0, 1])
def planted(request):
    return make_planted_graphs(random_state=request.param)


def test_one_connected_graph_each_with_identical_bridges(planted):
    ga, gb, truth = planted
    assert ga.n_inputs == gb.n_inputs == truth.n_inputs
    # A is one connected graph (B too, but the half of a split blob no bridge reaches)
    assert connected_components(ga.membership @ ga.membership.T, directed=False)[0] == 1
    n_b = connected_components(gb.membership @ gb.membership.T, directed=False)[0]
    assert 1 <= n_b <= 1 + sum(s["kind"] == "split_blob" for s in truth.structures)
    # bridge nodes are the same node sets in both graphs
    sets_a = set(map(frozenset, ga.node_sets()))
    sets_b = set(map(frozenset, gb.node_sets()))
    bridge = set(truth.bridge_inputs.tolist())
    bridge_nodes = [s for s in sets_a if s & bridge]
    assert bridge_nodes and all(s in sets_b for s in bridge_nodes)


def test_every_structure_at_another_resolution_and_the_planted_shape(planted):
    ga, gb, truth = planted
    kinds = {s["kind"] for s in truth.structures}
    assert kinds == set(KEPT_KINDS) | set(CHANGED_KINDS)
    for s in truth.structures:
        ka, kb = s["patches"]
        assert ka != kb
        na, nb = _nodes_within(ga, s["inputs"]), _nodes_within(gb, s["inputs"])
        assert len(na) >= 3 and len(nb) >= 3
        ca, cycles_a = _components(ga, na)
        cb, cycles_b = _components(gb, nb)
        assert ca == 1
        assert cb == (2 if s["kind"] == "split_blob" else 1)
        if s["kind"] in ("loop", "cut_loop"):
            assert len(cycles_a) >= 1
        if s["kind"] == "cut_loop":
            assert len(cycles_b) == 0
        if s["kind"] in ("path", "shuffled"):
            assert len(cycles_a) == len(cycles_b) == 0
        assert s["changed"] == (s["kind"] in CHANGED_KINDS)
        assert s["expected"] == (EXPECTED[s["kind"]] if s["changed"] else None)
        if s["kind"] == "merged_arms":
            assert 0 < len(s["changed_inputs"]) < len(s["inputs"])
        elif s["changed"]:
            np.testing.assert_array_equal(s["changed_inputs"], s["inputs"])


def test_truth_evaluates_a_perfect_and_an_empty_answer():
    from napari_topoalign.model import Region

    ga, gb, truth = make_planted_graphs(random_state=3)
    kept = truth.kept_inputs
    perfect = [Region([0, 1, 2], [0, 1, 2], kept, p_value=0.01)]
    for s in truth.structures:
        if s["changed"]:
            perfect.append(
                Region(
                    [0],
                    [0],
                    s["changed_inputs"],
                    kind="changed",
                    differences=(s["expected"],),
                    p_value=0.01,
                )
            )
    ev = truth.evaluate(perfect)
    assert ev["recall"] == 1.0 and ev["precision"] == 1.0
    assert ev["preserved_whole"] == [] and ev["wrong"] == []
    everything = [Region([0], [0], np.arange(truth.n_inputs), p_value=0.01)]
    ev = truth.evaluate(everything)
    assert ev["recall"] == 1.0 and ev["precision"] < 0.7
    assert len(ev["preserved_whole"]) == len(CHANGED_KINDS)
    assert truth.evaluate([])["recall"] == 0.0


def test_deterministic_and_bad_input():
    a1, b1, _ = make_planted_graphs(random_state=7)
    a2, b2, _ = make_planted_graphs(random_state=7)
    assert (a1.membership != a2.membership).nnz == 0 and (b1.membership != b2.membership).nnz == 0
    with pytest.raises(ValueError, match="kept"):
        make_planted_graphs(kept=("torus",))
    with pytest.raises(ValueError, match="changed"):
        make_planted_graphs(changed=("loop",))
    with pytest.raises(ValueError, match="patches"):
        make_planted_graphs(patches=(5, 6))
    with pytest.raises((ValueError, TypeError), match="n_points"):
        make_planted_graphs(n_points=5)
    with pytest.raises((ValueError, TypeError), match="overlap"):
        make_planted_graphs(overlap=0.7)
    ga, gb, truth = make_planted_graphs(
        kept=("loop",), changed=(), n_copies=2, extra_bridges=1, random_state=0
    )
    assert len(truth.structures) == 2 and len(truth.changed_inputs) == 0
