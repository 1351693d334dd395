"""The "Build mapper graphs" dock widget (under Xvfb with Mesa, see scripts/test.sh)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("napari")
pytestmark = pytest.mark.viewer

from viewer_helpers import small_image_comparison  # noqa: E402

from napari_topoalign import Comparison  # noqa: E402
from napari_topoalign.viewer import BuildMapperWidget  # noqa: E402
from napari_topoalign.viewer._graph_layers import edge_segments, get_graph_layers  # noqa: E402
from napari_topoalign.viewer._hooks import comparison_layer_data  # noqa: E402
from napari_topoalign.viewer._state import get_comparison  # noqa: E402


def _open(viewer, cmp):
    """Open a session as the sample and the reader do: a layer that carries it."""
    data, meta, kind = comparison_layer_data(cmp, name="test")[0]
    getattr(viewer, f"add_{kind}")(data, **meta)
    return get_comparison(viewer)


def _widget(viewer, **values):
    widget = BuildMapperWidget(viewer)
    viewer.window.add_dock_widget(widget, name="Build mapper graphs")
    for key, value in values.items():
        getattr(widget, key).value = value
    return widget


def test_build_draws_one_graph_layer_per_representation(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    cmp = _open(viewer, small_image_comparison())
    widget = _widget(viewer, lens="pca1", n_intervals=6, overlap=0.35)
    assert widget.representations.value == ["A", "B"]  # all chosen by default
    assert widget.params()["eps"] is None  # 0 means automatic
    worker = widget.run()
    assert not widget.build_button.enabled and widget.cancel_button.enabled
    qtbot.waitUntil(lambda: widget._worker is None and len(cmp.graphs) == 2, timeout=60_000)
    qtbot.waitUntil(lambda: widget.build_button.enabled, timeout=10_000)
    assert worker is not None and not widget.cancel_button.enabled
    for name in ("A", "B"):
        graph = cmp.graphs[name]
        lens = graph.params.get("shared_lens", {}).get("lens", graph.params["lens"])
        assert graph.params["n_intervals"] == 6 and lens == "pca1"
        points, vectors = get_graph_layers(viewer, name)
        assert len(points.data) == graph.n_nodes > 0
        assert len(edge_segments(vectors)) == graph.n_edges
    names = [layer.name for layer in viewer.layers]
    assert names.count("A nodes") == 1 and names.count("B edges") == 1
    assert cmp.layout is not None and set(cmp.layout.positions) == {"A", "B"}
    assert "A:" in widget.status.value and "nodes" in widget.status.value
    assert "Next:" in widget.status.value  # what to do next
    # the view is fitted to the graphs: every node in the canvas, spanning most of its width
    from viewer_helpers import canvas_pixel

    height, width = np.asarray(viewer.canvas.size, dtype=float)
    pix = np.concatenate(
        [canvas_pixel(viewer, np.asarray(get_graph_layers(viewer, n)[0].data)) for n in ("A", "B")]
    )
    assert pix.min() >= 0 and pix[:, 0].max() <= height and pix[:, 1].max() <= width
    assert np.ptp(pix[:, 1]) >= 0.6 * width

    # colour every graph's nodes by a column of the node table
    assert {"size", "purity", "majority_label", "lens_mean"} <= set(widget.color_by.choices)
    widget.color_by.value = "lens_mean"
    for name in ("A", "B"):
        points = get_graph_layers(viewer, name)[0]
        assert points.metadata["topoalign"]["color_by"] == "lens_mean"
        lens = cmp.graphs[name].nodes["lens_mean"].to_numpy()
        lo, hi = np.argmin(lens), np.argmax(lens)
        assert not np.allclose(points.face_color[lo], points.face_color[hi])

    # building one graph again with other parameters replaces only its layers' contents
    n_layers = len(viewer.layers)
    old_b = cmp.graphs["B"]
    widget.representations.value = ["A"]
    widget.n_intervals.value = 9
    widget.run()
    qtbot.waitUntil(lambda: cmp.graphs["A"].params["n_intervals"] == 9, timeout=60_000)
    qtbot.waitUntil(lambda: widget._worker is None, timeout=10_000)
    assert len(viewer.layers) == n_layers
    assert cmp.graphs["B"] is old_b
    assert len(get_graph_layers(viewer, "A")[0].data) == cmp.graphs["A"].n_nodes


def test_bad_parameter_is_an_error_and_keeps_everything(make_napari_viewer, qtbot, monkeypatch):
    errors = []
    monkeypatch.setattr("napari.utils.notifications.show_error", errors.append)
    viewer = make_napari_viewer()
    cmp = _open(viewer, small_image_comparison())
    widget = _widget(viewer, lens="pca1", n_intervals=6, overlap=0.35)
    widget.run()
    qtbot.waitUntil(lambda: widget._worker is None and bool(cmp.graphs), timeout=60_000)
    qtbot.waitUntil(lambda: widget.build_button.enabled, timeout=10_000)
    before = dict(cmp.graphs)
    layers = [
        (layer.name, np.asarray(layer.data).copy())
        for layer in viewer.layers
        if layer.name.endswith("nodes")
    ]

    widget.min_samples.value = 500  # more than the 180 inputs
    widget.run()
    qtbot.waitUntil(lambda: widget.status.value.startswith("failed"), timeout=60_000)
    qtbot.waitUntil(lambda: widget.build_button.enabled, timeout=10_000)
    assert "has 180 rows, needs at least 500" in widget.status.value
    assert errors and "Build mapper graphs failed" in errors[-1]
    assert cmp.graphs == before
    for name, data in layers:
        np.testing.assert_array_equal(viewer.layers[name].data, data)

    widget.representations.value = []
    assert widget.run() is None
    assert "choose at least one representation" in errors[-1]


def test_no_session_is_an_error(make_napari_viewer, monkeypatch):
    errors = []
    monkeypatch.setattr("napari.utils.notifications.show_error", errors.append)
    viewer = make_napari_viewer()
    widget = _widget(viewer)
    assert widget.run() is None
    assert "open a sample or a .npz file first" in errors[0]


def test_cancel_stops_the_build_and_changes_nothing(make_napari_viewer, qtbot):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6000, 40))
    cmp = Comparison({"big": X, "bigger": X @ rng.normal(size=(40, 60))})
    viewer = make_napari_viewer()
    data, meta, kind = comparison_layer_data(cmp, name="test")[0]
    viewer.add_points(data, **meta)
    n_layers = len(viewer.layers)
    widget = _widget(viewer, lens="eccentricity", n_intervals=200, overlap=0.5, clusterer="single")
    widget.run()
    qtbot.waitUntil(lambda: widget.progress.value > 0, timeout=60_000)
    widget.cancel_button.clicked.emit()
    qtbot.waitUntil(lambda: widget.status.value == "cancelled", timeout=60_000)
    qtbot.waitUntil(lambda: widget.build_button.enabled, timeout=10_000)
    assert widget._worker is None
    assert not cmp.graphs and cmp.layout is None
    assert len(viewer.layers) == n_layers
    assert all(w.enabled for w in (widget.lens, widget.n_intervals, widget.representations))


def test_recommended_parameters_are_offered(make_napari_viewer):
    viewer = make_napari_viewer()
    cmp = small_image_comparison()
    cmp.representations.metadata["mapper_params"] = {
        "lens": "pca2",
        "n_intervals": 7,
        "overlap": 0.45,
        "eps": None,
    }
    _open(viewer, cmp)
    widget = _widget(viewer)
    assert widget.lens.value == "pca2" and widget.n_intervals.value == 7
    assert widget.overlap.value == pytest.approx(0.45) and widget.params()["eps"] is None
    widget.n_intervals.value = 11  # the user's choice is kept when choices refresh
    widget.reset_choices()
    assert widget.n_intervals.value == 11
