"""Linked inputs: selecting nodes selects their inputs, everywhere.

When the user selects nodes in a graph layer (or :func:`select_nodes` does), the inputs those
nodes hold become the viewer's *selected inputs*:

- their images (when the inputs are images) are shown as a montage of exactly those images
  in the Image layer ``"selected inputs"``, placed to the right of the graphs;
- their ids, labels and texts are listed by the *Inputs* dock widget
  (:class:`~napari_topoalign.viewer._inputs_widget.InputsWidget`), which listens here;
- the selected nodes get a thick border in :data:`HIGHLIGHT` (white: neither a label colour
  nor an end of the colormap) in the graph where they were picked, and in every other drawn
  graph the nodes that hold at least one of those inputs get it too; the others get their
  plain border back.

An empty selection in the graph the selection came from clears all of this.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np

from ..colors import HIGHLIGHT
from ._graph_layers import (
    NODE_BORDER,
    NODE_BORDER_WIDTH,
    get_graph_layers,
    graph_of_layer,
    layer_tag,
)
from ._state import get_comparison

__all__ = [
    "Selection",
    "HIGHLIGHT",
    "SELECTED_LAYER",
    "MAX_MONTAGE",
    "link_graph_layers",
    "select_nodes",
    "select_inputs",
    "current_selection",
    "on_selection",
    "place_beside_graphs",
    "inputs_layer",
]

#: Border colour of the selected nodes and of the nodes of other graphs that hold their inputs.
HIGHLIGHT = HIGHLIGHT
#: Name of the Image layer that shows the selected inputs.
SELECTED_LAYER = "selected inputs"
#: At most this many images go into the montage (the Inputs widget lists all).
MAX_MONTAGE = 400
#: The montage of the selected inputs is this share of the graphs' height tall (below them).
MONTAGE_FRACTION = 0.9
_HIGHLIGHT_WIDTH = 0.3
_PICKED_WIDTH = 0.4


@dataclass
class Selection:
    """The selected nodes of one graph and the inputs they hold."""

    graph: str | None = None
    nodes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    inputs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: for every other drawn graph, the nodes holding at least one selected input
    highlighted: dict = field(default_factory=dict)
    #: what selected the inputs when no graph's nodes did (e.g. "topology: a cluster flow")
    source: str = ""


_state: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_listeners: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def current_selection(viewer) -> Selection:
    """The viewer's current selection (empty when nothing is selected)."""
    return _state.get(viewer) or Selection()


def on_selection(viewer, callback) -> None:
    """Call ``callback(selection)`` whenever the viewer's selected inputs change. A bound
    method is held weakly: a closed widget stops listening."""
    ref = weakref.WeakMethod(callback) if hasattr(callback, "__self__") else (lambda: callback)
    _listeners.setdefault(viewer, []).append(ref)


def _notify(viewer, sel) -> None:
    alive = []
    for ref in _listeners.get(viewer, []):
        callback = ref()
        if callback is None:
            continue
        try:
            callback(sel)
        except RuntimeError:  # its Qt widget was deleted
            continue
        alive.append(ref)
    _listeners[viewer] = alive


def link_graph_layers(viewer) -> None:
    """Link every graph nodes layer of ``viewer`` (idempotent; call after drawing)."""
    viewer_ref = weakref.ref(viewer)
    for layer in list(viewer.layers):
        tag = graph_of_layer(layer)
        if tag is None or tag[1] != "nodes" or layer.metadata["topoalign"].get("linked"):
            continue
        layer.selected_data.events.items_changed.connect(_relay(viewer_ref, tag[0]))
        layer.metadata["topoalign"]["linked"] = True


def _relay(viewer_ref, name: str):
    """The callback of one nodes layer's selection (psygnal passes ``added, removed``)."""

    def changed(*_):
        viewer = viewer_ref()
        if viewer is not None:
            _selection_changed(viewer, name)

    return changed


def select_nodes(viewer, name: str, nodes) -> Selection:
    """Select ``nodes`` of graph ``name`` (as if clicked) and return the resulting selection."""
    points, _ = get_graph_layers(viewer, name)
    if points is None:
        raise KeyError(f"graph {name!r} is not drawn in this viewer")
    nodes = np.asarray(nodes, dtype=np.int64).ravel()
    if nodes.size and (nodes.min() < 0 or nodes.max() >= len(points.data)):
        raise IndexError(f"graph {name!r}: node indices must lie in [0, {len(points.data)})")
    link_graph_layers(viewer)
    points.selected_data = set(nodes.tolist())
    _selection_changed(viewer, name)  # idempotent; covers an unchanged selection
    return current_selection(viewer)


def select_inputs(viewer, inputs, source: str = "") -> Selection:
    """Select ``inputs`` directly (not through nodes: a flow, a bar or a blob of the layer
    topology widget): their images and the Inputs widget show them, and in every drawn
    graph the nodes holding at least one of them are highlighted. ``source`` says what
    selected them."""
    cmp = get_comparison(viewer)
    inputs = np.unique(np.asarray(inputs, dtype=np.int64).ravel())
    if (
        cmp is not None
        and inputs.size
        and (inputs[0] < 0 or inputs[-1] >= cmp.representations.n_inputs)
    ):
        raise IndexError(f"inputs: must lie in [0, {cmp.representations.n_inputs})")
    sel = Selection(None, np.zeros(0, dtype=np.int64), inputs, source=str(source))
    if cmp is not None:
        for name, g in cmp.graphs.items():
            points, _ = get_graph_layers(viewer, name)
            if points is None or len(points.data) != g.n_nodes:
                continue
            hits = g.nodes_of_inputs(inputs)
            _highlight(points, hits)
            sel.highlighted[name] = hits
        _show_images(viewer, cmp, inputs)
    _state[viewer] = sel
    _notify(viewer, sel)
    return sel


def _selection_changed(viewer, name: str) -> None:
    cmp = get_comparison(viewer)
    points, _ = get_graph_layers(viewer, name)
    if cmp is None or points is None or name not in cmp.graphs:
        return
    graph = cmp.graphs[name]
    nodes = np.array(sorted(points.selected_data), dtype=np.int64)
    nodes = nodes[nodes < graph.n_nodes]
    old = current_selection(viewer)
    if nodes.size == 0 and old.graph not in (None, name):
        return  # another graph's selection stays
    if old.graph == name and np.array_equal(old.nodes, nodes):
        return
    inputs = graph.inputs_of_nodes(nodes)
    sel = Selection(name, nodes, inputs)
    for other, g in cmp.graphs.items():
        other_points, _ = get_graph_layers(viewer, other)
        if other_points is None or len(other_points.data) != g.n_nodes:
            continue
        hits = g.nodes_of_inputs(inputs) if other != name else nodes
        _highlight(other_points, hits, _PICKED_WIDTH if other == name else _HIGHLIGHT_WIDTH)
        if other != name:
            sel.highlighted[other] = hits
    _state[viewer] = sel
    _show_images(viewer, cmp, inputs)
    _notify(viewer, sel)


def _highlight(points, nodes: np.ndarray, highlight_width: float = _HIGHLIGHT_WIDTH) -> None:
    n = len(points.data)
    border = np.tile(NODE_BORDER, (n, 1))
    width = np.full(n, NODE_BORDER_WIDTH)
    border[nodes] = HIGHLIGHT
    width[nodes] = highlight_width
    points.border_color = border
    points.border_width = width


def graphs_extent(viewer):
    """``(lo, hi)`` world corners (row, col) of all drawn graph nodes (with their markers'
    radius), or None."""
    boxes = []
    for layer in viewer.layers:
        tag = graph_of_layer(layer)
        if tag is None or tag[1] != "nodes" or len(layer.data) == 0:
            continue
        data = np.asarray(layer.data, dtype=np.float64)[:, -2:]
        world = data * np.asarray(layer.scale)[-2:] + np.asarray(layer.translate)[-2:]
        sizes = np.asarray(layer.size, dtype=np.float64).reshape(len(layer.data), -1)[:, -1]
        r = 0.5 * float(sizes.max()) * float(np.max(np.abs(np.asarray(layer.scale)[-2:])))
        boxes.append((world.min(axis=0) - r, world.max(axis=0) + r))
    if not boxes:
        return None
    return np.min([b[0] for b in boxes], axis=0), np.max([b[1] for b in boxes], axis=0)


def place_beside_graphs(viewer, layer, side: str = "below_right", fraction: float = 0.6) -> None:
    """Scale and move a layer (the inputs' images, the selected inputs) so that it stands
    beside the graphs, never on top of them: ``"below_left"`` / ``"below_right"`` (under the
    panels, at their left or right edge; the graphs are wide, the canvas has room below) or
    ``"left"`` / ``"right"``; ``fraction`` of the graphs' height tall (at most their width
    over two). Nothing happens while no graph is drawn."""
    extent = graphs_extent(viewer)
    if extent is None:
        return
    lo, hi = extent
    height = max(hi[0] - lo[0], 1e-6)
    width = max(hi[1] - lo[1], 1e-6)
    own = np.asarray(layer.extent.data, dtype=np.float64)[:, -2:]  # its data's corners
    size = np.maximum(own[1] - own[0], 1e-9)
    target = (
        min(fraction * height, 0.45 * width) if side.startswith("below") else fraction * height
    )
    s = (
        min(target / size[0], 0.45 * width / size[1])
        if side.startswith("below")
        else target / size[0]
    )
    gap = 0.05 * max(width, height)
    if side.startswith("below"):
        row = hi[0] + gap
        col = lo[1] if side == "below_left" else hi[1] - s * size[1]
    else:
        row = lo[0]
        col = hi[1] + gap if side == "right" else lo[1] - gap - s * size[1]
    scale = np.ones(layer.ndim)
    translate = np.zeros(layer.ndim)
    scale[-2:] = s
    translate[-2:] = (row - s * own[0, 0], col - s * own[0, 1])
    layer.scale = scale
    layer.translate = translate


def montage(images: np.ndarray) -> np.ndarray:
    """The images ``(k, H, W[, C])`` tiled into one image, as square as possible, with a
    one-pixel dark border between them (scikit-image's ``montage``)."""
    from skimage.util import montage as sk_montage

    return sk_montage(
        images, fill=0, padding_width=1, channel_axis=-1 if images.ndim == 4 else None
    )


def _show_images(viewer, cmp, inputs: np.ndarray) -> None:
    images = cmp.representations.images
    if images is None:
        return
    shown = inputs[:MAX_MONTAGE]
    if SELECTED_LAYER in viewer.layers:
        layer = viewer.layers[SELECTED_LAYER]
    else:
        layer = None
    if shown.size == 0:
        if layer is not None:
            layer.visible = False
        return
    tiled = montage(np.asarray(images)[shown])
    rgb = images.ndim == 4
    if layer is None:
        lo, hi = float(np.min(images)), float(np.max(images))
        layer = viewer.add_image(
            tiled,
            name=SELECTED_LAYER,
            rgb=rgb,
            colormap=None if rgb else "gray",
            contrast_limits=None if rgb else (lo, hi if hi > lo else lo + 1),
            metadata={"topoalign": {"role": "selected_inputs"}},
        )
    else:
        layer.data = tiled
        layer.visible = True
    layer.metadata["topoalign"]["inputs"] = shown
    place_beside_graphs(viewer, layer, "below_right", fraction=MONTAGE_FRACTION)
    _step_stack_to(viewer, int(shown[0]))


def inputs_layer(viewer, roles=("inputs", "inputs_points")):
    """The layer that shows all the inputs (their images: role ``"inputs"``; their points
    when they have none: ``"inputs_points"``), made by the sample, the reader or
    ``draw_comparison``; or None."""
    for layer in viewer.layers:
        tag = layer_tag(layer)
        if tag is not None and tag.get("role") in roles:
            return layer
    return None


def _step_stack_to(viewer, index: int) -> None:
    """Show input ``index`` in the image stack of all inputs (its first axis), if there is one."""
    layer = inputs_layer(viewer, roles=("inputs",))
    if layer is not None and layer.ndim == 3:
        axis = viewer.dims.ndim - 3  # the stack's first axis in the viewer's dims
        step = list(viewer.dims.current_step)
        step[axis] = index
        viewer.dims.current_step = tuple(step)
