"""Comparison: the session object the console and the widgets use."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import two_clusters

from napari_topoalign import Cancelled, Comparison


def _cmp():
    X, Y, labels = two_clusters(80, 4, 6.0, seed=0)
    return Comparison({"a": X, "b": Y}, labels=labels)


def test_build_mappers_builds_one_graph_per_representation():
    cmp = _cmp()
    built = cmp.build_mappers(
        lens="pca1", n_intervals=5, overlap=0.3, min_samples=3, random_state=0
    )
    assert list(built) == ["a", "b"] == list(cmp.graphs)
    for name, g in cmp.graphs.items():
        assert g.name == name and g.n_inputs == 160 and g.n_nodes > 0
        assert "purity" in g.nodes
    assert cmp.mapper_params["n_intervals"] == 5
    assert "graphs: ['a', 'b']" in repr(cmp)


def test_build_mappers_is_atomic_on_error_and_cancel():
    cmp = _cmp()
    cmp.build_mappers(["a"], lens="pca1", n_intervals=4)
    before = cmp.graphs["a"]
    with pytest.raises(ValueError, match="overlap"):
        cmp.build_mappers(overlap=3.0)
    assert cmp.graphs == {"a": before}

    calls = []

    def progress(fraction, message):
        calls.append((fraction, message))
        if fraction > 0.5:
            raise Cancelled()

    with pytest.raises(Cancelled):
        cmp.build_mappers(lens="pca1", n_intervals=4, progress=progress)
    assert cmp.graphs == {"a": before}
    assert calls and all(0 <= f <= 1 for f, _ in calls)
    assert any(m.startswith("b:") for f, m in calls)


def test_unknown_names_and_pairs():
    cmp = _cmp()
    with pytest.raises(KeyError, match="unknown name"):
        cmp.build_mappers(["c"])
    with pytest.raises(ValueError, match="at least two mapper graphs"):
        cmp.node_coupling()
    cmp.build_mappers(lens="pca1", n_intervals=4)
    with pytest.raises(ValueError, match="twice"):
        cmp.node_coupling("a", "a")
    C = cmp.node_coupling()
    assert C.shape == (cmp.graphs["a"].n_nodes, cmp.graphs["b"].n_nodes)


def test_layout_separately_places_each_graph_in_its_own_panel():
    cmp = _cmp()
    cmp.build_mappers(lens="pca1", n_intervals=6, random_state=0)
    layout = cmp.layout_separately(random_state=0)
    assert cmp.layout is layout and layout.params["method"] == "separate"
    pa, pb = layout.positions["a"], layout.positions["b"]
    assert pa.shape == (cmp.graphs["a"].n_nodes, 2) and pb.shape == (cmp.graphs["b"].n_nodes, 2)
    assert pa[:, 0].max() < pb[:, 0].min()  # side by side, left to right
    np.testing.assert_allclose(layout.centered("a").mean(axis=0), 0, atol=1e-9)
    again = Comparison(cmp.representations)
    again.graphs = dict(cmp.graphs)
    np.testing.assert_allclose(again.layout_separately(random_state=0).positions["b"], pb)
    with pytest.raises(ValueError, match="call build_mappers"):
        Comparison(cmp.representations).layout_separately()


def test_copy_runs_stages_without_touching_the_original():
    cmp = _cmp()
    cmp.build_mappers(lens="pca1", n_intervals=5, random_state=0)
    graphs = dict(cmp.graphs)
    scratch = cmp.copy()
    scratch.build_mappers(["a"], lens="pca1", n_intervals=8, random_state=0)
    scratch.layout_separately()
    assert cmp.graphs == graphs and cmp.layout is None
    cmp.update_from(scratch)
    assert cmp.graphs["a"].params["n_intervals"] == 8 and cmp.graphs["b"] is graphs["b"]
    assert cmp.layout is scratch.layout and cmp.mapper_params["n_intervals"] == 8
    with pytest.raises(ValueError, match="other representations"):
        cmp.update_from(_cmp())


def test_align_layout_keeps_the_one_layout_type_and_it_saves(tmp_path, monkeypatch):
    from napari_topoalign import joint_layout
    from napari_topoalign.model import Layout

    cmp = _cmp()
    cmp.build_mappers()
    names = list(cmp.graphs)[::-1]  # a layout in another order than the graphs
    layout = cmp.align_layout(names, random_state=0, iterations=20)
    direct = joint_layout({n: cmp.graphs[n] for n in names}, random_state=0, iterations=20)
    assert type(layout) is Layout and cmp.layout is layout and layout.names == names
    for n in names:
        np.testing.assert_array_equal(layout[n], direct[n])
    assert layout.params["iterations"] == 20 and layout.params["random_state"] == 0

    cmp.save(tmp_path / "new.topoalign")
    back = Comparison.load(tmp_path / "new.topoalign").layout
    assert type(back) is Layout and back.names == names and back.params == layout.params
    for n in names:
        np.testing.assert_array_equal(back[n], layout[n])
        np.testing.assert_array_equal(back.offset(n), layout.offset(n))
    # a session file written before Layout had to_dict (its dataclass fields) still loads
    monkeypatch.delattr(Layout, "to_dict")
    cmp.save(tmp_path / "old.topoalign")
    monkeypatch.undo()
    old = Comparison.load(tmp_path / "old.topoalign").layout
    assert type(old) is Layout and old.names == names
    for n in names:
        np.testing.assert_array_equal(old.centered(n), layout.centered(n))
