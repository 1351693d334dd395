"""The "Joint layout" dock widget under a real viewer (run under xvfb, see scripts/test.sh)."""

import numpy as np

from napari_topoalign.session import Comparison
from napari_topoalign.viewer import _layout_widget as lw
from napari_topoalign.viewer._graph_layers import from_napari, to_napari
from napari_topoalign.viewer._layout_widget import JointLayoutWidget


def _small_comparison():
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 2 * np.pi, 200)
    Z = np.column_stack([np.cos(t), np.sin(t)]) + rng.normal(scale=0.05, size=(200, 2))
    reps = {}
    for k in range(2):
        M = rng.normal(size=(2, 5))
        reps[f"r{k}"] = np.tanh(Z @ M) + rng.normal(scale=0.02, size=(200, 5))
    cmp = Comparison(reps)
    cmp.build_mappers(lens="pca1", n_intervals=8, overlap=0.4, random_state=0)
    return cmp


def _draw(viewer, cmp):
    """Graph layers by the shared naming contract, at a circle layout."""
    start = {}
    for k, (name, g) in enumerate(cmp.graphs.items()):
        a = np.linspace(0, 2 * np.pi, g.n_nodes, endpoint=False)
        xy = np.column_stack([np.cos(a) + 3 * k, np.sin(a)])
        rc = to_napari(xy)
        e = g.edges
        viewer.add_vectors(
            np.stack([rc[e[:, 0]], rc[e[:, 1]] - rc[e[:, 0]]], axis=1),
            name=f"{name} edges",
            vector_style="line",
        )
        viewer.add_points(rc, name=f"{name} nodes", size=0.2)
        start[name] = xy
    return start


def _nodes(viewer, name):
    return np.asarray(viewer.layers[f"{name} nodes"].data, dtype=float)


def test_run_sets_layout_and_moves_layers(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    cmp = _small_comparison()
    _draw(viewer, cmp)
    widget = JointLayoutWidget(viewer, comparison=cmp)
    viewer.window.add_dock_widget(widget)
    widget.iterations.value = 60
    widget.coupling_strength.value = 1.5
    worker = widget.run()
    assert worker is not None
    qtbot.waitUntil(lambda: cmp.layout is not None and widget._worker is None, timeout=30_000)
    assert cmp.layout.params["iterations"] == 60 and cmp.layout.params["coupling_strength"] == 1.5
    for name, g in cmp.graphs.items():
        expected = to_napari(cmp.layout.positions[name])
        np.testing.assert_allclose(_nodes(viewer, name), expected)
        vec = np.asarray(viewer.layers[f"{name} edges"].data)
        np.testing.assert_allclose(vec[:, 0], expected[g.edges[:, 0]])
        np.testing.assert_allclose(vec[:, 0] + vec[:, 1], expected[g.edges[:, 1]])
    assert widget.run_button.enabled and not widget.cancel_button.enabled
    assert "callback" not in cmp.layout.params  # no callables in the session
    # row and grid are the viewer's arrangements of side-by-side panels
    assert widget.params()["arrangement"] == "side_by_side"
    widget.arrangement.value = "grid"
    assert widget.params()["arrangement"] == "side_by_side"
    widget.arrangement.value = "overlay"
    assert widget.params()["arrangement"] == "overlay"


def test_intermediate_positions_are_drawn(make_napari_viewer, qtbot, monkeypatch):
    viewer = make_napari_viewer()
    cmp = _small_comparison()
    _draw(viewer, cmp)
    widget = JointLayoutWidget(viewer, comparison=cmp)
    widget.iterations.value = 60
    calls = []
    real = lw._set_positions

    def spy(v, c, name, xy):
        calls.append(np.array(xy))
        real(v, c, name, xy)

    monkeypatch.setattr(lw, "_set_positions", spy)
    widget.run()
    qtbot.waitUntil(lambda: cmp.layout is not None and widget._worker is None, timeout=30_000)
    # at least one intermediate frame for both graphs, then the final positions
    assert len(calls) >= 2 * 2 and len(calls) % 2 == 0
    first = next(iter(cmp.graphs))
    np.testing.assert_allclose(calls[-2], cmp.layout.positions[first])
    assert not np.allclose(calls[0], calls[-2])  # the first frame is not the end yet


def test_cancel_leaves_old_positions_and_layout(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    cmp = _small_comparison()
    start = _draw(viewer, cmp)
    widget = JointLayoutWidget(viewer, comparison=cmp)
    widget.iterations.value = 5_000  # long enough to be cancelled half-way
    before = {name: _nodes(viewer, name).copy() for name in cmp.graphs}
    widget.run()
    assert widget.cancel_button.enabled and not widget.run_button.enabled
    # wait until intermediate positions were drawn, then cancel
    first = next(iter(cmp.graphs))
    qtbot.waitUntil(lambda: not np.allclose(_nodes(viewer, first), before[first]), timeout=30_000)
    widget.cancel_button.changed.emit(True)
    qtbot.waitUntil(lambda: widget._worker is None, timeout=30_000)
    assert cmp.layout is None
    assert widget.status.value == "cancelled"
    for name in cmp.graphs:
        np.testing.assert_allclose(_nodes(viewer, name), before[name], atol=1e-9)
        np.testing.assert_allclose(from_napari(before[name]), start[name], atol=1e-9)
    assert widget.run_button.enabled


def test_no_graphs_is_an_error_not_a_crash(make_napari_viewer, monkeypatch):
    viewer = make_napari_viewer()
    errors = []
    monkeypatch.setattr("napari.utils.notifications.show_error", lambda msg: errors.append(msg))
    widget = JointLayoutWidget(viewer, comparison=Comparison({"a": np.zeros((5, 2))}))
    assert widget.run() is None
    assert errors and "build them first" in errors[0]
