"""The "Layer topology" widget: compute in the background, then a click on a flow of the
cluster-flow Sankey selects exactly that flow's inputs (Inputs widget, highlighted nodes).

Run under a real X server (see scripts/test.sh)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("napari")
pytest.importorskip("ripser")
pytestmark = pytest.mark.viewer

from viewer_helpers import BUILD, small_image_comparison  # noqa: E402

from napari_topoalign.viewer._inputs_widget import InputsWidget  # noqa: E402
from napari_topoalign.viewer._selection import current_selection  # noqa: E402
from napari_topoalign.viewer._state import set_comparison  # noqa: E402
from napari_topoalign.viewer._topology_widget import VIEWS, LayerTopologyWidget  # noqa: E402


def _click(canvas, xy):
    """A real left click at display coordinates ``xy`` of a matplotlib Qt canvas."""
    from qtpy.QtCore import QPoint, Qt
    from qtpy.QtTest import QTest

    ratio = canvas.device_pixel_ratio or 1.0
    x, y = xy[0] / ratio, canvas.figure.bbox.height / ratio - xy[1] / ratio
    QTest.mouseClick(
        canvas,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
        QPoint(int(round(x)), int(round(y))),
    )


def test_compute_then_click_a_flow_selects_its_inputs(make_napari_viewer, qtbot):
    cmp = small_image_comparison()
    cmp.build_mappers(**BUILD)
    viewer = make_napari_viewer(show=True)
    cmp.show(viewer)
    set_comparison(viewer, cmp)
    inputs_widget = InputsWidget(viewer)
    viewer.window.add_dock_widget(inputs_widget, name="Inputs")
    widget = LayerTopologyWidget(viewer, comparison=cmp)
    viewer.window.add_dock_widget(widget, name="Layer topology")
    widget.n_landmarks.value = 80
    widget.compute_button.clicked.emit()
    qtbot.waitUntil(
        lambda: widget.cancel_button.enabled or "flows" in cmp.topology, timeout=10_000
    )
    qtbot.waitUntil(lambda: "flows" in cmp.topology and widget._worker is None, timeout=120_000)
    assert set(cmp.topology["diagrams"]) == {"A", "B"}
    assert widget.stage.value == "labels" and widget.view.value == "cluster flow"
    widget.canvas.draw()
    kind, sk = widget._shown
    assert kind == "sankey" and sk.stage == "labels"
    # a flow whose middle no other band covers
    bands = {k: art for art, (t, k) in widget._picks.items() if t == "link"}
    target = None
    for k in sk.links.sort_values("count", ascending=False).index:
        xy = widget.link_center(int(k))
        from matplotlib.backend_bases import MouseEvent

        probe = MouseEvent("probe", widget.canvas, *xy)
        if [j for j, art in bands.items() if art.contains(probe)[0]] == [k]:
            target = int(k)
            break
    assert target is not None
    _click(widget.canvas, widget.link_center(target))
    expected = sk.inputs_of_link(target)
    qtbot.waitUntil(lambda: len(current_selection(viewer).inputs) > 0, timeout=5_000)
    sel = current_selection(viewer)
    np.testing.assert_array_equal(sel.inputs, expected)
    assert sel.source.startswith("layer topology")
    # the Inputs widget lists them, and the graphs highlight the nodes that hold them
    rows = inputs_widget.rows()
    assert sorted(int(r[0]) for r in rows) == expected.tolist()
    assert f"{len(expected)} input(s)" in inputs_widget.summary.value
    for name, g in cmp.graphs.items():
        np.testing.assert_array_equal(sel.highlighted[name], g.nodes_of_inputs(expected))


def test_every_view_draws_and_picks(make_napari_viewer, qtbot):
    cmp = small_image_comparison(n_per=30)
    viewer = make_napari_viewer()
    set_comparison(viewer, cmp)
    widget = LayerTopologyWidget(viewer, comparison=cmp)
    cmp.compute_topology(n_landmarks=40, robustness="noise", robustness_levels=(0.0, 0.5))
    widget.reset_choices()
    for view in VIEWS:
        widget.view.value = view
        widget.redraw()
        texts = [t.get_text() for ax in widget.figure.axes for t in ax.texts]
        assert not any("Error" in t or "needs" in t for t in texts), (view, texts)
    widget.view.value = "barcode H0"
    widget.redraw()
    tag = next(t for t in widget._picks.values() if t[0] == "bar")
    got = widget.select(tag)
    assert 0 < len(got) and np.array_equal(current_selection(viewer).inputs, got)
