"""The regions layers and the "Matching regions" widget, on a small planted comparison.

Run under a real X server (see scripts/test.sh): napari needs OpenGL to draw.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

pytest.importorskip("napari")
pytestmark = pytest.mark.viewer

from shapely.geometry import Point, Polygon  # noqa: E402

from napari_topoalign import Comparison  # noqa: E402
from napari_topoalign.datasets.synthetic import make_planted_pair  # noqa: E402
from napari_topoalign.shapes import bubble_sets, ring_is_simple  # noqa: E402
from napari_topoalign.viewer._regions_layers import (  # noqa: E402
    draw_regions,
    regions_layer_name,
)
from napari_topoalign.viewer._regions_widget import COLUMNS, MatchingRegionsWidget  # noqa: E402

FIND = dict(min_size=3, min_coupling=0.5, n_permutations=10, random_state=0)


def _planted():
    reps, truth = make_planted_pair(
        n_per_structure=1, n_points=60, differences=("cut_loop", "split_cluster"), random_state=0
    )
    cmp = Comparison(reps)
    for name in cmp.names:
        cmp.build_mappers([name], **truth.mapper_params[name])
    return cmp


@pytest.fixture(scope="module")
def planted():
    return _planted()


def _napari_positions(graph, offset):
    """A seeded spring layout of the graph, in napari (row, col) data coordinates."""
    g = nx.Graph()
    g.add_nodes_from(range(graph.n_nodes))
    g.add_edges_from(map(tuple, graph.edges.tolist()))
    lay = nx.spring_layout(g, seed=0)
    xy = 10.0 * np.array([lay[i] for i in range(graph.n_nodes)]) + [offset, 0.0]
    return np.c_[-xy[:, 1], xy[:, 0]]


def _add_graph_layers(viewer, cmp):
    """Graph layers by the shared naming contract (f"{name} nodes" / f"{name} edges")."""
    positions = {}
    for k, (name, graph) in enumerate(cmp.graphs.items()):
        pos = _napari_positions(graph, 25.0 * k)
        positions[name] = pos
        vec = np.stack(
            [pos[graph.edges[:, 0]], pos[graph.edges[:, 1]] - pos[graph.edges[:, 0]]], axis=1
        )
        viewer.add_vectors(vec, name=f"{name} edges", edge_width=0.05, vector_style="line")
        viewer.add_points(pos, name=f"{name} nodes", size=0.4)
    return positions


def _same(colours_a, colours_b):
    return np.allclose(np.asarray(colours_a), np.asarray(colours_b))


def test_draw_regions_one_layer_per_graph(make_napari_viewer, planted):
    cmp = planted
    viewer = make_napari_viewer()
    positions = _add_graph_layers(viewer, cmp)
    regions = cmp.find_regions("A", "B", **FIND)
    assert len(regions) >= 2
    empty = draw_regions(viewer, cmp, "A", "B", [])  # new, empty layers
    assert all(len(layer.data) == 0 for layer in empty.values())

    layers = draw_regions(viewer, cmp, "A", "B")
    assert set(layers) == {"A", "B"}
    for name, attr in (("A", "nodes_a"), ("B", "nodes_b")):
        layer = viewer.layers[regions_layer_name(name)]
        assert layer is layers[name]
        # one shape per polygon, the same polygons the core computes
        from napari_topoalign.viewer._regions_layers import _drawing_scale

        scale = _drawing_scale(viewer, name, positions[name])
        assert scale >= 2.5 * 0.4 - 1e-9  # at least 2.5 node diameters
        expected = bubble_sets(
            positions[name],
            [getattr(r, attr) for r in regions],
            edges=cmp.graphs[name].edges,
            scale=scale,
        )
        assert len(layer.data) == sum(len(p) for p in expected)
        assert all(t == "polygon" for t in layer.shape_type)
        for ring in layer.data:
            assert ring_is_simple(ring) and Polygon(ring).is_valid
        # each region's nodes lie inside its own shapes
        feats = layer.features
        assert sorted(set(feats["region"])) == list(range(len(regions)))
        for k, r in enumerate(regions):
            rings = [Polygon(layer.data[i]) for i in np.flatnonzero(feats["region"] == k)]
            for node in getattr(r, attr):
                assert any(p.contains(Point(*positions[name][node])) for p in rings)
        # below the graph's layers, semi-transparent faces
        assert viewer.layers.index(layer) < viewer.layers.index(viewer.layers[f"{name} nodes"])
        assert np.all(layer.face_color[:, 3] < 0.6)

    # same colour for both halves of a pair, distinct colours for distinct regions
    la, lb = layers["A"], layers["B"]
    colour_a = {int(k): la.face_color[i] for i, k in enumerate(la.features["region"])}
    colour_b = {int(k): lb.face_color[i] for i, k in enumerate(lb.features["region"])}
    for k in colour_a:
        assert _same(colour_a[k], colour_b[k])
    distinct = {tuple(np.round(c, 3)) for c in colour_a.values()}
    assert len(distinct) == len(colour_a)

    # drawing again replaces the shapes instead of adding a second layer
    draw_regions(viewer, cmp, "A", "B", regions[:1])
    assert [layer.name for layer in viewer.layers].count(regions_layer_name("A")) == 1
    assert set(viewer.layers[regions_layer_name("A")].features["region"]) == {0}
    # and no region at all empties the layers
    draw_regions(viewer, cmp, "A", "B", [])
    assert len(viewer.layers[regions_layer_name("A")].data) == 0
    assert len(viewer.layers[regions_layer_name("B")].data) == 0


def test_widget_finds_sorts_and_selects(make_napari_viewer, qtbot):
    cmp = _planted()
    viewer = make_napari_viewer()
    positions = _add_graph_layers(viewer, cmp)
    from napari_topoalign.viewer._state import set_comparison

    set_comparison(viewer, cmp)
    widget = MatchingRegionsWidget(viewer, comparison=cmp)
    viewer.window.add_dock_widget(widget, name="Matching regions")
    widget.reset_choices()
    assert widget.graph_a.value == "A" and widget.graph_b.value == "B"
    widget.min_size.value = FIND["min_size"]
    widget.min_coupling.value = FIND["min_coupling"]
    widget.n_permutations.value = FIND["n_permutations"]
    widget.random_state.value = FIND["random_state"]

    widget.find_button.clicked.emit()
    qtbot.waitUntil(
        lambda: ("A", "B") in cmp.correspondences and widget.table.rowCount() > 0, timeout=60_000
    )
    regions = cmp.correspondences[("A", "B")].regions
    table = widget.table
    assert table.rowCount() == len(regions) == len(widget.regions)
    assert [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())] == list(
        COLUMNS
    )
    # shapes layers were drawn, with simple polygons only
    for name in ("A", "B"):
        layer = viewer.layers[regions_layer_name(name)]
        assert len(layer.data) >= len(regions)
        assert all(ring_is_simple(r) for r in layer.data)

    # sorting: by score descending, then by size A ascending
    def column(name):
        c = COLUMNS.index(name)
        return [float(table.item(row, c).data(256)) for row in range(table.rowCount())]

    # the best region first, as the session ranks them
    assert [widget.region_at_row(row) for row in range(table.rowCount())] == list(
        range(len(regions))
    )
    assert column("#") == [float(k + 1) for k in range(len(regions))]
    # every column in view without a horizontal scroll bar
    assert table.horizontalScrollBar().maximum() == 0
    assert (
        sum(table.columnWidth(c) for c in range(table.columnCount()))
        <= table.viewport().width() + 2
    )
    assert table.isSortingEnabled()
    table.sortItems(
        COLUMNS.index("score"),
        order=__import__("qtpy.QtCore", fromlist=["Qt"]).Qt.SortOrder.DescendingOrder,
    )
    scores = column("score")
    assert scores == sorted(scores, reverse=True)
    table.sortItems(COLUMNS.index("A"))
    sizes = column("A")
    assert sizes == sorted(sizes)
    # the row still knows its region after sorting
    for row in range(table.rowCount()):
        k = widget.region_at_row(row)
        assert len(regions[k].nodes_a) == sizes[row]

    # clicking a row selects exactly that region's nodes and zooms to the pair
    row = table.rowCount() - 1
    k = widget.region_at_row(row)
    rect = table.visualItemRect(table.item(row, 1))
    from qtpy.QtCore import Qt

    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: len(viewer.layers["A nodes"].selected_data) > 0, timeout=5_000)
    assert viewer.layers["A nodes"].selected_data == set(np.asarray(regions[k].nodes_a).tolist())
    assert viewer.layers["B nodes"].selected_data == set(np.asarray(regions[k].nodes_b).tolist())
    both = np.concatenate([positions["A"][regions[k].nodes_a], positions["B"][regions[k].nodes_b]])
    from napari_topoalign.viewer._regions_widget import _camera

    camera = _camera(viewer)
    centre = np.asarray(camera.center)[-2:]
    assert np.all(centre >= both.min(axis=0) - 1e-6) and np.all(centre <= both.max(axis=0) + 1e-6)
    # every node of the pair is in view
    half = np.asarray(viewer.canvas.size, dtype=float)[-2:] / (2 * camera.zoom)
    assert np.all(both >= centre - half) and np.all(both <= centre + half)


def test_widget_refuses_same_graph_twice(make_napari_viewer, planted):
    viewer = make_napari_viewer()
    widget = MatchingRegionsWidget(viewer, comparison=planted)
    widget.reset_choices()
    widget.graph_b.value = widget.graph_a.value
    n_before = len(planted.correspondences)
    shown = widget.table.rowCount()  # the session's regions, if it holds some
    widget.find_button.clicked.emit()
    assert widget.table.rowCount() == shown
    assert len(planted.correspondences) == n_before
    assert len(viewer.layers) == 0


def test_screenshot_shows_every_region_in_its_colour(make_napari_viewer, planted):
    """Down to the pixels: with the graph layers hidden, each region's semi-transparent face
    colour (blended over the black canvas) covers part of the canvas, and nothing else does."""
    from napari_topoalign.viewer._regions_layers import FACE_ALPHA, region_colors

    cmp = planted
    viewer = make_napari_viewer(show=True)
    _add_graph_layers(viewer, cmp)
    regions = cmp.find_regions("A", "B", **FIND)
    draw_regions(viewer, cmp, "A", "B")
    for layer in viewer.layers:
        layer.visible = layer.name.endswith(" regions")
    viewer.reset_view()
    img = viewer.screenshot(canvas_only=True)[..., :3].astype(float)
    counts = []
    for colour in region_colors(len(regions))[:, :3] * 255:
        close = np.abs(img - FACE_ALPHA * colour).max(axis=2) < 12
        counts.append(int(close.sum()))
    assert min(counts) > 50, counts
    for layer in viewer.layers:
        layer.visible = False
    blank = viewer.screenshot(canvas_only=True)[..., :3]
    assert blank.max() == 0


def test_widget_cancel_keeps_session_and_layers(make_napari_viewer, qtbot):
    """Cancel during the (slow, many permutations) search: nothing is stored or drawn, the
    buttons come back."""
    cmp = _planted()
    viewer = make_napari_viewer()
    _add_graph_layers(viewer, cmp)
    n_layers = len(viewer.layers)
    widget = MatchingRegionsWidget(viewer, comparison=cmp)
    widget.reset_choices()
    widget.n_permutations.value = 100_000
    widget.find_button.clicked.emit()
    if ("A", "B") in cmp.correspondences:  # pragma: no cover - finished synchronously
        pytest.skip("the search ran synchronously")
    qtbot.waitUntil(lambda: widget.cancel_button.enabled, timeout=5_000)
    widget.cancel_button.clicked.emit()
    qtbot.waitUntil(lambda: widget.find_button.enabled, timeout=60_000)
    assert ("A", "B") not in cmp.correspondences
    assert len(viewer.layers) == n_layers
    assert widget.table.rowCount() == 0
    assert not widget.cancel_button.enabled


def test_widget_reports_a_drawing_error_without_raising(make_napari_viewer, qtbot, planted):
    """No graph layers and no layout: the regions are found and kept on the session, the
    drawing error is shown in the status, nothing is raised into Qt's event loop."""
    viewer = make_napari_viewer()
    widget = MatchingRegionsWidget(viewer, comparison=planted)
    widget.reset_choices()
    widget.n_permutations.value = 5
    widget.find_button.clicked.emit()
    qtbot.waitUntil(lambda: widget.status.value.startswith("failed"), timeout=60_000)
    assert "no node positions" in widget.status.value
    qtbot.waitUntil(lambda: widget.find_button.enabled, timeout=10_000)


def test_widget_outlines_regions_off_the_gui_thread(
    make_napari_viewer, qtbot, bubble_sets_threads
):
    """Bubble Sets can take seconds: the widget computes them in its worker, never on the
    GUI thread, and draws what the worker computed."""
    from napari_topoalign.viewer._state import set_comparison

    calls = bubble_sets_threads
    cmp = _planted()
    viewer = make_napari_viewer()
    _add_graph_layers(viewer, cmp)
    set_comparison(viewer, cmp)
    widget = MatchingRegionsWidget(viewer, comparison=cmp)
    widget.reset_choices()
    widget.min_size.value = FIND["min_size"]
    widget.n_permutations.value = FIND["n_permutations"]
    widget.find_button.clicked.emit()
    qtbot.waitUntil(
        lambda: widget.table.rowCount() > 0 and widget.find_button.enabled, timeout=60_000
    )
    assert calls and not any(calls), calls  # every outline computed off the main thread
    for name in ("A", "B"):
        assert len(viewer.layers[regions_layer_name(name)].data) >= len(widget.regions)
