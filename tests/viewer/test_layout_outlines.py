"""After a joint layout, the regions' Bubble Sets follow the new positions and are computed
off the GUI thread: in the layout widget's worker, or (``cmp.align_layout()`` typed in the
console) in a background job whose newest layout wins. The Joint layout widget's *focus*
pair is set by a click on the Alignment scores heatmap. Run under a real X server (see
scripts/test.sh)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("napari")
pytestmark = pytest.mark.viewer

from napari_topoalign import Comparison  # noqa: E402
from napari_topoalign.datasets.synthetic import make_planted_pair  # noqa: E402
from napari_topoalign.viewer import _draw  # noqa: E402
from napari_topoalign.viewer._draw import draw_comparison, outlines_pending  # noqa: E402
from napari_topoalign.viewer._layout_widget import ALL, JointLayoutWidget  # noqa: E402
from napari_topoalign.viewer._regions_layers import (  # noqa: E402
    drawing_inputs,
    region_outlines,
    regions_layer_name,
)

FIND = dict(min_size=3, min_coupling=0.5, n_permutations=10, random_state=0)


@pytest.fixture
def session():
    reps, truth = make_planted_pair(
        n_per_structure=1, n_points=60, differences=("cut_loop", "split_cluster"), random_state=0
    )
    cmp = Comparison(reps)
    for name in cmp.names:
        cmp.build_mappers([name], **truth.mapper_params[name])
    cmp.find_regions("A", "B", **FIND)
    assert cmp.correspondences[("A", "B")].regions
    return cmp


@pytest.fixture
def spy(bubble_sets_threads):
    return bubble_sets_threads


def _drawn_rings(viewer, name):
    layer = viewer.layers[regions_layer_name(name)]
    return [np.asarray(r, dtype=float) for r in layer.data], layer.features["region"].to_numpy()


def _assert_outlines_follow_drawn_nodes(viewer, cmp):
    """The regions layers hold exactly the Bubble Sets of the regions at the positions the
    nodes are drawn at now (computed afresh here, in the test)."""
    corr = cmp.correspondences[("A", "B")]
    fresh = region_outlines(cmp, "A", "B", corr.regions, drawing_inputs(viewer, cmp, ("A", "B")))
    for name in ("A", "B"):
        rings, region_of = _drawn_rings(viewer, name)
        want = [(k, np.asarray(r)) for k, rs in enumerate(fresh[name][2]) for r in rs]
        assert len(rings) == len(want) > 0
        for ring, k, (wk, wring) in zip(rings, region_of, want):
            assert k == wk
            np.testing.assert_allclose(ring, wring, atol=1e-9)


def _settle(qtbot, viewer, widget=None):
    qtbot.waitUntil(
        lambda: (widget is None or widget._worker is None) and not outlines_pending(viewer),
        timeout=60_000,
    )
    qtbot.wait(50)  # the finished workers' last signals
    qtbot.waitUntil(lambda: not outlines_pending(viewer), timeout=60_000)


def test_layout_widget_outlines_in_its_worker(make_napari_viewer, qtbot, session, spy):
    cmp = session
    viewer = make_napari_viewer()
    draw_comparison(viewer, cmp, dock_inputs=False)  # follows the session, draws the regions
    _settle(qtbot, viewer)
    before = {n: _drawn_rings(viewer, n)[0] for n in ("A", "B")}
    spy.clear()
    widget = JointLayoutWidget(viewer, comparison=cmp)
    viewer.window.add_dock_widget(widget)
    widget.iterations.value = 40
    widget.run()
    _settle(qtbot, viewer, widget)
    assert cmp.layout.params.get("method") != "separate"
    # the outlines were computed, and never on the GUI thread
    assert spy and not any(spy), spy
    # they are the worker's: computed once per graph (no second background job)
    assert len(spy) == 2, spy
    _assert_outlines_follow_drawn_nodes(viewer, cmp)
    moved = _drawn_rings(viewer, "A")[0]
    assert len(moved) != len(before["A"]) or any(
        r.shape != b.shape or not np.allclose(r, b) for r, b in zip(moved, before["A"])
    )


def test_console_layout_outlines_in_the_background(make_napari_viewer, qtbot, session, spy):
    cmp = session
    viewer = make_napari_viewer()
    draw_comparison(viewer, cmp, dock_inputs=False)
    _settle(qtbot, viewer)
    spy.clear()
    # typed in the console (the GUI thread): the layers move, the outlines follow later
    cmp.align_layout(random_state=1, iterations=20)
    _settle(qtbot, viewer)
    assert spy and not any(spy), spy
    _assert_outlines_follow_drawn_nodes(viewer, cmp)


def test_newest_console_layout_wins(make_napari_viewer, qtbot, session, spy, monkeypatch):
    cmp = session
    viewer = make_napari_viewer()
    draw_comparison(viewer, cmp, dock_inputs=False)
    _settle(qtbot, viewer)
    started = []
    real_start = _draw._start_outline_job

    def start(*args, **kwargs):
        worker = real_start(*args, **kwargs)
        started.append(worker)
        return worker

    monkeypatch.setattr(_draw, "_start_outline_job", start)
    spy.clear()
    cmp.align_layout(random_state=1, iterations=20)
    qtbot.wait(1)  # the first redraw starts its outline job
    cmp.align_layout(random_state=2, iterations=20, coupling_strength=0.5)
    _settle(qtbot, viewer)
    assert len([w for w in started if w is not None]) >= 2
    assert not any(spy)
    # whatever order the two jobs ended in, the outlines are those of the last layout
    _assert_outlines_follow_drawn_nodes(viewer, cmp)
    assert cmp.layout.params["random_state"] == 2


def test_focus_control_from_specs_and_the_scores_heatmap(make_napari_viewer, qtbot, session):
    from matplotlib.backend_bases import MouseEvent

    from napari_topoalign.align import joint_layout
    from napari_topoalign.viewer._scores_widget import AlignmentScoresWidget

    cmp = session
    viewer = make_napari_viewer()
    draw_comparison(viewer, cmp, dock_inputs=False)
    layout = JointLayoutWidget(viewer, comparison=cmp)
    viewer.window.add_dock_widget(layout, name="Joint layout")
    from napari_topoalign._utils.params import param_specs

    assert layout.focus.tooltip == param_specs(joint_layout)["focus"].help
    assert layout.focus.value == ALL and layout.params()["focus"] is None
    scores = AlignmentScoresWidget(viewer, comparison=cmp)
    viewer.window.add_dock_widget(scores, name="Alignment scores")
    scores.measure.value = "cka"
    scores.compute()
    qtbot.waitUntil(lambda: scores._worker is None and scores.matrix is not None, timeout=60_000)
    names = list(scores.matrix.index)
    assert names == ["A", "B"]

    def click(i, j):
        ax = scores._image.axes
        x, y = ax.transData.transform((j, i))
        event = MouseEvent("button_press_event", scores.canvas, x, y, button=1)
        scores.canvas.callbacks.process("button_press_event", event)

    click(1, 0)  # row B, column A
    assert layout.focus.value == ("B", "A") and layout.params()["focus"] == ("B", "A")
    layout.iterations.value = 20
    layout.run()
    _settle(qtbot, viewer, layout)
    report = cmp.layout.params["focus"]
    assert report["graphs"] == ["B", "A"] and np.isfinite(report["alignment"])
    assert "B / A: alignment" in layout.status.value
    click(0, 0)  # the diagonal: one graph, so all graphs
    assert layout.focus.value == ALL and layout.params()["focus"] is None


def test_a_new_layout_empties_stale_membranes(make_napari_viewer, qtbot, session):
    cmp = session
    viewer = make_napari_viewer()
    draw_comparison(viewer, cmp, dock_inputs=False)
    _settle(qtbot, viewer)
    layer = viewer.add_shapes(
        [np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]])],
        shape_type="path",
        name="membranes",
        metadata={"topoalign": {"role": "membranes"}},
    )
    cmp.align_layout(random_state=3, iterations=10)
    _settle(qtbot, viewer)
    assert len(layer.data) == 0
