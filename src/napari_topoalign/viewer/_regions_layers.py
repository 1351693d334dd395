"""Shapes layers of matching regions: one layer of Bubble Sets per graph.

For a correspondence between graphs ``a`` and ``b``, each graph gets a Shapes layer named
``f"{name} regions"`` that holds, for every region, the Bubble Set outline of its nodes in
that graph (:func:`napari_topoalign.shapes.bubble_sets`). Both halves of a region have the
same colour, taken by the region's rank from :func:`napari_topoalign.colors.region_colors`
(light pastel tints, another family than the label colours of the nodes, so a region is
never taken for a label). Faces are semi-transparent so the nodes and edges stay visible,
outlines are drawn in the same tint; the layer sits below the graph's layers.

Polygons are computed directly in the coordinates of the graph's Points layer (napari's
data coordinates), so no conversion is needed here. Napari rejects self-intersecting
polygons: every polygon is checked with :func:`napari_topoalign.shapes.ring_is_simple`
before it is added, and any that fails (none should) is left out and reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .. import colors as _colors
from ..shapes import bubble_sets
from ..shapes._contour import ring_is_simple
from ..shapes.bubbles import default_scale
from ._graph_layers import get_graph_layers, layer_tag, to_napari

__all__ = ["draw_regions", "region_colors", "regions_layer_name", "points_layer"]

FACE_ALPHA = 0.3
EDGE_ALPHA = 1.0


def regions_layer_name(name: str) -> str:
    """The name of the Shapes layer of graph ``name``'s regions."""
    return f"{name} regions"


def region_colors(n: int, alpha: float = 1.0) -> np.ndarray:
    """RGBA colours (n, 4) of regions ranked 0..n-1 (:func:`napari_topoalign.colors.region_colors`)."""
    return _colors.region_colors(n, alpha)


def points_layer(viewer, name: str):
    """The Points layer of graph ``name``, or None."""
    return get_graph_layers(viewer, name)[0]


def _node_positions(viewer, cmp, name: str) -> np.ndarray:
    """Node positions of graph ``name`` in napari data coordinates."""
    points = points_layer(viewer, name)
    if points is not None and len(points.data) == cmp.graphs[name].n_nodes:
        return np.asarray(points.data, dtype=np.float64)[:, -2:]
    xy = cmp.positions(name)
    if xy is None:
        raise ValueError(
            f"graph {name!r}: no node positions; draw the graph (or compute a layout) first"
        )
    return to_napari(xy)


def _drawing_scale(viewer, name: str, pos: np.ndarray) -> float:
    """The Bubble Sets scale for a drawn graph: the layout's node spacing, but at least 2.5
    node diameters of the Points layer, so that outlines stay visible around the markers."""
    scale = default_scale(pos)
    points = points_layer(viewer, name)
    if points is not None and len(points.data):
        size = np.asarray(points.size, dtype=np.float64).reshape(len(points.data), -1)[:, -1]
        diameter = float(np.median(size)) if len(size) else 0.0
        if np.isfinite(diameter) and diameter > 0:
            scale = max(scale, 2.5 * diameter)
    return scale


def _graph_layer_index(viewer, name: str) -> int | None:
    idx = [
        viewer.layers.index(layer)
        for layer in get_graph_layers(viewer, name)
        if layer is not None and layer in viewer.layers
    ]
    return min(idx) if idx else None


def drawing_inputs(viewer, cmp, names) -> dict:
    """What :func:`region_outlines` needs from the viewer, read on the GUI thread: graph name
    -> ``(positions, scale)`` of each drawn graph."""
    out = {}
    for name in names:
        pos = _node_positions(viewer, cmp, name)
        out[name] = (pos.copy(), _drawing_scale(viewer, name, pos))
    return out


def region_outlines(cmp, a: str, b: str, regions, inputs: dict, **bubble_params) -> dict:
    """The Bubble Sets of ``regions`` in graphs ``a`` and ``b`` at the positions and scales
    of ``inputs`` (from :func:`drawing_inputs`): plain geometry, no viewer, so that a job can
    compute it in its worker thread. Returns graph name -> ``(positions, scale, polygons)``
    for :func:`draw_regions`'s ``outlines``."""
    out = {}
    for name, attr in ((a, "nodes_a"), (b, "nodes_b")):
        pos, scale = inputs[name]
        sets = [np.asarray(getattr(r, attr), dtype=np.int64) for r in regions]
        params = dict(bubble_params)
        params.setdefault("scale", scale)
        graph = cmp.graphs[name]
        out[name] = (
            pos,
            scale,
            bubble_sets(pos, sets, edges=graph.edges, **params) if sets else [],
        )
    return out


def draw_regions(
    viewer,
    cmp,
    a: str,
    b: str,
    regions: Sequence | None = None,
    *,
    outlines: dict | None = None,
    **bubble_params,
) -> dict:
    """Draw the matching regions between graphs ``a`` and ``b`` as Bubble Sets.

    Parameters
    ----------
    viewer : napari.Viewer
    cmp : Comparison
        The session; its graphs ``a`` and ``b`` give the edges, and its correspondence
        ``(a, b)`` the regions when ``regions`` is not given.
    a, b : str
        The two graph names.
    regions : sequence of Region, optional
        The regions to draw (ranked; region ``k`` gets colour ``k``). By default those kept
        on the session by ``cmp.find_regions(a, b)``.
    outlines : dict, optional
        Outlines computed beforehand, off the GUI thread, by :func:`region_outlines` (graph
        name -> ``(positions, scale, polygons)``). They are used only where the positions
        they were computed at are still the drawn ones; otherwise they are computed here.
    **bubble_params
        Passed to :func:`napari_topoalign.shapes.bubble_sets`. The default ``scale`` is the
        layout's node spacing, but at least 2.5 times the median node diameter of the
        graph's Points layer, so the outlines show around the markers.

    Returns
    -------
    dict of str to napari.layers.Shapes
        The regions layer of each graph. Each shape's features hold ``region`` (the rank),
        ``graph``, ``n_nodes`` and ``score``.
    """
    if regions is None:
        corr = cmp.correspondences.get((a, b))
        if corr is None:
            raise ValueError(f"no matching regions between {a!r} and {b!r}; find them first")
        regions = corr.regions
    regions = list(regions)
    for name in (a, b):
        if name not in cmp.graphs:
            raise KeyError(f"graph {name!r} is not in the session; known: {list(cmp.graphs)}")
    face = region_colors(len(regions), FACE_ALPHA)
    edge = region_colors(len(regions), EDGE_ALPHA)
    layers = {}
    for name, attr in ((a, "nodes_a"), (b, "nodes_b")):
        graph = cmp.graphs[name]
        pos = _node_positions(viewer, cmp, name)
        sets = [np.asarray(getattr(r, attr), dtype=np.int64) for r in regions]
        params = dict(bubble_params)
        params.setdefault("scale", _drawing_scale(viewer, name, pos))
        # the same regions at the same positions are drawn already: nothing to do
        key = (graph, list(regions), pos.tobytes(), repr(sorted(params.items())))
        layer = (
            viewer.layers[regions_layer_name(name)]
            if regions_layer_name(name) in viewer.layers
            else None
        )
        if layer is not None and _same_drawing(_drawn_key(layer), key):
            layers[name] = layer
            continue
        pre = (outlines or {}).get(name)
        if (
            pre is not None
            and pre[0].shape == pos.shape
            and np.array_equal(pre[0], pos)
            and ("scale" in bubble_params or pre[1] == params["scale"])
        ):
            polys = pre[2]
        else:
            polys = bubble_sets(pos, sets, edges=graph.edges, **params) if sets else []
        data, region_of, dropped = [], [], 0
        for k, rings in enumerate(polys):
            for ring in rings:
                if ring_is_simple(ring):
                    data.append(np.asarray(ring, dtype=np.float64))
                    region_of.append(k)
                else:  # pragma: no cover - bubble_sets only returns simple rings
                    dropped += 1
        if dropped:  # pragma: no cover
            warnings.warn(
                f"{dropped} self-intersecting region outline(s) of graph {name!r} left out",
                stacklevel=2,
            )
        region_of = np.asarray(region_of, dtype=np.int64)
        features = pd.DataFrame(
            {
                "region": region_of,
                "graph": np.full(len(region_of), name, dtype=object),
                "n_nodes": np.array([len(sets[k]) for k in region_of], dtype=np.int64),
                "score": np.array([float(regions[k].score) for k in region_of]),
            }
        )
        layers[name] = _set_shapes(
            viewer, name, data, features, face[region_of], edge[region_of], pos
        )
        layers[name].metadata.setdefault("topoalign", {"graph": name, "role": "regions"})[
            "drawn"
        ] = key
    return layers


def _drawn_key(layer):
    tag = layer_tag(layer)
    return tag.get("drawn") if tag is not None else None


def _same_drawing(old, new) -> bool:
    """Same graph and region objects, same positions and parameters."""
    if old is None:
        return False
    (g0, r0, p0, k0), (g1, r1, p1, k1) = old, new
    return (
        g0 is g1
        and len(r0) == len(r1)
        and all(x is y for x, y in zip(r0, r1))
        and p0 == p1
        and k0 == k1
    )


def _set_shapes(viewer, name, data, features, face, edge, pos):
    """Create or replace the contents of graph ``name``'s regions layer."""
    layer_name = regions_layer_name(name)
    points = points_layer(viewer, name)
    style = (layer_tag(points) or {}).get("style") if points is not None else None
    if style is not None:  # 2 screen pixels at the fitted zoom
        edge_width = 2.0 * style.px
    else:
        span = np.ptp(pos, axis=0).max() if len(pos) > 1 else 1.0
        edge_width = max(float(span) * 0.002, 1e-6)
    if layer_name in viewer.layers:
        layer = viewer.layers[layer_name]
        layer.data = []
        if data:
            layer.add_polygons(data, edge_width=edge_width, edge_color=edge, face_color=face)
        layer.features = features
        return layer
    layer = viewer.add_shapes(
        data if data else None,
        ndim=2,
        shape_type="polygon",
        name=layer_name,
        face_color=face if data else "transparent",
        edge_color=edge if data else "black",
        edge_width=edge_width,
        features=features if data else None,
        opacity=1.0,
        blending="translucent",
        metadata={"topoalign": {"graph": name, "role": "regions"}},
    )
    if not data:
        layer.features = features
    index = _graph_layer_index(viewer, name)
    if index is not None:
        viewer.layers.move(viewer.layers.index(layer), index)
    return layer
