"""The "Alignment scores" dock widget: heatmap values, cell click selects the pair, LFM
matches highlighted on selection. Run under a real X server (see scripts/test.sh)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("napari")
pytestmark = pytest.mark.viewer

from matplotlib.backend_bases import MouseEvent  # noqa: E402
from viewer_helpers import BUILD, small_image_comparison  # noqa: E402

from napari_topoalign.metrics import similarity_matrix  # noqa: E402
from napari_topoalign.viewer._regions_widget import MatchingRegionsWidget  # noqa: E402
from napari_topoalign.viewer._scores_widget import AlignmentScoresWidget, current_pair  # noqa: E402
from napari_topoalign.viewer._selection import select_nodes  # noqa: E402
from napari_topoalign.viewer._state import set_comparison  # noqa: E402


def _session():
    cmp = small_image_comparison(n_per=50)
    rng = np.random.default_rng(3)
    cmp.representations.arrays["C"] = rng.normal(size=(cmp.representations.n_inputs, 4))
    return cmp


def _draw_graphs(viewer, cmp):
    for k, (name, g) in enumerate(cmp.graphs.items()):
        a = np.linspace(0, 2 * np.pi, g.n_nodes, endpoint=False)
        rc = np.c_[np.sin(a), np.cos(a) + 3 * k]
        e = g.edges
        viewer.add_vectors(
            np.stack([rc[e[:, 0]], rc[e[:, 1]] - rc[e[:, 0]]], axis=1),
            name=f"{name} edges",
            vector_style="line",
        )
        viewer.add_points(rc, name=f"{name} nodes", size=0.2)


def _click(widget, i, j):
    """A left click on heatmap cell (row i, column j), through matplotlib's event path."""
    ax = widget._image.axes
    x, y = ax.transData.transform((j, i))
    event = MouseEvent("button_press_event", widget.canvas, x, y, button=1)
    widget.canvas.callbacks.process("button_press_event", event)


def test_heatmap_values_and_cell_click(make_napari_viewer, qtbot):
    cmp = _session()
    cmp.build_mappers(["A", "B", "C"], **BUILD)
    viewer = make_napari_viewer()
    _draw_graphs(viewer, cmp)
    set_comparison(viewer, cmp)
    regions = MatchingRegionsWidget(viewer, comparison=cmp)
    viewer.window.add_dock_widget(regions, name="Matching regions")
    widget = AlignmentScoresWidget(viewer, comparison=cmp)
    viewer.window.add_dock_widget(widget, name="Alignment scores")
    assert "lfm" in widget.measure.choices and "cka" in widget.measure.choices
    # the controls come from the measure's declared parameters
    widget.measure.value = "cka"
    assert {w.name for w in widget.params_box} == {"kernel", "debiased"}
    widget.params_box.kernel.value = "rbf"

    worker = widget.compute()
    assert worker is not None
    qtbot.waitUntil(lambda: widget._worker is None and widget.matrix is not None, timeout=60_000)
    expected = similarity_matrix(cmp.representations, "cka", kernel="rbf", debiased=False)
    np.testing.assert_allclose(widget.heatmap_values(), expected.values, atol=1e-12)
    assert list(widget.matrix.index) == ["A", "B", "C"]
    assert "cka(debiased=False, kernel=rbf)" in cmp.scores  # kept on the session

    # a click on cell (row C, column A) selects that pair in the regions widget
    _click(widget, 2, 0)
    assert widget.pair == ("C", "A")
    assert current_pair(viewer) == ("C", "A")
    assert (regions.graph_a.value, regions.graph_b.value) == ("C", "A")
    _click(widget, 0, 1)
    assert (regions.graph_a.value, regions.graph_b.value) == ("A", "B")
    assert "A vs B" in widget.pair_label.value


def test_cancel_leaves_session_unchanged(make_napari_viewer, qtbot):
    cmp = _session()
    viewer = make_napari_viewer()
    widget = AlignmentScoresWidget(viewer, comparison=cmp)
    viewer.window.add_dock_widget(widget)
    widget.measure.value = "lfm"
    worker = widget.compute()
    worker.job.cancel()
    qtbot.waitUntil(lambda: widget._worker is None or not worker.is_running, timeout=60_000)
    qtbot.waitUntil(
        lambda: widget.status.value in ("cancelled",) or widget.matrix is not None, timeout=60_000
    )
    if widget.status.value == "cancelled":
        assert cmp.scores == {}


def test_lfm_matches_highlighted(make_napari_viewer, qtbot):
    cmp = _session()
    cmp.build_mappers(["A", "B"], **BUILD)
    viewer = make_napari_viewer()
    _draw_graphs(viewer, cmp)
    set_comparison(viewer, cmp)
    widget = AlignmentScoresWidget(viewer, comparison=cmp)
    viewer.window.add_dock_widget(widget)
    widget.choose_pair("A", "B")
    widget.compute_correspondence(n_neighbors=8, n_eigenvectors=20)
    qtbot.waitUntil(
        lambda: widget._worker is None and widget.lfm_result is not None, timeout=60_000
    )
    matches = widget.lfm_result.matches
    sel = select_nodes(viewer, "A", [0])
    want = cmp.graphs["B"].nodes_of_inputs(np.unique(matches[sel.inputs]))
    np.testing.assert_array_equal(np.sort(sel.highlighted["B"]), np.sort(want))
    width = np.asarray(viewer.layers["B nodes"].border_width)
    others = np.setdiff1d(np.arange(len(width)), want)
    assert np.all(width[want] > width[others].max()) if len(others) and len(want) else True
    # from B back to A: the inputs of A whose match is among the selected inputs of B
    sel = select_nodes(viewer, "B", [1])
    back = cmp.graphs["A"].nodes_of_inputs(np.flatnonzero(np.isin(matches, sel.inputs)))
    np.testing.assert_array_equal(np.sort(sel.highlighted["A"]), np.sort(back))
