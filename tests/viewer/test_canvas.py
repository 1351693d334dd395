"""What a researcher sees (issue 13), checked on the pixels of real screenshots (under Xvfb
with Mesa, see scripts/test.sh): one colour per label in every graph, a title above every
panel, the view fitted to the graphs, readable sizes, the legend, the regions table, docks
opened once, tooltips from the parameter specs, many graphs in a grid, the figure export.

One viewer serves the module (napari viewers are slow to make on a software renderer)."""

from __future__ import annotations

import time

import numpy as np
import pytest

pytest.importorskip("napari")
pytestmark = pytest.mark.viewer

from viewer_helpers import BUILD, canvas_pixel, three_class_curves  # noqa: E402

from napari_topoalign import Comparison, colors  # noqa: E402
from napari_topoalign._utils.params import param_specs  # noqa: E402
from napari_topoalign.viewer._draw import TITLES_LAYER, camera, canvas_size, fit_view  # noqa: E402
from napari_topoalign.viewer._graph_layers import (  # noqa: E402
    MIN_EDGE_PX,
    MIN_NODE_PX,
    color_graphs_by,
    edge_drawn_widths,
    get_graph_layers,
)


def _three_graphs(n_per=50, seed=0, n_reps=3):
    """``n_reps`` representations of three labelled, well separated classes."""
    rng, labels, Z = three_class_curves(n_per, seed)
    reps = {
        name: np.tanh(Z @ rng.normal(size=(2, 4 + k)) / (2 + k))
        + rng.normal(scale=0.03, size=(labels.size, 4 + k))
        for k, name in enumerate(["A", "B", "C", "D", "E", "F", "G"][:n_reps])
    }
    images = rng.uniform(0, 1, size=(labels.size, 5, 5)).astype(np.float32)
    return Comparison(reps, labels=labels, images=images)


@pytest.fixture(scope="module")
def shown():
    import napari
    from qtpy.QtWidgets import QApplication

    viewer = napari.Viewer(show=True)
    viewer.window._qt_window.resize(1300, 850)
    cmp = _three_graphs()
    cmp.build_mappers(**BUILD)
    cmp.find_regions("A", "B", n_permutations=0)
    QApplication.processEvents()
    cmp.show(viewer)
    QApplication.processEvents()
    fit_view(viewer)
    yield viewer, cmp
    viewer.close()


def _only(viewer, keep):
    for layer in viewer.layers:
        layer.visible = keep(layer)


def _shot(viewer):
    from qtpy.QtWidgets import QApplication

    QApplication.processEvents()
    return viewer.screenshot(canvas_only=True)[..., :3].astype(float)


def test_every_graph_draws_one_label_in_one_colour(shown):
    viewer, cmp = shown
    nodes = [get_graph_layers(viewer, n)[0] for n in cmp.graphs]
    _only(viewer, lambda layer: any(layer is p for p in nodes))
    fit_view(viewer)
    shot = _shot(viewer)
    cmap = colors.label_colors(cmp.representations.labels)
    seen_by_label: dict = {}
    for name, points in zip(cmp.graphs, nodes):
        labels = cmp.graphs[name].nodes["majority_label"].to_numpy()
        pix = np.round(canvas_pixel(viewer, np.asarray(points.data))).astype(int)
        assert np.all((pix >= 0) & (pix < shot.shape[:2])), f"{name}: a node is out of view"
        seen = shot[pix[:, 0], pix[:, 1]]
        for label in np.unique(labels):
            expected = colors.to_rgba(cmap[label.item()])[:3] * 255
            got = seen[labels == label]
            match = np.abs(got - expected).max(axis=1) < 40  # a node on top of another may hide it
            assert match.mean() >= 0.8, (
                f"{name}, label {label}: {match.sum()} of {len(match)} nodes in its colour"
            )
            seen_by_label.setdefault(label.item(), []).append(np.median(got[match], axis=0))
    for label, medians in seen_by_label.items():  # the same colour in every graph
        assert np.abs(np.asarray(medians) - medians[0]).max() < 12, label
    _only(viewer, lambda layer: True)


def test_every_panel_has_its_title_above_it(shown):
    viewer, cmp = shown
    titles = viewer.layers[TITLES_LAYER]
    assert list(titles.features["graph"]) == list(cmp.graphs)
    for name, text in zip(titles.features["graph"], titles.features["title"]):
        g = cmp.graphs[name]
        assert text.replace(",", "").split() == [
            name,
            str(g.n_nodes),
            "nodes",
            str(g.n_edges),
            "edges",
        ]
    fit_view(viewer)
    _only(viewer, lambda layer: layer is titles)
    shot = _shot(viewer)
    _only(viewer, lambda layer: True)
    bright = shot.min(axis=2) > 150  # white text on the black canvas
    where = canvas_pixel(viewer, np.asarray(titles.data))
    for (row, col), name in zip(where, titles.features["graph"]):
        r0, c0 = int(round(row)), int(round(col))
        window = bright[max(r0 - 22, 0) : r0 + 22, max(c0 - 70, 0) : c0 + 70]
        assert window.sum() > 40, f"no title text drawn for {name}"
        # above its panel, over its nodes
        nodes = canvas_pixel(viewer, np.asarray(get_graph_layers(viewer, name)[0].data))
        assert row < nodes[:, 0].min()
        assert nodes[:, 1].min() - 5 <= col <= nodes[:, 1].max() + 5
    assert bright.sum() > 300


def test_the_view_is_fitted_and_things_are_readable(shown):
    viewer, cmp = shown
    camera(viewer).zoom = 0.01  # look elsewhere, then draw again: fitted again
    cmp.show(viewer)
    height, width = canvas_size(viewer)
    zoom = camera(viewer).zoom
    cols, rows = [], []
    for name in cmp.graphs:
        points, edges = get_graph_layers(viewer, name)
        pix = canvas_pixel(viewer, np.asarray(points.data))
        rows.append(pix[:, 0])
        cols.append(pix[:, 1])
        # the smallest node and the thinnest edge stay readable at the fitted zoom
        assert np.min(points.size) * zoom >= MIN_NODE_PX - 0.5
        assert np.min(edge_drawn_widths(edges)) * zoom >= MIN_EDGE_PX - 0.2
    cols, rows = np.concatenate(cols), np.concatenate(rows)
    assert cols.min() >= 0 and cols.max() <= width and rows.min() >= 0 and rows.max() <= height
    assert (cols.max() - cols.min()) >= 0.6 * width
    # the inputs' images stand beside (below) the graphs, never on top of them
    images = viewer.layers["inputs"]
    top = np.asarray(images.extent.world)[0, -2]
    lowest = max(np.asarray(get_graph_layers(viewer, n)[0].data)[:, 0].max() for n in cmp.graphs)
    assert top > lowest


def test_legend_lists_labels_with_counts_and_shows_a_colour_bar(shown):
    viewer, cmp = shown
    legend = next(
        w for w in viewer.window.dock_widgets.values() if type(w).__name__ == "LegendWidget"
    )
    cmap = colors.label_colors(cmp.representations.labels)
    rows = legend.rows()
    assert [r[0] for r in rows] == [str(k) for k in cmap]
    assert [r[1] for r in rows] == list(cmap.values())
    assert [r[2] for r in rows] == ["50", "50", "50"]  # inputs per label
    n_nodes = sum(cmp.graphs[n].n_nodes for n in cmp.graphs)
    assert sum(int(r[3]) for r in rows) == n_nodes
    assert "regions A" in legend.regions.value
    color_graphs_by(viewer, "lens_mean")
    legend.refresh()
    assert legend.bar.visible and not legend.table.isVisible()
    lo = min(cmp.graphs[n].nodes["lens_mean"].min() for n in cmp.graphs)
    assert f"{lo:.4g}" in legend.bar_limits.value
    # one pair of limits for all graphs: equal values, equal colours
    faces = [np.asarray(get_graph_layers(viewer, n)[0].face_color) for n in cmp.graphs]
    assert all(np.isfinite(f).all() for f in faces)
    color_graphs_by(viewer, "majority_label")
    legend.refresh()
    assert not legend.bar.visible


def test_regions_widget_opened_after_show_lists_them_best_first(shown):
    from napari_topoalign.viewer import MatchingRegionsWidget
    from napari_topoalign.viewer._regions_widget import COLUMNS

    viewer, cmp = shown
    regions = cmp.correspondences[("A", "B")].regions
    assert len(regions) >= 2
    _, widget = viewer.window.add_plugin_dock_widget("napari-topoalign", "Matching regions")
    assert isinstance(widget, MatchingRegionsWidget)
    table = widget.table
    assert table.rowCount() == len(regions)
    # the first row is the best region (the session ranks them best first)
    score = [
        float(table.item(r, COLUMNS.index("score")).data(256)) for r in range(table.rowCount())
    ]
    assert widget.region_at_row(0) == 0 and score[0] == pytest.approx(float(regions[0].score))
    assert int(table.item(0, COLUMNS.index("A")).data(256)) == len(regions[0].nodes_a)
    assert [widget.region_at_row(r) for r in range(table.rowCount())] == list(range(len(regions)))
    # new regions found from the console reach the open table
    cmp.find_regions("A", "C", n_permutations=0)
    widget.show_correspondence("A", "C")
    assert table.rowCount() == len(cmp.correspondences[("A", "C")].regions)


def test_plugin_menu_docks_each_widget_once(shown):
    viewer, _ = shown
    for name, kind in (("Inputs", "InputsWidget"), ("Legend", "LegendWidget")):
        viewer.window.add_plugin_dock_widget("napari-topoalign", name)
        docked = [w for w in viewer.window.dock_widgets.values() if type(w).__name__ == kind]
        assert len(docked) == 1, name


def test_status_labels_wrap_and_docks_stay_narrow(shown):
    from napari_topoalign.viewer import BuildMapperWidget

    viewer, _ = shown
    widget = BuildMapperWidget(viewer)
    widget.status.value = "a very long message " * 30
    assert widget.status.native.wordWrap()
    assert widget.native.minimumSizeHint().width() < 450
    # with every dock of the plugin open (tabbed), the window stays within the screen
    for name in ("Build mapper graphs", "Joint layout", "Matching regions", "Inputs", "Legend"):
        viewer.window.add_plugin_dock_widget("napari-topoalign", name, tabify=True)
    from qtpy.QtWidgets import QApplication

    QApplication.processEvents()
    qt_window = viewer.window._qt_window
    free = qt_window.screen().availableGeometry()
    assert qt_window.height() <= free.height() and qt_window.width() <= free.width()


def test_controls_take_limits_defaults_and_tooltips_from_the_specs(shown):
    from napari_topoalign.align import joint_layout
    from napari_topoalign.mapper import build_mapper
    from napari_topoalign.viewer import BuildMapperWidget, JointLayoutWidget

    viewer, _ = shown
    fresh = _three_graphs(n_per=5)
    build = BuildMapperWidget(viewer, comparison=fresh)
    specs = param_specs(build_mapper)
    checked = 0
    for key, spec in specs.items():
        control = getattr(build, key, None)
        if control is None or key == "representations":
            continue
        assert control.tooltip.startswith(spec.help), key
        if spec.kind in ("int", "float") and spec.high is not None and key != "random_state":
            assert control.max <= spec.high + 1e-9, key
        recommended = build._comparison().representations.metadata.get("mapper_params", {})
        # (the lens default is Comparison.build_mappers' shared lens, not build_mapper's)
        if (
            spec.default is not None
            and key not in ("random_state", "lens")
            and key not in recommended
        ):
            if isinstance(spec.default, float):
                assert control.value == pytest.approx(spec.default), key
            else:
                assert control.value == spec.default, key
        checked += 1
    assert checked >= 5
    layout = JointLayoutWidget(viewer, comparison=fresh)
    spec = param_specs(joint_layout)["coupling_strength"]
    assert layout.coupling_strength.value == pytest.approx(spec.default)
    assert layout.coupling_strength.tooltip.startswith(spec.help)
    assert "0: automatic" in layout.iterations.tooltip
    # every control of the work widgets says what it is
    from napari_topoalign.viewer import MatchingRegionsWidget

    regions = MatchingRegionsWidget(viewer, comparison=fresh)
    for widget in (build, layout, regions):
        for control in widget:
            if control.name in ("status", "progress", "cancel", "report"):
                continue
            assert control.tooltip, f"{type(widget).__name__}.{control.name} has no tooltip"


def test_opening_data_hints_at_the_next_step(shown, monkeypatch):
    from napari_topoalign.viewer._hooks import comparison_layer_data

    viewer, _ = shown
    said = []
    monkeypatch.setattr("napari.utils.notifications.show_info", said.append)
    fresh = _three_graphs(n_per=5)
    data, meta, kind = comparison_layer_data(fresh, name="hint")[0]
    layer = getattr(viewer, f"add_{kind}")(data, **meta)
    assert said and "Build mapper graphs" in said[-1] and "Next" in said[-1]
    viewer.layers.remove(layer)
    from napari_topoalign.viewer._state import set_comparison

    set_comparison(viewer, shown[1])


def test_export_figure_from_the_menu(shown, tmp_path):
    pytest.importorskip("matplotlib")
    from napari_topoalign.viewer._figure_export import export_figure

    viewer, cmp = shown
    path = export_figure(viewer, str(tmp_path / "comparison.png"), dpi=60)
    assert path is not None and path.exists() and path.stat().st_size > 1000
    from napari._app_model import get_app_model

    menu = get_app_model().menus.get_menu("napari/file/io_utilities")
    assert any(
        getattr(item, "command", None) is not None
        and item.command.id == "napari-topoalign.export_figure"
        for item in menu
    )


def test_opening_a_saved_session_fits_the_view(shown, tmp_path):
    viewer, cmp = shown
    path = tmp_path / "session.topoalign"
    cmp.save(path)
    camera(viewer).zoom = 0.01
    camera(viewer).center = (0.0, 1e4, 1e4)[-len(camera(viewer).center) :]
    viewer.window._qt_window.activateWindow()  # the reader draws into the current viewer
    viewer.open(str(path), plugin="napari-topoalign")
    height, width = canvas_size(viewer)
    names = list(cmp.graphs)
    pix = np.concatenate(
        [canvas_pixel(viewer, np.asarray(get_graph_layers(viewer, n)[0].data)) for n in names]
    )
    assert pix.min() >= 0 and pix[:, 0].max() <= height and pix[:, 1].max() <= width
    assert np.ptp(pix[:, 1]) >= 0.6 * width


def test_many_graphs_in_a_grid_titled_and_readable(shown):
    """Seven graphs (as the MiniLM sample's seven layers) as a grid of small multiples (in
    the module's viewer, last: it shows another session)."""
    from qtpy.QtWidgets import QApplication

    viewer, _ = shown
    cmp = _three_graphs(n_per=30, n_reps=7)
    cmp.build_mappers(**BUILD)
    QApplication.processEvents()
    start, cpu = time.perf_counter(), time.process_time()
    cmp.show(viewer)
    QApplication.processEvents()
    viewer.screenshot(canvas_only=True)
    print(
        f"7 graphs drawn in {time.perf_counter() - start:.2f} s wall, {time.process_time() - cpu:.2f} s CPU"
    )
    titles = viewer.layers[TITLES_LAYER]
    assert len(titles.data) == 7
    # the titles' text is no wider than the distance between panels
    xs = sorted({round(float(x), 6) for x in canvas_pixel(viewer, np.asarray(titles.data))[:, 1]})
    longest = max(len(line) for t in titles.features["title"] for line in t.split("\n"))
    size = float(np.asarray(titles.text.size).ravel()[0])
    assert 0.97 * size * longest <= min(np.diff(xs))
    boxes = titles.metadata["topoalign"]["boxes"]
    tops = sorted({round(float(b[3]), 6) for b in boxes.values()})
    assert len(tops) == 2  # two rows
    names = list(cmp.graphs)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            la, ha, lb, hb = boxes[a][:2], boxes[a][2:], boxes[b][:2], boxes[b][2:]
            assert np.any(ha < lb) or np.any(hb < la), (a, b)
    zoom = camera(viewer).zoom
    height, width = canvas_size(viewer)
    allpix = np.concatenate(
        [canvas_pixel(viewer, np.asarray(get_graph_layers(viewer, n)[0].data)) for n in names]
    )
    assert allpix.min() >= 0 and allpix[:, 0].max() <= height and allpix[:, 1].max() <= width
    for n in names:
        assert np.min(get_graph_layers(viewer, n)[0].size) * zoom >= MIN_NODE_PX - 0.5
