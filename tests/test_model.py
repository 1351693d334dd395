"""The data model: Representations checks, MapperGraph converters, Layout."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from conftest import two_clusters

from napari_topoalign import Layout, MapperGraph, Representations, build_mapper


def _graph():
    X, _, y = two_clusters(60, 3, 8.0, seed=0)
    return build_mapper(
        X, lens=X[:, 0], n_intervals=6, overlap=0.4, eps=1.5, labels=y, name="toy"
    ), y


def test_representations_checks_name_the_culprit():
    ok = np.zeros((5, 2))
    with pytest.raises(ValueError, match="representation 'b': has 4 rows"):
        Representations({"a": ok, "b": np.zeros((4, 2))})
    bad = ok.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="representation 'b'.*row 3 holds NaN"):
        Representations({"a": ok, "b": bad})
    with pytest.raises(ValueError, match="representation 'a'.*2-D"):
        Representations({"a": np.zeros(5)})
    with pytest.raises(ValueError, match="non-empty mapping"):
        Representations({})
    with pytest.raises(ValueError, match="labels: expected shape \\(5,\\)"):
        Representations({"a": ok}, labels=[1, 2])
    with pytest.raises(ValueError, match="ids: input ids must be unique"):
        Representations({"a": ok}, ids=[1, 1, 2, 3, 4])
    with pytest.raises(ValueError, match="images"):
        Representations({"a": ok}, images=np.zeros((4, 8, 8)))
    with pytest.raises(KeyError, match="no representation named 'c'"):
        Representations({"a": ok})["c"]
    reps = Representations({"a": ok, "b": np.ones((5, 3))}, labels=np.arange(5))
    assert reps.names == ["a", "b"] and reps.n_inputs == 5 and len(reps) == 2
    np.testing.assert_array_equal(reps.ids, np.arange(5))


def test_mapper_graph_fields():
    g, _ = _graph()
    assert g.membership.dtype == bool and sp.isspmatrix_csr(g.membership)
    assert g.membership.shape == (g.n_nodes, 120)
    assert g.edges.shape == (g.n_edges, 2) and (g.edges[:, 0] < g.edges[:, 1]).all()
    assert set(g.nodes.columns) >= {
        "size",
        "lens_mean",
        "cover_element",
        "majority_label",
        "purity",
    }
    assert ((g.edge_weights > 0) & (g.edge_weights <= 1)).all()
    np.testing.assert_array_equal(
        g.nodes_of_inputs(g.node_members(0)),
        np.unique(np.concatenate([[0], g.nodes_of_inputs(g.node_members(0))])),
    )
    nodes = [0, 1]
    np.testing.assert_array_equal(
        g.inputs_of_nodes(nodes), np.union1d(g.node_members(0), g.node_members(1))
    )
    with pytest.raises(IndexError):
        g.node_members(g.n_nodes)


def test_networkx_converter():
    g, _ = _graph()
    G = g.to_networkx()
    assert G.number_of_nodes() == g.n_nodes and G.number_of_edges() == g.n_edges
    a, b = g.edges[0]
    assert G.edges[int(a), int(b)]["weight"] == pytest.approx(g.edge_weights[0])
    assert G.nodes[0]["members"] == g.node_members(0).tolist()
    assert G.nodes[0]["size"] == g.nodes.loc[0, "size"]


def test_node_link_roundtrip_through_json():
    g, _ = _graph()
    data = json.loads(json.dumps(g.to_node_link()))
    back = MapperGraph.from_node_link(data)
    assert back.node_sets() == g.node_sets()
    np.testing.assert_array_equal(back.edges, g.edges)
    np.testing.assert_allclose(back.edge_weights, g.edge_weights)
    assert back.name == "toy"
    assert list(back.nodes["size"]) == list(g.nodes["size"])
    # readable by networkx too
    G = nx.node_link_graph(data, edges="links")
    assert G.number_of_edges() == g.n_edges


def test_kmapper_roundtrip_and_errors():
    g, y = _graph()
    d = g.to_kmapper()
    assert all(k.startswith("cube") for k in d["nodes"])
    back = MapperGraph.from_kmapper(d, g.n_inputs, labels=y)
    assert back.node_sets() == g.node_sets()
    np.testing.assert_array_equal(back.edges, g.edges)
    np.testing.assert_array_equal(back.nodes["majority_label"], g.nodes["majority_label"])
    with pytest.raises(ValueError, match="no 'nodes' key"):
        MapperGraph.from_kmapper({}, 10)
    with pytest.raises(ValueError, match="outside"):
        MapperGraph.from_kmapper({"nodes": {"cube0_cluster0": [0, 99]}}, 10)


def test_graph_validation_and_empty():
    with pytest.raises(ValueError, match="edge_weights"):
        MapperGraph(sp.csr_matrix((2, 3), dtype=bool), np.array([[0, 1]]), np.zeros(2), _table(2))
    with pytest.raises(ValueError, match="edges: node indices"):
        MapperGraph(sp.csr_matrix((2, 3), dtype=bool), np.array([[0, 5]]), np.zeros(1), _table(2))
    e = MapperGraph.empty(7, name="nothing")
    assert (e.n_nodes, e.n_edges, e.n_inputs) == (0, 0, 7)
    assert MapperGraph.from_node_link(e.to_node_link()).n_inputs == 7


def _table(n):
    import pandas as pd

    return pd.DataFrame({"size": np.zeros(n, dtype=int)})


def test_layout_offsets():
    lay = Layout({"a": np.ones((3, 2)), "b": np.zeros((2, 2))}, {"a": np.array([1.0, 0.0])})
    np.testing.assert_array_equal(lay.centered("a"), np.tile([0.0, 1.0], (3, 1)))
    np.testing.assert_array_equal(lay.offsets["b"], [0.0, 0.0])


def test_layout_by_name_and_index():
    lay = Layout(
        {"b": np.ones((3, 2)), "a": np.zeros((2, 2))},
        {"b": np.array([2.0, 0.0])},
        {"method": "test"},
    )
    assert lay.names == ["b", "a"] and len(lay) == 2 and list(lay) == ["b", "a"]
    assert lay["b"] is lay[0] and lay["a"] is lay[1] and lay[np.int64(1)] is lay["a"]
    assert "a" in lay and 0 not in lay and "zz" not in lay
    np.testing.assert_array_equal(lay.centered(0), lay.centered("b"))
    np.testing.assert_array_equal(lay.centered("b"), np.tile([-1.0, 1.0], (3, 1)))
    np.testing.assert_array_equal(lay.offset(1), [0.0, 0.0])
    assert [k for k, _ in lay.items()] == ["b", "a"] and len(list(lay.values())) == 2
    assert bool(Layout({}))  # a layout of no graphs is still a layout
    with pytest.raises(ValueError, match="index: must be an integer >= 0, got -1"):
        lay[-1]
    with pytest.raises(IndexError, match="index 2 out of range for 2 graph"):
        lay[2]
    with pytest.raises(TypeError, match="name .str. or an index .int., got float 1.5"):
        lay[1.5]
    with pytest.raises(TypeError, match="got bool"):
        lay.centered(True)
    with pytest.raises(KeyError, match="no graph named 'c'; known: \\['b', 'a'\\]"):
        lay["c"]
    with pytest.raises(TypeError, match="graph names must be strings"):
        Layout({0: np.zeros((1, 2))})
    with pytest.raises(TypeError, match="params: expected a dict"):
        Layout({"a": np.zeros((1, 2))}, {}, params=[1])


def test_layout_dict_round_trip_keeps_order_and_old_form():
    lay = Layout(
        {"z": np.arange(6.0).reshape(3, 2), "a": np.zeros((0, 2))}, {"z": [1.0, 2.0]}, {"k": 1}
    )
    back = Layout.from_dict(lay.to_dict())
    assert back.names == ["z", "a"] and back.params == {"k": 1}
    np.testing.assert_array_equal(back["z"], lay["z"])
    np.testing.assert_array_equal(back.offset("z"), [1.0, 2.0])
    assert back["a"].shape == (0, 2)
    # the form of sessions saved before to_dict: dicts by name
    old = Layout.from_dict({"positions": {"z": lay["z"]}, "offsets": {"z": [1.0, 2.0]}})
    np.testing.assert_array_equal(old.centered("z"), lay.centered("z"))
    with pytest.raises(ValueError, match="2 names for 1 position arrays"):
        Layout.from_dict({"names": ["a", "b"], "positions": [np.zeros((1, 2))]})
    with pytest.raises(KeyError, match="no 'positions'"):
        Layout.from_dict({"names": []})
