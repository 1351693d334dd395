import json
from types import SimpleNamespace

import networkx as nx
import numpy as np
import pytest

from napari_topoalign import build_mapper
from napari_topoalign.datasets.synthetic import (
    DIFFERENCE_KINDS,
    MATCH_KINDS,
    PlantedTruth,
    make_planted_pair,
)


@pytest.fixture(scope="module")
def planted():
    reps, truth = make_planted_pair(random_state=3)
    graphs = {n: build_mapper(reps[n], **truth.mapper_params[n], name=n) for n in reps.names}
    return reps, truth, graphs


def test_shapes_labels_and_truth_partition():
    reps, truth = make_planted_pair(n_per_structure=1, n_points=60, dims=(5, 9), random_state=0)
    assert reps.names == ["A", "B"]
    assert reps["A"].shape == (truth.n_inputs, 5) and reps["B"].shape == (truth.n_inputs, 9)
    kinds = sorted(s.kind for s in truth.structures)
    assert kinds == sorted(MATCH_KINDS + DIFFERENCE_KINDS)
    # every input belongs to exactly one planted structure
    all_inputs = np.concatenate([s.inputs for s in truth.structures])
    assert np.array_equal(np.sort(all_inputs), np.arange(truth.n_inputs))
    assert truth.n_inputs == 60 * 6 + 120  # shuffled_clusters plants two discs
    np.testing.assert_array_equal(reps.labels, truth.labels())
    assert all(s.is_match == (s.kind in MATCH_KINDS) for s in truth.structures)
    assert [s.shape for s in truth.structures if s.kind == "branch"] == ["Y"]
    assert np.intersect1d(truth.match_inputs, truth.difference_inputs).size == 0
    json.dumps(truth.mapper_params)  # plain values


def test_deterministic_and_seed_dependent():
    r1, t1 = make_planted_pair(n_per_structure=1, n_points=40, random_state=7)
    r2, t2 = make_planted_pair(n_per_structure=1, n_points=40, random_state=7)
    r3, _ = make_planted_pair(n_per_structure=1, n_points=40, random_state=8)
    for n in r1.names:
        np.testing.assert_array_equal(r1[n], r2[n])
    assert [s.kind for s in t1.structures] == [s.kind for s in t2.structures]
    assert not np.allclose(r1["A"], r3["A"])


def test_representations_differ_by_more_than_a_rotation():
    """B is not A rotated: dimensions differ, and distances are not preserved exactly."""
    reps, _ = make_planted_pair(n_per_structure=1, n_points=40, random_state=1)
    a, b = reps["A"], reps["B"]
    assert a.shape[1] != b.shape[1]
    da = np.linalg.norm(a[:50, None] - a[None, :50], axis=-1)
    db = np.linalg.norm(b[:50, None] - b[None, :50], axis=-1)
    assert not np.allclose(da / da.max(), db / db.max(), atol=1e-3)


def _sub(graph, inputs):
    nodes = graph.nodes_of_inputs(inputs)
    return graph.to_networkx().subgraph(nodes.tolist())


def _cycles(g):
    return g.number_of_edges() - g.number_of_nodes() + nx.number_connected_components(g)


def test_mapper_graphs_show_the_planted_shapes(planted):
    _, truth, graphs = planted
    ga, gb = graphs["A"], graphs["B"]
    for s in truth.structures:
        sa, sb = _sub(ga, s.inputs), _sub(gb, s.inputs)
        ca, cb = nx.number_connected_components(sa), nx.number_connected_components(sb)
        deg_a = max(dict(sa.degree()).values())
        deg_b = max(dict(sb.degree()).values())
        if s.kind == "loop":
            assert (ca, cb, _cycles(sa), _cycles(sb)) == (1, 1, 1, 1), s
        elif s.kind == "branch":
            assert (ca, cb, _cycles(sa), _cycles(sb)) == (1, 1, 0, 0), s
            if s.shape == "Y":
                assert deg_a >= 3 and deg_b >= 3, s  # a branch point in both
            else:
                assert s.shape == "line" and deg_a <= 2 and deg_b <= 2, s
        elif s.kind == "cluster":
            assert (ca, cb) == (1, 1), s
        elif s.kind == "cut_loop":
            assert (ca, cb, _cycles(sa), _cycles(sb)) == (1, 1, 1, 0), s
        elif s.kind == "merged_branches":
            assert (ca, cb) == (1, 1) and deg_a >= 3 and deg_b <= 2, s
        elif s.kind == "split_cluster":
            assert (ca, cb) == (1, 2), s
        elif s.kind == "shuffled_clusters":
            assert (ca, cb) == (2, 2), s
            # each component of B holds about half of each disc of A
            half = len(s.inputs) // 2
            first = set(s.inputs[:half].tolist())
            for comp in nx.connected_components(sb):
                held = np.unique(gb.inputs_of_nodes(sorted(comp)))
                share = np.isin(held, list(first)).mean()
                assert 0.3 < share < 0.7, s


def test_recall_and_precision_definitions():
    truth = PlantedTruth(
        [
            SimpleNamespace(kind="loop", inputs=np.arange(0, 10), is_match=True),
            SimpleNamespace(kind="cut_loop", inputs=np.arange(10, 20), is_match=False),
        ],
        n_inputs=25,
    )
    r1 = SimpleNamespace(inputs=np.arange(0, 8))  # 8 of 10 match inputs
    r2 = SimpleNamespace(inputs=np.array([7, 8, 18, 19, 22]))  # 2 difference inputs
    assert truth.recall([r1, r2]) == pytest.approx(9 / 10)
    # union of region inputs: 0..8, 18, 19, 22 -> 12 inputs, 2 in differences
    assert truth.precision([r1, r2]) == pytest.approx(10 / 12)
    assert truth.recall([]) == 0.0 and truth.precision([]) == 1.0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_per_structure=-1), "n_per_structure"),
        (dict(n_points=10), "n_points"),
        (dict(dims=(1, 5)), "dims"),
        (dict(noise=0.5), "noise"),
        (dict(distortion=-0.1), "distortion"),
        (dict(differences=["bogus"]), "differences"),
        (dict(differences=["cut_loop", "cut_loop"]), "differences"),
        (dict(names=("A", "A")), "names"),
        (dict(n_per_structure=0, differences=()), "nothing to plant"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_planted_pair(**kwargs)
