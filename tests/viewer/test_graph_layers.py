"""Graph layers and linked inputs, drawn for real (under Xvfb with Mesa, see scripts/test.sh)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("napari")
pytestmark = pytest.mark.viewer

from skimage.util import montage  # noqa: E402
from viewer_helpers import BUILD, canvas_pixel, small_image_comparison  # noqa: E402

from napari_topoalign.viewer import draw_comparison, select_nodes  # noqa: E402
from napari_topoalign.viewer._graph_layers import (  # noqa: E402
    NODE_BORDER,
    add_graph_layers,
    edge_drawn_widths,
    edge_segments,
    from_napari,
    get_graph_layers,
    set_positions,
    to_napari,
)
from napari_topoalign.viewer._selection import HIGHLIGHT, SELECTED_LAYER, current_selection  # noqa: E402


@pytest.fixture(scope="module")
def _viewer():
    """One viewer for the module (napari viewers are slow to make on a software renderer)."""
    import napari

    viewer = napari.Viewer(show=True)
    cmp = small_image_comparison()
    cmp.build_mappers(**BUILD)
    yield viewer, cmp
    viewer.close()


@pytest.fixture
def drawn(_viewer):
    """The module's viewer with the session drawn afresh (positions, selection, visibility)."""
    viewer, cmp = _viewer
    for layer in viewer.layers:
        layer.visible = True
        if hasattr(layer, "selected_data"):
            layer.selected_data = set()
    draw_comparison(viewer, cmp)
    return viewer, cmp


def test_coordinates_round_trip():
    xy = np.random.default_rng(0).normal(size=(7, 2))
    np.testing.assert_allclose(from_napari(to_napari(xy)), xy)
    np.testing.assert_allclose(to_napari([[1.0, 2.0]]), [[-2.0, 1.0]])  # y points up


def test_layers_hold_the_graph(drawn):
    viewer, cmp = drawn
    for name, graph in cmp.graphs.items():
        points, vectors = get_graph_layers(viewer, name)
        assert points.name == f"{name} nodes" and vectors.name == f"{name} edges"
        assert len(points.data) == graph.n_nodes and len(edge_segments(vectors)) == graph.n_edges
        np.testing.assert_allclose(points.data, to_napari(cmp.layout.positions[name]))
        # the node table is the layer's features
        np.testing.assert_array_equal(points.features["size"], graph.nodes["size"])
        np.testing.assert_array_equal(
            points.features["majority_label"], graph.nodes["majority_label"]
        )
        # larger nodes are drawn larger: area proportional to the inputs above the minimum
        size = graph.nodes["size"].to_numpy(dtype=float)
        diam = np.asarray(points.size, dtype=float)
        order = np.argsort(size)
        assert np.all(np.diff(diam[order]) >= -1e-12)
        big = diam > diam.min() * 1.0001
        if big.sum() >= 2:
            ratio = (diam[big] ** 2) / size[big]
            np.testing.assert_allclose(ratio, ratio[0], rtol=1e-9)
        # edges: one quad each, as wide as the Jaccard weight (above a readable minimum)
        segments = edge_segments(vectors)
        rc = to_napari(cmp.layout.positions[name])
        np.testing.assert_allclose(segments[:, 0], rc[graph.edges[:, 0]], atol=1e-9)
        np.testing.assert_allclose(segments[:, 1], rc[graph.edges[:, 1]], atol=1e-9)
        widths = edge_drawn_widths(vectors)
        w = np.asarray(graph.edge_weights)
        order = np.argsort(w)
        assert np.all(np.diff(widths[order]) >= -1e-12)
        strong, weak = np.argmax(w), np.argmin(w)
        if w[strong] > 2 * w[weak]:
            assert widths[strong] > widths[weak]
    # renamed layers are still found
    points, _ = get_graph_layers(viewer, "A")
    points.name = "my nodes"
    assert get_graph_layers(viewer, "A")[0] is points


def test_nodes_colour_by_a_column(drawn):
    viewer, cmp = drawn
    points, _ = get_graph_layers(viewer, "A")
    labels = cmp.graphs["A"].nodes["majority_label"].to_numpy()
    colours = {tuple(np.round(c, 4)) for c in points.face_color}
    assert len(colours) == len(np.unique(labels))  # one colour per label
    from napari_topoalign.viewer._graph_layers import color_nodes_by

    color_nodes_by(points, "lens_mean")  # numbers: a colormap, smallest to largest
    lens = cmp.graphs["A"].nodes["lens_mean"].to_numpy()
    lo, hi = np.argmin(lens), np.argmax(lens)
    assert not np.allclose(points.face_color[lo], points.face_color[hi])
    with pytest.raises(KeyError, match="no column 'nope'"):
        color_nodes_by(points, "nope")


def test_edges_follow_the_nodes(drawn):
    viewer, cmp = drawn
    graph = cmp.graphs["A"]
    points, vectors = get_graph_layers(viewer, "A")
    moved = np.asarray(points.data).copy()
    moved[0] += [3.0, -2.0]  # as if the user dragged node 0
    points.data = moved
    seg = edge_segments(vectors)
    np.testing.assert_allclose(seg[:, 0], moved[graph.edges[:, 0]])
    np.testing.assert_allclose(seg[:, 1], moved[graph.edges[:, 1]])
    xy = np.random.default_rng(1).normal(size=(graph.n_nodes, 2))
    set_positions(viewer, "A", xy)
    seg = edge_segments(vectors)
    np.testing.assert_allclose(seg[:, 1], to_napari(xy)[graph.edges[:, 1]])
    with pytest.raises(ValueError, match="positions for"):
        set_positions(viewer, "A", xy[:-1])
    # drawing again updates the same two layers
    n_layers = len(viewer.layers)
    add_graph_layers(viewer, graph, cmp.layout.positions["A"], name="A")
    assert len(viewer.layers) == n_layers
    np.testing.assert_allclose(points.data, to_napari(cmp.layout.positions["A"]))


def test_screenshot_shows_the_nodes(drawn):
    """Down to the pixels: at the centre of every node of a graph, the screenshot has the
    node's face colour; with the layer hidden, the canvas there is black."""
    viewer, cmp = drawn
    points, _ = get_graph_layers(viewer, "A")
    for layer in viewer.layers:
        layer.visible = layer is points
    viewer.reset_view()
    shot = viewer.screenshot(canvas_only=True)[..., :3].astype(float)
    assert tuple(shot.shape[:2]) == tuple(viewer.canvas.size)
    pix = np.round(canvas_pixel(viewer, np.asarray(points.data))).astype(int)
    assert np.all((pix >= 0) & (pix < shot.shape[:2])), "every node is in view"
    faces = np.asarray(points.face_color)[:, :3] * 255
    seen = shot[pix[:, 0], pix[:, 1]]
    close = np.abs(seen - faces).max(axis=1) < 40
    assert close.mean() > 0.9, f"{close.sum()} of {len(close)} node centres have their colour"
    points.visible = False
    blank = viewer.screenshot(canvas_only=True)[..., :3]
    assert blank[pix[:, 0], pix[:, 1]].max() == 0


def test_selecting_nodes_selects_their_inputs(drawn):
    viewer, cmp = drawn
    a, b = cmp.graphs["A"], cmp.graphs["B"]
    points_a, _ = get_graph_layers(viewer, "A")
    points_b, _ = get_graph_layers(viewer, "B")
    nodes = [0, 1]
    points_a.selected_data = set(nodes)  # as a click in the viewer does
    sel = current_selection(viewer)
    expected = np.unique(np.concatenate([a.node_members(i) for i in nodes]))
    assert sel.graph == "A"
    np.testing.assert_array_equal(sel.inputs, expected)
    # exactly those images, as a montage
    images = cmp.representations.images
    np.testing.assert_array_equal(
        viewer.layers[SELECTED_LAYER].data, montage(images[expected], fill=0, padding_width=1)
    )
    # the stack of all inputs shows the first selected input
    later = select_nodes(viewer, "A", [a.n_nodes - 1]).inputs
    assert later[0] > 0 and viewer.dims.current_step[0] == later[0]
    points_a.selected_data = set(nodes)
    assert viewer.dims.current_step[0] == expected[0]
    # in the other graph, the nodes that hold those inputs are highlighted, the rest are not
    hits = b.nodes_of_inputs(expected)
    assert len(hits) and len(hits) < b.n_nodes
    np.testing.assert_array_equal(sel.highlighted["B"], hits)
    border = np.asarray(points_b.border_color)
    assert np.allclose(border[hits], HIGHLIGHT)
    rest = np.setdiff1d(np.arange(b.n_nodes), hits)
    assert np.allclose(border[rest], NODE_BORDER)
    # the Inputs widget lists them with their labels
    widget = next(
        w for w in viewer.window.dock_widgets.values() if type(w).__name__ == "InputsWidget"
    )
    rows = widget.rows()
    assert [int(r[0]) for r in rows] == expected.tolist()
    assert [r[2] for r in rows] == [str(v) for v in cmp.representations.labels[expected]]
    assert widget.summary.value.startswith(f"A: 2 node(s), {len(expected)} input(s)")

    # the picked nodes are marked in their own graph too
    border_a = np.asarray(points_a.border_color)
    assert np.allclose(border_a[nodes], HIGHLIGHT)
    assert np.allclose(np.delete(border_a, nodes, axis=0), NODE_BORDER)
    # selecting in B now: the highlight moves to A, B marks only the picked node
    sel = select_nodes(viewer, "B", [hits[0]])
    np.testing.assert_array_equal(sel.inputs, b.node_members(int(hits[0])))
    border_b = np.asarray(points_b.border_color)
    assert np.allclose(border_b[hits[0]], HIGHLIGHT)
    assert np.allclose(np.delete(border_b, [hits[0]], axis=0), NODE_BORDER)
    # clearing the selection clears everything
    points_b.selected_data = set()
    assert current_selection(viewer).graph == "B" and current_selection(viewer).inputs.size == 0
    assert not viewer.layers[SELECTED_LAYER].visible
    assert np.allclose(np.asarray(points_a.border_color), NODE_BORDER)
    assert np.allclose(np.asarray(points_b.border_color), NODE_BORDER)
    assert widget.rows() == []
    with pytest.raises(IndexError, match="node indices"):
        select_nodes(viewer, "A", [10_000])


def test_a_mouse_click_on_a_node_shows_its_inputs(drawn, qtbot):
    """As a person does it: the select tool, a click on the canvas at the biggest node."""
    from qtpy.QtCore import QPoint, Qt

    viewer, cmp = drawn
    viewer.reset_view()
    points, _ = get_graph_layers(viewer, "B")
    viewer.layers.selection.active = points
    points.mode = "select"
    node = int(np.argmax(points.size))
    row, col = canvas_pixel(viewer, np.asarray(points.data)[node])
    canvas = viewer.window._qt_viewer.canvas.native
    qtbot.mouseClick(
        canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(round(col)), int(round(row)))
    )
    qtbot.waitUntil(lambda: len(points.selected_data) > 0, timeout=5_000)
    assert set(points.selected_data) == {node}
    sel = current_selection(viewer)
    assert sel.graph == "B"
    np.testing.assert_array_equal(sel.inputs, cmp.graphs["B"].node_members(node))
    assert viewer.layers[SELECTED_LAYER].visible
