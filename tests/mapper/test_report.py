"""mapper_report: the counts on hand-made graphs, the advice, the round trip."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from napari_topoalign.mapper.report import MapperReport, mapper_report
from napari_topoalign.model import MapperGraph


def _graph(members, n_inputs, elements, labels=None):
    rows = np.repeat(np.arange(len(members)), [len(m) for m in members])
    cols = np.concatenate([np.asarray(m, dtype=np.int64) for m in members])
    M = sp.csr_matrix((np.ones(len(rows), bool), (rows, cols)), shape=(len(members), n_inputs))
    return MapperGraph.from_membership(M, cover_element=np.asarray(elements), labels=labels)


def test_a_path_of_one_cluster_per_interval_is_called_its_cover():
    # 5 intervals of 20 inputs overlapping by 5: one node each, a path
    members = [range(15 * i, 15 * i + 20) for i in range(5)]
    g = _graph(members, 80, range(5))
    r = mapper_report(g)
    assert r.n_nodes == 5 and r.n_edges == 4
    assert r.n_elements == 5 and r.n_split_elements == 0 and r.split_share == 0
    assert r.is_cover_path and r.n_cycles == 0 and r.n_branch_points == 0 and r.n_components == 1
    assert r.noise_share == pytest.approx(0.0)
    assert r.largest_node_share == pytest.approx(20 / 80)
    assert "path of one cluster per interval" in r.advice and "more intervals" in r.advice
    g.params["clusterer"] = "dbscan"  # a global-eps clusterer: the advice names the adaptive ones
    assert (
        "clusterer='knn'" in mapper_report(g).advice and "smaller eps" in mapper_report(g).advice
    )


def test_a_loop_with_branches_shows_structure():
    # elements 0..3; elements 1 and 2 split in two: a cycle 0-1a-2a-3-2b-1b-0 and a flare
    members = [
        list(range(0, 12)),  # e0
        list(range(8, 20)),  # e1a
        list(range(4, 8)) + list(range(40, 48)),  # e1b (shares 4..7 with e0)
        list(range(16, 28)),  # e2a
        list(range(44, 56)),  # e2b
        list(range(24, 32)) + list(range(52, 60)),  # e3 joins both arms
        list(range(28, 36)),  # e4: a tail
        list(range(30, 34)) + list(range(60, 64)),  # e4 second cluster: a branch at e3/e4
    ]
    g = _graph(members, 70, [0, 1, 1, 2, 2, 3, 4, 4], labels=np.arange(70) % 2)
    r = mapper_report(g)
    assert r.n_split_elements == 3 and r.n_elements == 5
    assert r.n_cycles >= 1 and r.n_branch_points >= 1 and not r.is_cover_path
    assert r.noise_share == pytest.approx(10 / 70)  # inputs 36..39 and 64..69
    assert r.mean_purity is not None and 0.5 <= r.mean_purity <= 1.0
    assert r.advice.startswith("The graph shows structure")
    assert r.warnings == []


def test_noise_and_one_big_node_are_reported():
    members = [range(0, 10), range(8, 16), range(14, 20)]
    g = _graph(members, 100, [0, 1, 2])  # 80 % of the inputs in no node
    r = mapper_report(g)
    assert r.noise_share == pytest.approx(0.8)
    assert "noise" in r.advice and "min_samples" in r.advice
    g.params["clusterer"] = "knn"  # the default clusterer: a larger neighbourhood, not eps
    assert "KNNComponents(n_neighbors=10)" in mapper_report(g).advice
    g.params["clusterer"] = "dbscan"
    assert "larger eps" in mapper_report(g).advice
    big = _graph([range(0, 90), range(85, 100)], 100, [0, 0])
    r = mapper_report(big)
    assert r.largest_node_share == pytest.approx(0.9) and r.largest_node == 0
    assert any("One node holds 90 %" in w for w in r.warnings)


def test_fragmented_graph():
    members = [range(10 * i, 10 * i + 10) for i in range(9)]  # 9 disjoint nodes
    r = mapper_report(_graph(members, 90, range(9)))
    assert r.n_components == 9
    assert any("components" in w for w in r.warnings)


def test_empty_graph_and_round_trip():
    r = mapper_report(MapperGraph.empty(30))
    assert r.n_nodes == 0 and r.noise_share == 1.0 and "empty" in r.advice
    g = _graph([range(0, 10), range(5, 15)], 20, [0, 1])
    rep = mapper_report(g)
    d = rep.to_dict()
    assert isinstance(d, dict) and all(isinstance(k, str) for k in d)
    assert MapperReport.from_dict(d) == rep
    assert rep.summary().startswith("0/2 elements split")


def test_bad_input():
    with pytest.raises(TypeError, match="graph"):
        mapper_report(np.zeros((3, 3)))


def test_on_a_built_graph_and_exported():
    import napari_topoalign
    from napari_topoalign import build_mapper
    from napari_topoalign.mapper import mapper_report as from_mapper

    assert napari_topoalign.mapper_report is from_mapper is mapper_report
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0, 0.3, (150, 3)), rng.normal(4, 0.3, (150, 3))])
    # a lens blind to the blobs: every element holds both, so every big one splits
    g = build_mapper(
        X, lens=X[:, 2] - X[:, 1], n_intervals=5, overlap=0.3, eps=0.5, random_state=0
    )
    r = mapper_report(g)
    assert r.n_split_elements >= 3 and r.n_components == 2 and not r.is_cover_path
