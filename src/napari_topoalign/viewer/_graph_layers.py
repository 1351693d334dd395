"""The graph layer: a Points layer for the nodes and a Surface layer for the edges.

napari has no released Graph layer, so a mapper graph is drawn as a pair:

- ``f"{name} nodes"``: a Points layer, one point per node. Marker *area* proportional to the
  number of inputs the node holds (one scale for all graphs of a session), never below a
  readable diameter at the fitted zoom; coloured by a column of the node table with the
  comparison-wide colours of :mod:`napari_topoalign.colors` (``majority_label`` when the
  inputs have labels: one colour per label, the same in every graph; numbers on viridis
  between limits shared by all graphs); the whole node table is the layer's ``features``;
- ``f"{name} edges"``: a Surface layer, one quad per edge, as wide as the edge's Jaccard
  weight (never thinner than a readable minimum) and grey-shaded by it (strong edges
  bright, weak ones dim). napari's Vectors layer has one width for all vectors, so it could
  not show the weights by width; one mesh for all edges draws as fast.

The two move together: whenever the nodes' data change (a new layout, or the user dragging
nodes) the edges are redrawn from the node positions. Both layers carry
``metadata["topoalign"] = {"graph": name, "role": "nodes" | "edges"}``, so they are found
even when the user renames them.

Coordinates: the core works in ``(x, y)``, napari in ``(row, col)``; :func:`to_napari` maps
``(x, y) -> (-y, x)`` (so ``y`` points up on screen) and :func:`from_napari` back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import colors as _colors

__all__ = [
    "to_napari",
    "from_napari",
    "nodes_layer_name",
    "edges_layer_name",
    "add_graph_layers",
    "get_graph_layers",
    "set_positions",
    "color_nodes_by",
    "color_graphs_by",
    "node_sizes",
    "edge_widths",
    "edge_segments",
    "edge_drawn_widths",
    "graph_of_layer",
    "unit_length",
    "DrawStyle",
    "draw_style",
    "restyle",
    "NODE_BORDER",
    "NODE_BORDER_WIDTH",
    "layer_tag",
    "QUALITATIVE",
    "MIN_NODE_PX",
    "MIN_EDGE_PX",
]

#: The border colour and width (relative to the marker) of nodes that are not highlighted.
NODE_BORDER = _colors.NODE_BORDER
NODE_BORDER_WIDTH = 0.08
#: The label colours in rank order (see :func:`napari_topoalign.colors.label_colors`).
QUALITATIVE = _colors.LABEL_PALETTE
#: At the fitted zoom: the smallest node diameter, the largest, in screen pixels.
MIN_NODE_PX = 7.0
MAX_NODE_PX = 34.0
#: At the fitted zoom: the thinnest edge, and the width of an edge of Jaccard weight 1.
MIN_EDGE_PX = 1.6
FULL_EDGE_PX = 9.0
#: The canvas size (height, width) in pixels the sizes are computed for (a canvas in a
#: 1500 x 950 window with the dock widgets on the right).
NOMINAL_CANVAS = (620.0, 900.0)
_TAG = "topoalign"


def to_napari(xy) -> np.ndarray:
    """``(x, y)`` positions of the core -> napari ``(row, col)`` data coordinates."""
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    return np.column_stack([-xy[:, 1], xy[:, 0]])


def from_napari(rc) -> np.ndarray:
    """Inverse of :func:`to_napari`."""
    rc = np.asarray(rc, dtype=np.float64).reshape(-1, 2)
    return np.column_stack([rc[:, 1], -rc[:, 0]])


def nodes_layer_name(name: str) -> str:
    return f"{name} nodes"


def edges_layer_name(name: str) -> str:
    return f"{name} edges"


def layer_tag(layer) -> dict | None:
    """The plugin's tag of a layer (``metadata["topoalign"]``: its role, its graph), or None."""
    tag = (getattr(layer, "metadata", None) or {}).get(_TAG)
    return tag if isinstance(tag, dict) else None


def graph_of_layer(layer) -> tuple[str, str] | None:
    """``(graph name, role)`` of a graph layer, or None for any other layer."""
    tag = layer_tag(layer)
    if tag is not None and "graph" in tag and "role" in tag:
        return str(tag["graph"]), str(tag["role"])
    return None


def get_graph_layers(viewer, name: str):
    """``(points, edges)`` of graph ``name`` (either may be None when it is not drawn)."""
    found = {"nodes": None, "edges": None}
    for layer in viewer.layers:
        tag = graph_of_layer(layer)
        if tag is not None and tag[0] == name and found.get(tag[1], 1) is None:
            found[tag[1]] = layer
    for role, layer_name in (("nodes", nodes_layer_name(name)), ("edges", edges_layer_name(name))):
        if found[role] is None and layer_name in viewer.layers:
            found[role] = viewer.layers[layer_name]
    return found["nodes"], found["edges"]


# -- sizes --------------------------------------------------------------------------------------
@dataclass
class DrawStyle:
    """How big things are drawn, the same for every graph of a session.

    ``px`` is the length in data units of one screen pixel at the fitted zoom (on
    :data:`NOMINAL_CANVAS`); ``unit`` the median edge length; ``max_size`` the largest node
    size of all graphs; ``label_colors`` the comparison's label -> colour map."""

    px: float = 1.0
    unit: float = 1.0
    max_size: float = 1.0
    label_colors: dict = field(default_factory=dict)

    def node_diameters(self) -> tuple[float, float]:
        """(smallest, largest) marker diameter in data units."""
        d_min = MIN_NODE_PX * self.px
        # the largest node about one median edge long: neighbours touch, they do not pile up
        d_max = max(min(MAX_NODE_PX * self.px, 1.1 * self.unit), 3.0 * d_min)
        return d_min, d_max


def draw_style(
    positions, graphs, labels=None, *, extent=None, canvas=None, height_factor: float = 1.0
) -> DrawStyle:
    """The :class:`DrawStyle` of graphs drawn at ``positions`` (core ``(x, y)`` arrays, as
    drawn); ``extent`` (``(width, height)``) overrides their bounding box, ``canvas``
    (``(height, width)`` pixels, default :data:`NOMINAL_CANVAS`) is what they are fitted to,
    ``height_factor`` how much taller the fitted view is than the graphs (images below)."""
    positions = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in positions]
    nonempty = [p for p in positions if len(p)]
    if extent is None:
        if nonempty:
            allp = np.vstack(nonempty)
            extent = np.ptp(allp, axis=0)
        else:
            extent = (1.0, 1.0)
    w, h = (float(max(e, 1e-9)) for e in extent)
    unit = unit_length(positions, [g.edges for g in graphs])
    if not nonempty or (w <= 1e-9 and h <= 1e-9):
        w = h = unit * 4
    ch, cw = canvas if canvas is not None else NOMINAL_CANVAS
    # the titles above the panels take about a tenth of the height
    px = max(w / (0.92 * cw), (1.12 * h * height_factor) / (0.92 * ch))
    sizes = [g.nodes["size"].to_numpy(dtype=np.float64) for g in graphs if g.n_nodes]
    max_size = max((float(s.max()) for s in sizes), default=1.0)
    if labels is None:
        vals = [
            g.nodes["majority_label"].to_numpy() for g in graphs if "majority_label" in g.nodes
        ]
        labels = np.concatenate(vals) if vals else None
    return DrawStyle(
        px=float(px),
        unit=float(unit),
        max_size=max(max_size, 1.0),
        label_colors=_colors.label_colors(labels),
    )


def node_sizes(graph, unit: float = 1.0, *, style: DrawStyle | None = None) -> np.ndarray:
    """Marker diameters: area proportional to the node's size (number of inputs), the
    largest node of the session at the style's largest diameter, none below its smallest.
    Without a style: from 0.3 to 1 ``unit``."""
    if graph.n_nodes == 0:
        return np.zeros(0)
    size = graph.nodes["size"].to_numpy(dtype=np.float64)
    if style is None:
        return unit * np.maximum(np.sqrt(size / max(size.max(), 1.0)), 0.3)
    d_min, d_max = style.node_diameters()
    return np.maximum(d_max * np.sqrt(size / style.max_size), d_min)


def edge_widths(weights, style: DrawStyle | None = None, unit: float = 1.0) -> np.ndarray:
    """Edge widths in data units, proportional to the Jaccard weight, never below a readable
    minimum (:data:`MIN_EDGE_PX` at the fitted zoom)."""
    w = np.clip(np.asarray(weights, dtype=np.float64).ravel(), 0.0, 1.0)
    if style is None:
        return np.maximum(0.25 * unit * w, 0.03 * unit)
    return np.maximum(FULL_EDGE_PX * style.px * w, MIN_EDGE_PX * style.px)


# -- edges as one mesh ----------------------------------------------------------------------------
def _edge_vectors(rc: np.ndarray, edges: np.ndarray) -> np.ndarray:
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if len(edges) == 0:
        return np.zeros((0, 2, 2))
    start = rc[edges[:, 0]]
    return np.stack([start, rc[edges[:, 1]] - start], axis=1)


def _edge_mesh(rc: np.ndarray, edges: np.ndarray, widths: np.ndarray, weights: np.ndarray):
    """Surface data ``(vertices, faces, values)``: one quad (two triangles) per edge,
    ``widths`` wide, with the edge's weight as the value of its four corners."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    if len(edges) == 0:
        return np.zeros((3, 2)), np.array([[0, 1, 2]]), np.zeros(3)
    p, q = rc[edges[:, 0]], rc[edges[:, 1]]
    d = q - p
    length = np.linalg.norm(d, axis=1, keepdims=True)
    normal = np.c_[-d[:, 1], d[:, 0]] / np.where(length > 0, length, 1.0)
    half = 0.5 * np.asarray(widths, dtype=np.float64).reshape(-1, 1) * normal
    verts = np.stack([p + half, p - half, q + half, q - half], axis=1).reshape(-1, 2)
    base = 4 * np.arange(len(edges))[:, None]
    faces = np.concatenate([base + [0, 1, 2], base + [1, 3, 2]], axis=1).reshape(-1, 3)
    values = np.repeat(np.asarray(weights, dtype=np.float64), 4)
    return verts, faces, values


def edge_segments(edges_layer) -> np.ndarray:
    """``(E, 2, 2)``: the start and end point (napari data coordinates) of every edge drawn
    by an edges layer (a Surface made here, or a Vectors layer)."""
    tag = layer_tag(edges_layer) or {}
    if "edge_pairs" in tag:
        n = len(tag["edge_pairs"])
        if n == 0:
            return np.zeros((0, 2, 2))
        verts = np.asarray(edges_layer.data[0], dtype=np.float64)[: 4 * n].reshape(n, 4, 2)
        return np.stack([verts[:, :2].mean(axis=1), verts[:, 2:].mean(axis=1)], axis=1)
    vec = np.asarray(edges_layer.data, dtype=np.float64).reshape(-1, 2, 2)
    return np.stack([vec[:, 0], vec[:, 0] + vec[:, 1]], axis=1)


def edge_drawn_widths(edges_layer) -> np.ndarray:
    """The drawn width of every edge of an edges layer made here (data units)."""
    tag = layer_tag(edges_layer) or {}
    return np.asarray(tag.get("widths", np.zeros(0)), dtype=np.float64)


def _set_edges(edges_layer, rc: np.ndarray) -> None:
    """Redraw an edges layer from node positions ``rc`` (napari data coordinates)."""
    tag = layer_tag(edges_layer) or {}
    if "edge_pairs" in tag:  # a Surface made here
        edges_layer.data = _edge_mesh(rc, tag["edge_pairs"], tag["widths"], tag["weights"])


# -- colours -----------------------------------------------------------------------------------
_is_categorical = _colors.is_categorical


def color_nodes_by(points, column: str, *, colors: dict | None = None, limits=None) -> None:
    """Colour the nodes of a nodes layer by a column of its node table (``features``).

    Labels and other categories take one colour per value from ``colors`` (default: the
    comparison's label map kept on the layer for ``majority_label``, else a map of this
    layer's values); numbers the viridis colormap between ``limits`` (default: this layer's
    min and max). :func:`color_graphs_by` passes maps and limits shared by all graphs."""
    features = points.features
    if column not in features:
        raise KeyError(f"node table: no column {column!r}; known: {list(features.columns)}")
    tag = points.metadata.setdefault(_TAG, {})
    values = features[column]
    if _is_categorical(column, values):
        if colors is None:
            colors = tag.get("label_colors") if column == "majority_label" else None
        if not colors:
            colors = _colors.label_colors(values.to_numpy())
        face = _colors.label_color_array(values.to_numpy(), colors)
        tag.update(color_by=column, color_kind="categorical", color_map=dict(colors))
    else:
        v = values.to_numpy(dtype=np.float64)
        if limits is None:
            finite = v[np.isfinite(v)]
            limits = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        lo, hi = float(limits[0]), float(limits[1])
        face = _colors.continuous_colors(v, (lo, hi if hi > lo else lo + 1.0))
        tag.update(color_by=column, color_kind="continuous", color_limits=(lo, hi))
    if len(points.data):
        points.face_color = face


def color_graphs_by(viewer, column: str, colors: dict | None = None) -> list:
    """Colour every drawn graph that has ``column`` by it, with one map (categories) or one
    pair of limits (numbers) for all of them. Returns the layers recoloured."""
    layers = []
    for layer in viewer.layers:
        tag = graph_of_layer(layer)
        if tag is not None and tag[1] == "nodes" and column in layer.features:
            layers.append(layer)
    if not layers:
        return []
    values = pd.concat([layer.features[column] for layer in layers], ignore_index=True)
    if _is_categorical(column, values):
        if colors is None and column == "majority_label":
            colors = layer_tag(layers[0]).get("label_colors")
        colors = colors or _colors.label_colors(values.to_numpy())
        for layer in layers:
            color_nodes_by(layer, column, colors=colors)
    else:
        v = values.to_numpy(dtype=np.float64)
        finite = v[np.isfinite(v)]
        limits = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        for layer in layers:
            color_nodes_by(layer, column, limits=limits)
    return layers


def _default_color_column(graph) -> str:
    return "majority_label" if "majority_label" in graph.nodes else "size"


# -- the layers --------------------------------------------------------------------------------
def add_graph_layers(
    viewer,
    graph,
    xy,
    *,
    name: str | None = None,
    color_by: str | None = None,
    unit: float | None = None,
    style: DrawStyle | None = None,
):
    """Draw ``graph`` at positions ``xy`` (``(n_nodes, 2)``, core ``(x, y)``) as a graph
    layer: create the nodes and edges layers, or update them when they exist.

    ``style`` (:func:`draw_style` of all graphs of a session) makes equal nodes look equal
    in every graph and gives the label colours; by default it is computed from this graph
    alone. ``unit`` (the median edge length) is kept for scripts: with it and no ``style``,
    sizes are relative to it. Returns ``(points, edges)``.
    """
    name = name or graph.name
    if not name:
        raise ValueError("graph: has no name; pass name=")
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if len(xy) != graph.n_nodes:
        raise ValueError(f"graph {name!r}: {len(xy)} positions for {graph.n_nodes} nodes")
    if style is None:
        style = draw_style([xy], [graph])
        if unit is not None:
            style.unit = float(unit)
    rc = to_napari(xy)
    features = graph.nodes.reset_index(drop=True).copy()
    features.insert(0, "node", np.arange(graph.n_nodes))
    weights = np.asarray(graph.edge_weights, dtype=np.float64).ravel()
    widths = edge_widths(weights, style)
    pairs = np.asarray(graph.edges, dtype=np.int64).reshape(-1, 2)
    points, edges_layer = get_graph_layers(viewer, name)
    if points is not None:
        _remove_sync(points)
        points.metadata.setdefault(_TAG, {"graph": name, "role": "nodes"})
    edge_tag = {
        "graph": name,
        "role": "edges",
        "edge_pairs": pairs,
        "widths": widths,
        "weights": weights,
    }
    mesh = _edge_mesh(rc, pairs, widths, weights)
    if edges_layer is not None and not hasattr(edges_layer, "vertex_values"):
        viewer.layers.remove(edges_layer)  # an old Vectors layer: replaced by the mesh
        edges_layer = None
    if edges_layer is None:
        edges_layer = viewer.add_surface(
            mesh,
            name=edges_layer_name(name),
            colormap="gray",
            contrast_limits=(-0.45, 1.0),
            shading="none",
            blending="translucent",
            metadata={_TAG: edge_tag},
        )
        if points is not None:  # below its nodes
            viewer.layers.move(viewer.layers.index(edges_layer), viewer.layers.index(points))
    else:
        edges_layer.metadata.setdefault(_TAG, {}).update(edge_tag)
        edges_layer.data = mesh
    if points is None:
        points = viewer.add_points(
            rc,
            name=nodes_layer_name(name),
            size=node_sizes(graph, style=style),
            features=features,
            border_color=NODE_BORDER,
            border_width=NODE_BORDER_WIDTH,
            border_width_is_relative=True,
            metadata={_TAG: {"graph": name, "role": "nodes"}},
        )
    else:
        points.selected_data = set()
        points.data = rc
        points.features = features
        points.size = node_sizes(graph, style=style)
        points.border_color = NODE_BORDER
        points.border_width = NODE_BORDER_WIDTH
    tag = points.metadata[_TAG]
    tag["n_nodes"] = graph.n_nodes
    tag["edges"] = pairs
    tag["label_colors"] = dict(style.label_colors)
    tag["style"] = style
    column = color_by or tag.get("color_by") or _default_color_column(graph)
    if column not in features:
        column = _default_color_column(graph)
    color_nodes_by(
        points, column, colors=style.label_colors if column == "majority_label" else None
    )
    _install_sync(points, edges_layer)
    return points, edges_layer


def restyle(viewer, graph, style: DrawStyle) -> None:
    """Node sizes and edge widths of a drawn graph for a new :class:`DrawStyle` (after a
    layout changed the extent)."""
    points, edges_layer = get_graph_layers(viewer, graph.name)
    if points is None or len(points.data) != graph.n_nodes:
        return
    points.size = node_sizes(graph, style=style)
    points.metadata[_TAG]["style"] = style
    tag = layer_tag(edges_layer) if edges_layer is not None else None
    if tag is not None and "edge_pairs" in tag:
        tag["widths"] = edge_widths(tag["weights"], style)
        _set_edges(edges_layer, np.asarray(points.data, dtype=np.float64)[:, -2:])


def unit_length(positions, edges) -> float:
    """The median edge length over the layouts ``positions`` (``(n, 2)`` arrays) of graphs
    with ``edges`` (1 when there is no edge of positive length)."""
    lengths = [
        np.linalg.norm(xy[e[:, 0]] - xy[e[:, 1]], axis=1)
        for xy, e in zip(positions, (np.asarray(e, dtype=np.int64).reshape(-1, 2) for e in edges))
        if len(e)
    ]
    lengths = np.concatenate(lengths) if lengths else np.zeros(0)
    lengths = lengths[lengths > 0]
    return float(np.median(lengths)) if len(lengths) else 1.0


def _install_sync(points, edges_layer) -> None:
    """Redraw the edges whenever the nodes' data change."""

    def sync(event=None):
        data = np.asarray(points.data, dtype=np.float64)
        if len(data) != points.metadata[_TAG]["n_nodes"]:
            return  # nodes were added or removed by hand: the edges cannot follow
        _set_edges(edges_layer, data[:, -2:])

    points.events.data.connect(sync)
    points.metadata[_TAG]["sync"] = sync


def _remove_sync(points) -> None:
    sync = points.metadata.get(_TAG, {}).pop("sync", None)
    if sync is not None:
        points.events.data.disconnect(sync)


def set_positions(viewer, name: str, xy, edges=None) -> None:
    """Move graph ``name``'s nodes to ``xy`` (core ``(x, y)``); its edges follow.

    ``edges`` (``(E, 2)`` node pairs) is needed only for layers not made by
    :func:`add_graph_layers` (those know their edges)."""
    points, edges_layer = get_graph_layers(viewer, name)
    if points is None:
        raise KeyError(f"graph {name!r} is not drawn in this viewer")
    rc = to_napari(xy)
    if len(rc) != len(points.data):
        raise ValueError(f"graph {name!r}: {len(rc)} positions for {len(points.data)} nodes")
    points.data = rc
    tag = points.metadata.get(_TAG, {})
    if "sync" not in tag and edges_layer is not None:  # layers not drawn by add_graph_layers
        edges = tag.get("edges") if edges is None else edges
        if edges is not None and hasattr(edges_layer, "vector_style"):
            edges_layer.data = _edge_vectors(rc, edges)
        elif edges is not None:
            _set_edges(edges_layer, rc)
