"""The "Motif query" widget: controls from the motif specs, a background run, the table,
membranes and pores of a clicked row, typed and drawn patterns.

Run under a real X server (see scripts/test.sh): napari needs OpenGL to draw.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("napari")
pytestmark = pytest.mark.viewer

from napari_topoalign import Comparison  # noqa: E402
from napari_topoalign.align.motifs import motif_params  # noqa: E402
from napari_topoalign.datasets.synthetic import make_planted_pair  # noqa: E402
from napari_topoalign.shapes._contour import point_in_ring  # noqa: E402
from napari_topoalign.viewer._motif_widget import (  # noqa: E402
    COLUMNS,
    MEMBRANE_LAYER,
    PATTERN,
    PATTERN_LAYER,
    PORES_LAYER,
    MotifQueryWidget,
    parse_edge_list,
)


@pytest.fixture(scope="module")
def planted():
    reps, truth = make_planted_pair(
        n_per_structure=1, n_points=60, differences=("cut_loop",), random_state=0
    )
    cmp = Comparison(reps)
    for name in cmp.names:
        cmp.build_mappers([name], **truth.mapper_params[name])
    return cmp


def _widget(make_napari_viewer, cmp):
    from napari_topoalign.viewer._draw import draw_comparison

    viewer = make_napari_viewer()
    draw_comparison(viewer, cmp, dock_inputs=False)
    widget = MotifQueryWidget(viewer)
    viewer.window.add_dock_widget(widget, name="Motif query")
    return viewer, widget


def test_edge_list_parsing():
    assert parse_edge_list("0-1, 1-2;2-0") == [(0, 1), (1, 2), (2, 0)]
    assert parse_edge_list("0 1 1 2") == [(0, 1), (1, 2)]
    assert parse_edge_list("  ") == []
    with pytest.raises(ValueError, match="edge list"):
        parse_edge_list("a-b")


def test_controls_find_table_and_membranes(make_napari_viewer, qtbot, planted):
    cmp = planted
    viewer, widget = _widget(make_napari_viewer, cmp)
    assert (widget.graph_a.value, widget.graph_b.value) == ("A", "B")
    # the controls follow the chosen motif's declared parameters
    for name in ("branch", "loop", "clique", PATTERN):
        widget.motif.value = name
        specs = motif_params([(0, 1)] if name == PATTERN else name)
        assert [w.name for w in widget.params] == list(specs)
        values = widget.motif_values()
        for key, spec in specs.items():
            assert values[key] == spec.default, (name, key)
    widget.motif.value = "loop"
    widget.params["max_length"].value = 9
    assert widget.motif_values()["max_length"] == 9
    assert widget.edge_list.native.isHidden()
    widget.motif.value = PATTERN
    assert not widget.edge_list.native.isHidden()
    widget.motif.value = "loop"
    widget.find_button.changed.emit(None)
    qtbot.waitUntil(lambda: widget.query is not None, timeout=60_000)
    qtbot.waitUntil(lambda: widget.find_button.enabled, timeout=10_000)
    q = widget.query
    assert "loop: A vs B" in cmp.motifs and cmp.motifs["loop: A vs B"] is q
    assert widget.table.rowCount() == len(q.table) > 0
    assert widget.table.columnCount() == len(COLUMNS)
    statuses = {widget.table.item(r, 1).text() for r in range(widget.table.rowCount())}
    assert statuses == set(q.table["status"])
    assert "instance(s)" in widget.status.value

    # clicking a row draws the membranes of the instance and its counterpart
    from qtpy.QtCore import Qt

    rect = widget.table.visualItemRect(widget.table.item(0, 0))
    qtbot.mouseClick(widget.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: MEMBRANE_LAYER in viewer.layers, timeout=5_000)
    layer = viewer.layers[MEMBRANE_LAYER]
    assert len(layer.data) >= 2 and set(layer.shape_type) == {"path"}
    assert PORES_LAYER in viewer.layers
    rec = q.table.iloc[widget.row_of(0)]
    membranes = widget.show_instance(widget.row_of(0))
    assert set(membranes) == {rec["graph"], rec["counterpart_graph"]}
    # every node of the instance lies inside its membrane (world coordinates)
    points = viewer.layers[f"{rec['graph']} nodes"]
    world = (
        np.asarray(points.data)[:, -2:] * np.asarray(points.scale)[-2:]
        + np.asarray(points.translate)[-2:]
    )
    m = membranes[rec["graph"]]
    nodes = np.asarray(rec["nodes"])
    inside = np.any([point_in_ring(world[nodes], r) for r in m.outline], axis=0)
    assert inside.all()
    n_pores = sum(mm.n_pores for mm in membranes.values())
    assert len(viewer.layers[PORES_LAYER].data) == n_pores
    # the camera moved to the instance
    from napari_topoalign.viewer._regions_widget import _camera

    centre = np.asarray(_camera(viewer).center)[-2:]
    lo, hi = world[nodes].min(axis=0), world[nodes].max(axis=0)
    assert np.all(centre >= np.minimum(lo, hi) - 50 * (hi - lo + 1))
    viewer.screenshot(canvas_only=True)  # draws without error


def test_typed_and_drawn_patterns(make_napari_viewer, qtbot, planted):
    cmp = planted
    viewer, widget = _widget(make_napari_viewer, cmp)
    widget.motif.value = PATTERN
    widget.edge_list.value = "0-1, 1-2, 2-3"
    widget.find_button.changed.emit(None)
    qtbot.waitUntil(
        lambda: widget.query is not None and widget.find_button.enabled, timeout=60_000
    )
    q = widget.query
    assert q.motif == "pattern" and "pattern: A vs B" in cmp.motifs
    assert len(q.result_a) > 0
    assert all(len(n) == 4 for n in q.table["nodes"])

    # drawn: a path over three consecutive nodes of a chain of graph A
    g = cmp.graphs["A"]
    e = g.edges
    deg = np.bincount(e.ravel(), minlength=g.n_nodes)
    mid = int(np.flatnonzero(deg == 2)[0])
    a, b = [int(x) for x in np.concatenate([e[e[:, 0] == mid, 1], e[e[:, 1] == mid, 0]])[:2]]
    layer = widget.start_drawing()
    assert viewer.layers[PATTERN_LAYER] is layer and widget.motif.value == PATTERN
    points = viewer.layers["A nodes"]
    world = (
        np.asarray(points.data)[:, -2:] * np.asarray(points.scale)[-2:]
        + np.asarray(points.translate)[-2:]
    )
    layer.add_paths([world[[a, mid, b]] + 1e-3])
    widget.edge_list.value = ""
    assert sorted(map(tuple, widget.pattern())) == sorted(
        [tuple(sorted((a, mid))), tuple(sorted((mid, b)))]
    )
    widget._query = None
    widget.find_button.changed.emit(None)
    qtbot.waitUntil(
        lambda: widget.query is not None and widget.find_button.enabled, timeout=60_000
    )
    assert widget.query.result_a.pattern.shape == (2, 2)
    assert len(widget.query.result_a) > 0

    # a search cut by the time limit says so
    widget.motif.value = PATTERN
    widget.edge_list.value = "0-1, 1-2, 2-3, 3-4, 4-5, 5-6"
    widget.params["induced"].value = False
    widget.time_limit.value = widget.time_limit.min
    widget.max_instances.value = 1
    widget._query = None
    widget.find_button.changed.emit(None)
    qtbot.waitUntil(
        lambda: widget.query is not None and widget.find_button.enabled, timeout=60_000
    )
    assert widget.query.truncated
    assert "cut by" in widget.status.value
