"""Drawing a whole session into a viewer: graph layers, titles, the inputs, regions,
linking, the legend; the panels' arrangement and the fitted view."""

from __future__ import annotations

import weakref

import numpy as np

from ..figure import arrange_panels
from ._graph_layers import (
    add_graph_layers,
    draw_style,
    get_graph_layers,
    graph_of_layer,
    layer_tag,
    restyle,
    set_positions,
    to_napari,
)
from ._selection import (
    MONTAGE_FRACTION,
    SELECTED_LAYER,
    inputs_layer,
    link_graph_layers,
    place_beside_graphs,
)
from ._state import METADATA_KEY, set_comparison

__all__ = [
    "draw_comparison",
    "show_comparison",
    "follow",
    "is_following",
    "inputs_layer",
    "INPUTS_LAYER",
    "TITLES_LAYER",
    "fit_view",
    "set_arrangement",
    "get_arrangement",
    "display_positions",
    "camera",
    "canvas_size",
]

#: Name of the Image layer that holds all the inputs (when they are images).
INPUTS_LAYER = "inputs"
#: Name of the Points layer that writes each graph's title above its panel.
TITLES_LAYER = "graph titles"
#: Size of the titles' text (points).
TITLE_SIZE = 11
MIN_TITLE_SIZE = 7
#: Width of one character of the titles' font, per point of font size, in screen pixels.
CHAR_WIDTH = 0.97
_arrangements: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_followed: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_relays: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: viewer -> number of the latest background outline job (an older one's result is dropped)
_outline_jobs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: viewer -> the running background outline workers (kept alive until they end)
_outline_workers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
#: viewer -> the session whose layout a layout widget's job is drawing itself
_drawing_layout: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_UNSET = object()


def inputs_layer_data(cmp, name: str = INPUTS_LAYER):
    """The layer-data tuple of the inputs' images ``(n, H, W[, C])``, carrying the session."""
    images = np.asarray(cmp.representations.images)
    rgb = images.ndim == 4
    meta = {"topoalign": {"role": "inputs"}, METADATA_KEY: cmp}
    kwargs = {"name": name, "metadata": meta, "rgb": rgb}
    if not rgb:
        kwargs["colormap"] = "gray"
    return images, kwargs, "image"


def camera(viewer):
    """The viewer's camera (``viewer.scene.camera`` since napari 0.9, ``viewer.camera`` before)."""
    scene = getattr(viewer, "scene", None)
    return scene.camera if scene is not None and hasattr(scene, "camera") else viewer.camera


def canvas_size(viewer) -> np.ndarray:
    """The canvas size (height, width) in screen pixels."""
    canvas = getattr(viewer, "canvas", None)  # napari >= 0.6
    size = getattr(canvas, "size", None) or getattr(viewer, "_canvas_size", None) or (600, 800)
    return np.asarray(size, dtype=float)[-2:]


def set_arrangement(viewer, arrangement: str) -> None:
    """How ``viewer`` arranges the panels: ``"auto"`` (a row up to four graphs, a grid of
    small multiples beyond), ``"row"``, ``"grid"`` (see
    :func:`napari_topoalign.figure.arrange_panels`); redraws a followed session."""
    from ..figure import ARRANGEMENTS

    if arrangement not in ARRANGEMENTS:
        raise ValueError(f"arrangement: must be one of {list(ARRANGEMENTS)}, got {arrangement!r}")
    _arrangements[viewer] = arrangement
    from ._state import get_comparison

    cmp = get_comparison(viewer)
    if cmp is not None and cmp.graphs and cmp.layout is not None:
        _move_graphs(viewer, cmp)


def get_arrangement(viewer, cmp=None) -> str:
    """The viewer's arrangement (``"overlay"`` when the session's layout is an overlay)."""
    if (
        cmp is not None
        and cmp.layout is not None
        and cmp.layout.params.get("arrangement") == "overlay"
    ):
        return "overlay"
    return _arrangements.get(viewer, "auto")


def display_positions(
    viewer, cmp, positions: dict | None = None, *, layout=None, arrangement=None, canvas=_UNSET
) -> tuple[dict, dict]:
    """Where the graphs are drawn (core ``(x, y)`` by graph) and each panel's box: the
    session's layout (or ``layout``; or ``positions``, intermediate frames of a running
    layout) arranged by the viewer's arrangement.

    ``arrangement`` and ``canvas`` (see :func:`drawing_context`), when given, stand for what
    is read from ``viewer``, which may then be None: a worker thread computes where the
    graphs will be drawn without touching the viewer."""
    if positions is None:
        layout = cmp.layout if layout is None else layout
        names = [n for n in cmp.graphs if n in layout.positions]
        positions = {n: layout.positions[n] for n in names}
        offsets = {n: layout.offsets.get(n) for n in names}
    else:
        offsets = None
    if arrangement is None:
        arrangement = get_arrangement(viewer, cmp)
    elif layout is not None and layout.params.get("arrangement") == "overlay":
        arrangement = "overlay"
    pos, boxes = arrange_panels(positions, offsets, arrangement)
    if len(pos) >= 2 and arrangement in ("grid", "auto"):
        # room for up to three lines of title above every row, at the size they are drawn
        names = [n for n in pos if n in cmp.graphs]
        style = _style(viewer, cmp, pos, names, canvas)
        room = (3 * 1.45 * TITLE_SIZE + 16) * style.px + style.node_diameters()[1]
        pos, boxes = arrange_panels(positions, offsets, arrangement, title_room=room)
    return pos, boxes


def draw_comparison(viewer, cmp, *, dock_inputs: bool = True, fit: bool = True) -> None:
    """Draw everything the session holds into ``viewer`` and make it the viewer's session.

    - one graph layer per mapper graph, at the session's layout (graphs are first laid out
      each on its own when the layout does not cover them all), arranged in a row or a grid
      (:func:`set_arrangement`), with the comparison's colours and one size scale;
    - a title above each panel (graph name, nodes, edges);
    - the inputs' images, as an Image layer beside the graphs (left), when there are images;
    - the matching regions of every correspondence as Bubble Sets; regions layers of graphs
      with no correspondence left are emptied;
    - selection linking, the *Inputs* and *Legend* dock widgets (``dock_inputs``);
    - the view fitted to the graphs (``fit``).
    """
    set_comparison(viewer, cmp)
    names = list(cmp.graphs)
    if names and (cmp.layout is None or any(n not in cmp.layout.positions for n in names)):
        cmp.layout_separately()
    if names:
        pos, boxes = display_positions(viewer, cmp)
        style = _style(viewer, cmp, pos, names)
        for name in names:
            points, _ = add_graph_layers(
                viewer, cmp.graphs[name], pos[name], name=name, style=style
            )
            points.metadata[METADATA_KEY] = cmp
        draw_titles(viewer, cmp, boxes, style)
    layer = _inputs_layer_of(viewer, cmp)
    if layer is None and cmp.representations.images is not None:
        data, kwargs, _ = inputs_layer_data(cmp)
        layer = viewer.add_image(data, **kwargs)
    if layer is not None:
        place_beside_graphs(viewer, layer, "below_left")
        _color_inputs_points(layer, cmp)
    draw_all_regions(viewer, cmp)
    link_graph_layers(viewer)
    follow(viewer, cmp)
    if dock_inputs:
        dock_inputs_widget(viewer)
        dock_legend_widget(viewer)
    refresh_legend(viewer)
    if names and (layer_tag(viewer.layers.selection.active) or {}).get("role") in (
        "titles",
        "edges",
        None,
    ):
        first, _ = get_graph_layers(viewer, names[0])  # the nodes, ready to be clicked
        if first is not None:
            viewer.layers.selection.active = first
    if fit and names:
        fit_view(viewer)


def _canvas_of(viewer):
    """The canvas size ``_style`` fits the graphs to (None: the nominal canvas)."""
    size = canvas_size(viewer) if getattr(viewer, "canvas", None) is not None else None
    return tuple(size) if size is not None and min(size) >= 200 else None


def _style(viewer, cmp, pos: dict, names: list, canvas=_UNSET):
    """The draw style of the graphs ``names`` drawn at ``pos`` on this viewer's canvas (or
    on ``canvas``, read beforehand by :func:`_canvas_of`; the inputs' images below the
    graphs take part of its height)."""
    if canvas is _UNSET:
        canvas = _canvas_of(viewer)
    below = 1.0 + (MONTAGE_FRACTION + 0.05 if cmp.representations.images is not None else 0.0)
    return draw_style(
        [pos[n] for n in names],
        [cmp.graphs[n] for n in names],
        cmp.representations.labels,
        canvas=canvas,
        height_factor=below,
    )


def _title_texts(cmp, names, lines: int) -> list[str]:
    out = []
    for name in names:
        g = cmp.graphs[name]
        if lines == 2:
            out.append(f"{name}\n{g.n_nodes} nodes, {g.n_edges} edges")
        else:
            out.append(f"{name}\n{g.n_nodes} nodes\n{g.n_edges} edges")
    return out


def _inputs_layer_of(viewer, cmp):
    """The layer that shows this session's inputs (the one carrying it), else any inputs
    layer of the viewer."""
    for layer in viewer.layers:
        role = (layer_tag(layer) or {}).get("role")
        if role in ("inputs", "inputs_points") and layer.metadata.get(METADATA_KEY) is cmp:
            return layer
    return inputs_layer(viewer)


def _color_inputs_points(layer, cmp) -> None:
    """The inputs drawn as points (inputs without images) take the comparison's label
    colours, the same as the nodes."""
    labels = cmp.representations.labels
    if (layer_tag(layer) or {}).get("role") != "inputs_points" or labels is None:
        return
    if len(layer.data) != len(labels):
        return
    from .. import colors as _colors

    layer.face_color = _colors.label_color_array(labels, _colors.label_colors(labels))


def draw_titles(viewer, cmp, boxes: dict, style=None) -> None:
    """The titles layer: one text per graph (name, nodes, edges) centred above its panel
    (for an overlay, one per graph above the shared panel). The text fits its panel: in a
    grid of narrow panels the font gets smaller, and the counts go on two lines."""
    names = [n for n in boxes if n in cmp.graphs]
    if not names:
        return
    px = (
        style.px
        if style is not None
        else 0.01 * max(float(np.ptp(np.vstack(list(boxes.values()))[:, [0, 2]])), 1.0)
    )
    d_max = style.node_diameters()[1] if style is not None else 0.0
    overlay = len({tuple(np.round(b, 9)) for b in boxes.values()}) == 1 and len(names) > 1
    room = np.inf  # screen pixels between the centres of neighbouring panels
    if not overlay and len(names) > 1:
        xs = sorted({round(0.5 * float(b[0] + b[2]), 9) for b in boxes.values()})
        steps = [q - p for p, q in zip(xs, xs[1:]) if q - p > 1e-9]
        if steps:
            room = min(steps) / px
    # the view is fitted after the titles are placed (a little smaller): keep a margin
    for lines in (2, 3):
        texts = _title_texts(cmp, names, lines)
        longest = max(len(line) for t in texts for line in t.split("\n"))
        size = float(np.clip(0.8 * room / (CHAR_WIDTH * longest), MIN_TITLE_SIZE, TITLE_SIZE))
        if size >= 0.9 * TITLE_SIZE:
            break
    line_px = 1.45 * size
    half_px = 0.5 * lines * line_px
    xy = []
    for k, name in enumerate(names):
        b = boxes[name]
        # the panels of one row (overlapping heights) put their titles at one height
        top = max(float(c[3]) for c in boxes.values() if c[1] <= b[3] and c[3] >= b[1])
        stack = len(names) - 1 - k if overlay else 0  # an overlay's first graph on top
        xy.append(
            [0.5 * (b[0] + b[2]), top + 0.5 * d_max + (half_px + 8 + 2.4 * half_px * stack) * px]
        )
    rc = to_napari(np.asarray(xy))
    features = {"graph": np.asarray(names, dtype=object), "title": np.asarray(texts, dtype=object)}
    layer = _titles_layer(viewer)
    text = {"string": "{title}", "size": size, "color": "white", "anchor": "center"}
    if layer is None:
        layer = viewer.add_points(
            rc,
            name=TITLES_LAYER,
            features=features,
            text=text,
            size=1e-6 * max(px, 1e-9),
            face_color="transparent",
            border_color="transparent",
            border_width=0,
            metadata={"topoalign": {"role": "titles"}},
        )
    else:
        layer.data = rc
        layer.features = features
        layer.text = text
    layer.metadata["topoalign"]["boxes"] = {n: np.asarray(boxes[n]) for n in names}
    # the text's half extent in data units (for fitting the view around it)
    layer.metadata["topoalign"]["text_half"] = (
        half_px * px,
        0.5 * CHAR_WIDTH * size * longest * px,
    )
    index = viewer.layers.index(layer)
    if index != len(viewer.layers) - 1:
        viewer.layers.move(index, len(viewer.layers))


def _titles_layer(viewer):
    for layer in viewer.layers:
        tag = layer_tag(layer)
        if tag is not None and tag.get("role") == "titles":
            return layer
    return None


def view_extent(viewer):
    """``(lo, hi)`` world corners (row, col) of the graphs as drawn: their nodes (with the
    markers' radius), their titles and the inputs' images beside them; None when no graph
    is drawn."""
    boxes = []
    for layer in viewer.layers:
        tag = graph_of_layer(layer)
        role = (layer_tag(layer) or {}).get("role")
        if (
            role in ("inputs", "inputs_points", "selected_inputs")
            and layer.visible
            and getattr(layer, "ndim", 0) >= 2
        ):
            corners = np.asarray(layer.extent.world, dtype=np.float64)[:, -2:]
            boxes.append((corners.min(axis=0), corners.max(axis=0)))
            continue
        is_title = role == "titles"
        if not (is_title or (tag is not None and tag[1] == "nodes")) or len(layer.data) == 0:
            continue
        data = np.asarray(layer.data, dtype=np.float64)[:, -2:]
        world = data * np.asarray(layer.scale)[-2:] + np.asarray(layer.translate)[-2:]
        if is_title:
            r = np.asarray(
                layer.metadata["topoalign"].get("text_half", (0.0, 0.0)), dtype=np.float64
            )
        else:
            r = (
                0.5
                * float(np.max(np.asarray(layer.size, dtype=np.float64)))
                * float(np.max(np.abs(layer.scale[-2:])))
            )
        boxes.append((world.min(axis=0) - r, world.max(axis=0) + r))
    if not boxes:
        return None
    return np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)


def graphs_drawn(viewer) -> int:
    """How many graph nodes layers the viewer holds."""
    return sum(1 for layer in viewer.layers if (graph_of_layer(layer) or ("", ""))[1] == "nodes")


def fit_view(viewer, margin: float = 0.04) -> bool:
    """Centre the camera on the graphs and zoom so that they (nodes and titles) fill the
    canvas, ``margin`` of it left free on each side. Returns False when no graph is drawn."""
    if graphs_drawn(viewer) == 0:
        return False
    extent = view_extent(viewer)
    if extent is None:
        return False
    lo, hi = extent
    if viewer.dims.ndisplay != 2:
        return False
    size = canvas_size(viewer)
    span = np.maximum(hi - lo, 1e-9)
    # leave room for the title text above the top row (its height in pixels)
    zoom = float(np.min((1 - 2 * margin) * size / span))
    cam = camera(viewer)
    centre = list(np.asarray(cam.center, dtype=float))
    centre[-2:] = 0.5 * (lo + hi)
    cam.center = tuple(centre)
    if np.isfinite(zoom) and zoom > 0:
        cam.zoom = zoom
    return True


def is_following(viewer, cmp) -> bool:
    """Whether ``viewer`` redraws itself when ``cmp`` changes (see :func:`follow`)."""
    return any(c is cmp for c in _followed.get(viewer, ()))


def follow(viewer, cmp) -> None:
    """Redraw ``viewer`` whenever a stage changes ``cmp`` (:meth:`Comparison.subscribe`), so
    that ``cmp.align_layout()`` typed in the console moves the graph layers, and so on.

    Stages may run in worker threads: the change is handed to the GUI thread by a Qt signal.
    Drawing errors are shown in the viewer, never raised into the stage."""
    if is_following(viewer, cmp):
        return
    from qtpy.QtCore import QObject, Signal

    class _Relay(QObject):
        changed = Signal(str)

    relay = _Relay()
    viewer_ref = weakref.ref(viewer)

    def redraw(what: str) -> None:
        v = viewer_ref()
        if v is None:
            return
        try:
            if what == "layout" and _drawing_layout.get(v) is cmp:
                pass  # the layout widget's job draws it, with outlines from its worker
            elif what == "layout" and cmp.layout is not None and _all_drawn(v, cmp):
                _move_graphs(v, cmp)  # the regions' outlines are computed in the background
            elif what == "regions":  # outlined in the background, like a layout
                draw_all_regions(v, cmp, background=True)
            else:
                draw_comparison(v, cmp, dock_inputs=False)
        except Exception as exc:  # the session is fine; only the drawing failed
            from napari.utils.notifications import show_error

            show_error(f"napari-topoalign: could not draw the {what}: {exc}")

    relay.changed.connect(redraw)

    def on_change(_cmp, what):
        if viewer_ref() is None:
            unsubscribe()
            return
        relay.changed.emit(what)

    unsubscribe = cmp.subscribe(on_change)
    _followed.setdefault(viewer, []).append(cmp)
    _relays.setdefault(viewer, []).append(relay)  # keep the relay alive with the viewer


def _all_drawn(viewer, cmp) -> bool:
    return all(get_graph_layers(viewer, n)[0] is not None for n in cmp.graphs)


def _move_graphs(
    viewer,
    cmp,
    positions: dict | None = None,
    *,
    frame: bool = False,
    mover=None,
    outlines: dict | None = None,
) -> None:
    """Graph layers to the session's layout (or to ``positions``, a running layout's
    ``frame``), arranged as the viewer arranges them; titles follow. After a final move
    (not a frame) sizes, the inputs and the regions' outlines follow and the view is fitted
    again. ``mover(name, xy)`` moves one graph (default :func:`set_positions`).

    The outlines are never computed here (on the GUI thread): those of ``outlines`` (from
    :func:`layout_outlines`, computed in a worker) are drawn where they were computed at the
    drawn positions; the others are computed in the background
    (:func:`draw_all_regions` with ``background=True``)."""
    pos, boxes = display_positions(viewer, cmp, positions)
    drawn = []
    for name, xy in pos.items():
        points, _ = get_graph_layers(viewer, name)
        if name in cmp.graphs and points is not None and len(points.data) == len(xy):
            if mover is None:
                set_positions(viewer, name, xy, edges=cmp.graphs[name].edges)
            else:
                mover(name, xy)
            drawn.append(name)
    if not drawn:
        return
    style = _style(viewer, cmp, pos, drawn)
    if not frame:
        for name in drawn:
            restyle(viewer, cmp.graphs[name], style)
    draw_titles(viewer, cmp, {n: boxes[n] for n in drawn}, style)
    if frame:
        return
    for layer, side in (
        (inputs_layer(viewer, roles=("inputs",)), "below_left"),
        (_layer(viewer, SELECTED_LAYER), "below_right"),
    ):
        if layer is not None:
            place_beside_graphs(
                viewer, layer, side, fraction=MONTAGE_FRACTION if side == "below_right" else 0.6
            )
    draw_all_regions(viewer, cmp, outlines=outlines, background=True)
    _clear_membranes(viewer)
    fit_view(viewer)


def _clear_membranes(viewer) -> None:
    """Empty the motif membranes layer: a membrane outlines an instance at the positions it
    was drawn at, which a new layout moved (the Motifs widget draws it again on selection)."""
    for layer in viewer.layers:
        if (layer_tag(layer) or {}).get("role") == "membranes" and len(layer.data):
            layer.data = []


def _layer(viewer, name):
    return viewer.layers[name] if name in viewer.layers else None


def drawing_context(viewer) -> dict:
    """What a worker needs to know of ``viewer`` to compute where the graphs will be drawn
    (:func:`layout_outlines`), read on the GUI thread: the arrangement and the canvas size."""
    return {"arrangement": _arrangements.get(viewer, "auto"), "canvas": _canvas_of(viewer)}


def layout_outlines(cmp, layout, context: dict, progress=None) -> dict:
    """The Bubble Sets of the session's regions as they will be drawn once the graphs sit
    at ``layout`` (arranged as ``context``, from :func:`drawing_context`, says): plain
    geometry without the viewer, for a worker thread. Returns ``{(a, b): outlines}`` for
    :func:`draw_all_regions` (each as :func:`~._regions_layers.region_outlines` gives it)."""
    from ..shapes.bubbles import default_scale
    from ._graph_layers import node_sizes
    from ._regions_layers import region_outlines

    pairs = [(a, b) for (a, b) in cmp.correspondences if a in cmp.graphs and b in cmp.graphs]
    if not pairs:
        return {}
    pos, _ = display_positions(
        None, cmp, layout=layout, arrangement=context["arrangement"], canvas=context["canvas"]
    )
    names = [n for n in pos if n in cmp.graphs]
    style = _style(None, cmp, pos, names, context["canvas"])
    inputs = {}
    for name in {n for pair in pairs for n in pair}:
        if name not in pos:
            continue
        rc = to_napari(pos[name])
        scale = default_scale(rc)
        graph = cmp.graphs[name]
        if graph.n_nodes:  # as _regions_layers._drawing_scale reads it off the drawn layer
            diameter = float(np.median(np.asarray(node_sizes(graph, style=style), dtype=float)))
            if np.isfinite(diameter) and diameter > 0:
                scale = max(scale, 2.5 * diameter)
        inputs[name] = (rc, scale)
    out = {}
    for k, (a, b) in enumerate(pairs):
        if progress is not None:
            progress(k / len(pairs), f"region outlines {a} / {b}")
        if a in inputs and b in inputs:
            out[(a, b)] = region_outlines(cmp, a, b, cmp.correspondences[(a, b)].regions, inputs)
    return out


def _outlines_fit(viewer, cmp, a: str, b: str, pre) -> bool:
    """Whether ``pre`` (outlines of ``a`` and ``b``) were computed at the drawn positions
    and scales, so that drawing them computes nothing."""
    from ._regions_layers import _drawing_scale, _node_positions

    if pre is None:
        return False
    for name in (a, b):
        got = pre.get(name)
        if got is None:
            return False
        try:
            pos = _node_positions(viewer, cmp, name)
        except ValueError:
            return False
        if got[0].shape != pos.shape or not np.array_equal(got[0], pos):
            return False
        if got[1] != _drawing_scale(viewer, name, pos):
            return False
    return True


def draw_all_regions(viewer, cmp, *, outlines: dict | None = None, background=False) -> None:
    """Draw the regions of every correspondence of the session; empty the regions layers of
    graphs that are in none.

    ``outlines``: ``{(a, b): outlines}`` computed beforehand (:func:`layout_outlines`),
    used where they fit the drawn positions. ``background``: the outlines that are missing
    are computed in a worker thread (never on the GUI thread) and drawn when it ends, unless
    a newer call came in the meantime (the newest layout wins); the layers keep their old
    outlines until then."""
    from ._regions_layers import draw_regions, drawing_inputs

    covered = set()
    pending = {}
    for (a, b), corr in cmp.correspondences.items():
        covered.update((a, b))
        pre = (outlines or {}).get((a, b))
        if not background or not corr.regions or _outlines_fit(viewer, cmp, a, b, pre):
            draw_regions(viewer, cmp, a, b, corr.regions, outlines=pre)
            continue
        try:
            pending[(a, b)] = (corr.regions, drawing_inputs(viewer, cmp, (a, b)))
        except ValueError:  # a graph without positions: draw_regions says so
            draw_regions(viewer, cmp, a, b, corr.regions)
    # always: a job still running for older regions or positions must not draw over these
    _start_outline_job(viewer, cmp, pending)
    for layer in viewer.layers:
        tag = graph_of_layer(layer)
        if tag is not None and tag[1] == "regions" and tag[0] not in covered and len(layer.data):
            layer.data = []
    refresh_legend(viewer)


def _start_outline_job(viewer, cmp, pending: dict):
    """Compute the outlines of ``pending`` (``{(a, b): (regions, inputs)}``) in a worker
    thread and draw them on the GUI thread when it ends, if no newer job started since.
    Returns the worker (None when there is nothing to compute)."""
    job = _outline_jobs.get(viewer, 0) + 1
    _outline_jobs[viewer] = job
    if not pending:
        return None
    from napari.qt.threading import create_worker

    from ._regions_layers import region_outlines

    def compute():
        return {
            (a, b): region_outlines(cmp, a, b, regions, inputs)
            for (a, b), (regions, inputs) in pending.items()
        }

    viewer_ref = weakref.ref(viewer)

    def done(result):
        v = viewer_ref()
        if v is None or _outline_jobs.get(v) != job:
            return  # the viewer is gone, or a newer layout's outlines are on their way
        try:
            draw_all_regions(v, cmp, outlines=result, background=True)
        except Exception as exc:  # shown, never raised into Qt
            from napari.utils.notifications import show_error

            show_error(f"napari-topoalign: could not draw the regions: {exc}")

    def failed(exc):
        from napari.utils.notifications import show_error

        show_error(f"napari-topoalign: could not outline the regions: {exc}")

    worker = create_worker(compute, _start_thread=False, _ignore_errors=True)
    worker.returned.connect(done)
    worker.errored.connect(failed)
    workers = _outline_workers.setdefault(viewer, set())
    workers.add(worker)
    worker.finished.connect(lambda: workers.discard(worker))
    worker.start()
    return worker


def outlines_pending(viewer) -> bool:
    """Whether a background outline job of ``viewer`` is still running."""
    return bool(_outline_workers.get(viewer))


def _dock_plugin_widget(viewer, display_name: str, factory):
    """Dock the plugin's widget ``display_name`` once: through napari's plugin dock (so that
    Plugins > napari-topoalign > ``display_name`` shows this one instead of adding another),
    else as a plain dock widget; tabbed with the other docks on the right."""
    window = getattr(viewer, "window", None)
    if window is None:
        return None
    for widget in window.dock_widgets.values():
        if type(widget).__name__ == factory.__name__:
            return widget
    try:
        _, widget = window.add_plugin_dock_widget("napari-topoalign", display_name, tabify=True)
        return widget
    except Exception:  # the plugin is not registered with npe2 (a source checkout)
        widget = factory(viewer)
        window.add_dock_widget(widget, name=display_name, area="right", tabify=True)
        return widget


def dock_inputs_widget(viewer):
    """Add the *Inputs* dock widget once per viewer (no-op without a window)."""
    from ._inputs_widget import InputsWidget

    return _dock_plugin_widget(viewer, "Inputs", InputsWidget)


def dock_legend_widget(viewer):
    """Add the *Legend* dock widget once per viewer (no-op without a window)."""
    from ._legend_widget import LegendWidget

    return _dock_plugin_widget(viewer, "Legend", LegendWidget)


def refresh_legend(viewer) -> None:
    """Redraw the legend dock(s) of ``viewer`` and fill a regions widget that shows nothing
    yet with the session's regions."""
    window = getattr(viewer, "window", None)
    if window is None:
        return
    for widget in list(window.dock_widgets.values()):
        refresh = getattr(widget, "refresh_from_session", None)
        if callable(refresh):
            try:
                refresh()
            except RuntimeError:  # its Qt widget was deleted
                pass


def show_comparison(cmp, viewer=None):
    """Draw the session into ``viewer`` (a new viewer when None); returns the viewer."""
    if viewer is None:
        import napari

        viewer = napari.Viewer(title="napari-topoalign")
    draw_comparison(viewer, cmp)
    return viewer
