"""Graph, node-table and region writers."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from napari_topoalign import Comparison, MapperGraph
from napari_topoalign.io import (
    read_graph_json,
    regions_table,
    write_graph,
    write_kmapper_html,
    write_node_table,
    write_regions,
)


@pytest.fixture(scope="module")
def cmp():
    from napari_topoalign.datasets import load_digits_sample

    reps = load_digits_sample()
    c = Comparison(reps)
    c.build_mappers(lens="pca1", n_intervals=10, overlap=0.4, random_state=0)
    c.find_regions(random_state=0)
    return c


def test_node_link_round_trip(tmp_path, cmp):
    g = cmp.graphs["pixels_pca"]
    path = write_graph(tmp_path / "g.json", g)
    back = read_graph_json(path)
    assert (back.membership != g.membership).nnz == 0
    np.testing.assert_array_equal(back.edges, g.edges)
    np.testing.assert_allclose(back.edge_weights, g.edge_weights)
    assert back.name == g.name
    pd.testing.assert_frame_equal(
        back.nodes.reset_index(drop=True), g.nodes.reset_index(drop=True), check_dtype=False
    )


def test_kmapper_json_is_keplermapper_compatible(tmp_path, cmp):
    g = cmp.graphs["mlp_hidden1"]
    path = write_graph(tmp_path / "g.kmapper.json", g)
    data = json.loads(path.read_text())
    assert set(data) >= {"nodes", "links", "simplices", "meta_data"}
    assert all(k.startswith("cube") for k in data["nodes"])
    back = read_graph_json(path)
    assert back.node_sets() == g.node_sets()
    np.testing.assert_array_equal(back.edges, g.edges)


def test_kmapper_html(tmp_path, cmp):
    pytest.importorskip("kmapper")
    g = cmp.graphs["mlp_hidden2"]
    path = write_kmapper_html(
        tmp_path / "g.html", g, color_values=cmp.representations.labels.astype(float)
    )
    text = path.read_text()
    assert "<html" in text.lower() and "mlp_hidden2" in text
    with pytest.raises(ValueError, match="no nodes"):
        write_kmapper_html(tmp_path / "e.html", MapperGraph.empty(5))


def test_node_table_and_regions_csv(tmp_path, cmp):
    g = cmp.graphs["pixels_pca"]
    path = write_node_table(tmp_path / "nodes.csv", g)
    table = pd.read_csv(path)
    assert len(table) == g.n_nodes
    members = [set(map(int, str(m).split())) for m in table["members"]]
    assert members == [set(s) for s in g.node_sets()]
    corr = cmp.correspondences
    path = write_regions(tmp_path / "regions.csv", corr)
    regions = pd.read_csv(path)
    expected = sum(len(c.regions) for c in corr.values())
    assert len(regions) == expected == len(regions_table(corr))
    if expected:
        r0 = next(iter(corr.values())).regions[0]
        assert regions.loc[0, "graph_a"] == "pixels_pca"
        assert list(map(int, regions.loc[0, "nodes_a"].split())) == list(r0.nodes_a)
        assert regions.loc[0, "n_inputs"] == len(r0.inputs)


def test_unknown_graph_suffix(tmp_path):
    g = MapperGraph.from_membership(sp.csr_matrix(np.eye(3, dtype=bool)))
    with pytest.raises(ValueError, match="graphs are written as"):
        write_graph(tmp_path / "g.txt", g)
