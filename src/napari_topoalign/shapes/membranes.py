"""Membranes: a smooth closed outline around a motif instance, with pores where its inputs
leave.

The outline is the zero level set of a smoothed distance field: every node of the instance
is a disc of radius ``padding`` and every edge a capsule of half-width ``edge_padding``; the
field is the distance to their union, blurred over ``smoothing`` (so the joints are rounded,
not creased); holes are filled (a loop's membrane is one closed cell, not a ring), and
marching squares
(:func:`skimage.measure.find_contours`) traces the outline, which is resampled to even
spacing.

Pores: for each node of the instance, ``crossing`` gives the share of its inputs that leave
for other regions of the other model (:func:`napari_topoalign.align.motifs.crossing_shares`).
Where the share is above ``min_share`` the outline opens on the side that faces the node,
away from the rest of the instance: a gap centred on the outline point that belongs to the
node (nearest to it among the instance's nodes) and points most outward, of arc length
``share * pore_size``. Where the inputs stay together the wall is solid.

The result is plain geometry, drawn by napari as Shapes: the *wall* as open paths (the
outline minus the pore gaps), the *pores* as positions with sizes (and the gaps' arcs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._utils.params import Param, check_params, declare_params
from ._contour import clean_ring, make_simple, point_in_ring, ring_is_simple, signed_area

__all__ = ["Membrane", "membrane"]


@dataclass(eq=False)
class Membrane:
    """The membrane of one motif instance (all lengths in the units of the positions).

    Attributes
    ----------
    outline : list of ndarray of shape (k, 2)
        Closed simple rings, counter-clockwise, first vertex not repeated: one per connected
        piece of the instance (one for a connected instance).
    wall : list of ndarray of shape (k, 2)
        Open polylines: the outline without the pore gaps (a closed ring, first vertex
        repeated at the end, when there is no pore on it).
    pore_positions : ndarray of shape (p, 2)
        The centre of each pore, on the outline.
    pore_sizes : ndarray of shape (p,)
        The arc length of each pore's gap (``share * pore_size``, at most 95 % of its ring).
    pore_nodes : ndarray of int64, shape (p,)
        The node (index into ``positions``) each pore faces.
    pore_shares : ndarray of shape (p,)
        The share of that node's inputs that leave.
    pore_normals : ndarray of shape (p, 2)
        The outward unit normal of the outline at each pore.
    pore_arcs : list of ndarray of shape (k, 2)
        The outline's vertices inside each pore's gap (the part of the outline left open).
    nodes : ndarray of int64
        The instance's nodes.
    params : dict
        The lengths used (``padding``, ``edge_padding``, ``smoothing``, ``pore_size``,
        ``pixel``).
    """

    outline: list[np.ndarray]
    wall: list[np.ndarray]
    pore_positions: np.ndarray
    pore_sizes: np.ndarray
    pore_nodes: np.ndarray
    pore_shares: np.ndarray
    pore_normals: np.ndarray
    pore_arcs: list[np.ndarray] = field(default_factory=list)
    nodes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def n_pores(self) -> int:
        return len(self.pore_nodes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outline": [np.asarray(r) for r in self.outline],
            "wall": [np.asarray(w) for w in self.wall],
            "pore_positions": np.asarray(self.pore_positions),
            "pore_sizes": np.asarray(self.pore_sizes),
            "pore_nodes": np.asarray(self.pore_nodes),
            "pore_shares": np.asarray(self.pore_shares),
            "pore_normals": np.asarray(self.pore_normals),
            "pore_arcs": [np.asarray(a) for a in self.pore_arcs],
            "nodes": np.asarray(self.nodes),
            "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Membrane:
        arr2 = lambda v: np.asarray(v, dtype=np.float64).reshape(-1, 2)  # noqa: E731
        return cls(
            outline=[arr2(r) for r in data.get("outline", [])],
            wall=[arr2(w) for w in data.get("wall", [])],
            pore_positions=arr2(data.get("pore_positions", [])),
            pore_sizes=np.asarray(data.get("pore_sizes", []), dtype=np.float64),
            pore_nodes=np.asarray(data.get("pore_nodes", []), dtype=np.int64),
            pore_shares=np.asarray(data.get("pore_shares", []), dtype=np.float64),
            pore_normals=arr2(data.get("pore_normals", [])),
            pore_arcs=[arr2(a) for a in data.get("pore_arcs", [])],
            nodes=np.asarray(data.get("nodes", []), dtype=np.int64),
            params=dict(data.get("params", {})),
        )

    def __repr__(self) -> str:
        return f"Membrane({len(self.nodes)} nodes, {len(self.outline)} ring(s), {self.n_pores} pore(s))"


_LENGTH = dict(kind="float", low=0.0, low_open=True, high=1e12, none_ok=True)


@declare_params(
    padding=Param(
        None,
        help="radius of the membrane around each node (default 0.45 x the layout's node spacing)",
        **_LENGTH,
    ),
    edge_padding=Param(None, help="half-width around each edge (default: padding)", **_LENGTH),
    smoothing=Param(
        None,
        help="how far the field is blurred to round the joints (default 0.6 x padding)",
        **_LENGTH,
    ),
    pore_size=Param(
        None,
        help="arc length of a pore whose node's inputs all leave (default pi x padding)",
        **_LENGTH,
    ),
    min_share=Param(
        0.0,
        "float",
        low=0.0,
        high=1.0,
        help="a node gets a pore when more than this share of its inputs leave",
    ),
    pixel=Param(None, help="grid spacing of the field (default padding / 7)", **_LENGTH),
    max_cells=Param(
        400_000,
        "int",
        low=1_000,
        high=50_000_000,
        help="most grid points; a wide instance gets coarser pixels",
    ),
)
def membrane(positions, instance_nodes, edges, crossing, **params) -> Membrane:
    """A smooth closed outline around a motif instance with pores where its inputs leave.

    Parameters
    ----------
    positions : array-like of shape (n_nodes, 2)
        Node positions of the whole graph.
    instance_nodes : array-like of int
        The instance's nodes (indices into ``positions``).
    edges : array-like of shape (k, 2)
        The instance's edges (node indices; both ends in ``instance_nodes``).
    crossing : array-like of shape (len(instance_nodes),) or mapping node -> share
        For each instance node, the share (0..1) of its inputs that leave for other regions
        of the other model; 0 (or missing from a mapping) keeps the wall solid there.
    **params
        ``padding``, ``edge_padding``, ``smoothing``, ``pore_size``, ``min_share``,
        ``pixel``, ``max_cells`` (see ``param_specs(membrane)``; lengths default to
        multiples of the layout's node spacing, so a membrane looks the same at any zoom).

    Returns
    -------
    Membrane
        Every instance node lies inside the outline; there is exactly one pore per node
        whose share exceeds ``min_share``.

    Raises
    ------
    TypeError, ValueError
        Bad positions, nodes, edges, crossing shares or parameters (the message names which).
    """
    from .bubbles import default_scale

    p = check_params(membrane, params)
    pos_all = np.asarray(positions, dtype=np.float64)
    if pos_all.ndim != 2 or pos_all.shape[1] != 2:
        raise ValueError(f"positions: expected shape (n_nodes, 2), got {pos_all.shape}")
    if not np.isfinite(pos_all).all():
        raise ValueError("positions: holds NaN or infinite values")
    nodes = np.asarray(instance_nodes, dtype=np.int64).reshape(-1)
    if len(nodes) == 0:
        raise ValueError("instance_nodes: the instance has no nodes")
    if nodes.min() < 0 or nodes.max() >= len(pos_all):
        raise ValueError(f"instance_nodes: node indices must lie in [0, {len(pos_all)})")
    if len(np.unique(nodes)) != len(nodes):
        raise ValueError("instance_nodes: holds repeated nodes")
    local = {int(v): k for k, v in enumerate(nodes)}
    e = np.asarray(edges if edges is not None else np.zeros((0, 2)), dtype=np.int64).reshape(-1, 2)
    bad = [tuple(x) for x in e.tolist() if x[0] not in local or x[1] not in local]
    if bad:
        raise ValueError(f"edges: {bad[0]} joins a node outside instance_nodes")
    e_local = np.array(
        [[local[a], local[b]] for a, b in e.tolist() if a != b], dtype=np.int64
    ).reshape(-1, 2)
    shares = _check_crossing(crossing, nodes)

    pts = pos_all[nodes]
    padding = p.get("padding") or 0.45 * default_scale(pos_all)
    edge_padding = p.get("edge_padding") or padding
    smoothing = p.get("smoothing") or 0.6 * padding
    pore_size = p.get("pore_size") or math.pi * padding
    min_share = p.get("min_share", 0.0)
    pixel = p.get("pixel") or padding / 7.0
    max_cells = p.get("max_cells", 400_000)

    rings, pixel = _outline(pts, e_local, padding, edge_padding, smoothing, pixel, max_cells)
    result = _pores(rings, pts, e_local, nodes, shares, min_share, pore_size)
    result.params = {
        "padding": float(padding),
        "edge_padding": float(edge_padding),
        "smoothing": float(smoothing),
        "pore_size": float(pore_size),
        "min_share": float(min_share),
        "pixel": float(pixel),
    }
    return result


def _check_crossing(crossing, nodes: np.ndarray) -> np.ndarray:
    if crossing is None:
        return np.zeros(len(nodes))
    if isinstance(crossing, dict):
        shares = np.array([float(crossing.get(int(v), 0.0)) for v in nodes])
    else:
        shares = np.asarray(crossing, dtype=np.float64).reshape(-1)
        if len(shares) != len(nodes):
            raise ValueError(
                f"crossing: expected one share per instance node ({len(nodes)}), got {len(shares)}"
            )
    if not np.isfinite(shares).all() or (shares < 0).any() or (shares > 1).any():
        raise ValueError("crossing: shares must be finite numbers in [0, 1]")
    return shares


# --------------------------------------------------------------------------------------------
# the outline
# --------------------------------------------------------------------------------------------
def _outline(pts, e_local, padding, edge_padding, smoothing, pixel, max_cells):
    from scipy import ndimage
    from skimage.measure import find_contours

    reach = max(padding, edge_padding) + 2.0 * smoothing + 2.0 * pixel
    margin = reach + 3.0 * pixel
    lo = pts.min(axis=0) - margin
    hi = pts.max(axis=0) + margin
    span = hi - lo
    cells = (span[0] / pixel + 1) * (span[1] / pixel + 1)
    if cells > max_cells:
        pixel = pixel * math.sqrt(cells / max_cells)
    nx_ = int(math.ceil(span[0] / pixel)) + 1
    ny_ = int(math.ceil(span[1] / pixel)) + 1
    xs = lo[0] + pixel * np.arange(nx_)
    ys = lo[1] + pixel * np.arange(ny_)
    far = 4.0 * reach
    field_ = np.full((nx_, ny_), far)

    def window(a, b):
        """Index ranges of the grid near the box spanned by points a, b."""
        i0 = max(int((min(a[0], b[0]) - reach - lo[0]) / pixel) - 1, 0)
        i1 = min(int((max(a[0], b[0]) + reach - lo[0]) / pixel) + 2, nx_)
        j0 = max(int((min(a[1], b[1]) - reach - lo[1]) / pixel) - 1, 0)
        j1 = min(int((max(a[1], b[1]) + reach - lo[1]) / pixel) + 2, ny_)
        return i0, i1, j0, j1

    for c in pts:
        i0, i1, j0, j1 = window(c, c)
        gx = xs[i0:i1, None] - c[0]
        gy = ys[None, j0:j1] - c[1]
        d = np.hypot(gx, gy) - padding
        np.minimum(field_[i0:i1, j0:j1], d, out=field_[i0:i1, j0:j1])
    for a_i, b_i in e_local:
        a, b = pts[a_i], pts[b_i]
        i0, i1, j0, j1 = window(a, b)
        gx = xs[i0:i1, None] - a[0]
        gy = ys[None, j0:j1] - a[1]
        v = b - a
        vv = float(v @ v)
        t = np.clip((gx * v[0] + gy * v[1]) / vv, 0.0, 1.0) if vv > 0 else np.zeros_like(gx + gy)
        d = np.hypot(gx - t * v[0], gy - t * v[1]) - edge_padding
        np.minimum(field_[i0:i1, j0:j1], d, out=field_[i0:i1, j0:j1])
    # a Gaussian blur of the distance field rounds the creases where discs and capsules meet
    # (a straight stretch of wall stays where it is: the blur of a linear ramp is itself)
    field_ = ndimage.gaussian_filter(field_, 0.5 * smoothing / pixel, mode="nearest")
    inside = field_ < 0
    holes = ndimage.binary_fill_holes(inside) & ~inside
    field_[holes] = -padding
    rings = []
    for contour in find_contours(field_, 0.0):
        if len(contour) < 4 or not np.allclose(contour[0], contour[-1]):
            continue  # pragma: no cover - the margin keeps every contour closed
        xy = np.column_stack([lo[0] + pixel * contour[:, 0], lo[1] + pixel * contour[:, 1]])
        ring = clean_ring(xy[:-1], tol=1e-9 * pixel)
        ring = _resample(ring, min(padding / 8.0, max(_perimeter(ring) / 48.0, pixel / 4.0)))
        if signed_area(ring) < 0:
            ring = ring[::-1].copy()
        if not ring_is_simple(ring):  # pragma: no cover - marching squares gives simple rings
            ring = max(make_simple(ring), key=lambda r: abs(signed_area(r)))
        rings.append(ring)
    # the rings that hold instance nodes (tiny spurious islands are dropped)
    held = [r for r in rings if point_in_ring(pts, r).any()]
    return held or rings, pixel


def _perimeter(ring: np.ndarray) -> float:
    step = np.roll(ring, -1, axis=0) - ring
    return float(np.hypot(step[:, 0], step[:, 1]).sum())


def _resample(ring: np.ndarray, spacing: float) -> np.ndarray:
    """The closed ring resampled at (nearly) even arc-length spacing."""
    closed = np.vstack([ring, ring[:1]])
    seg = np.hypot(*np.diff(closed, axis=0).T)
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    total = cum[-1]
    n = max(int(round(total / spacing)), 12)
    s = np.linspace(0.0, total, n, endpoint=False)
    x = np.interp(s, cum, closed[:, 0])
    y = np.interp(s, cum, closed[:, 1])
    return np.column_stack([x, y])


# --------------------------------------------------------------------------------------------
# pores
# --------------------------------------------------------------------------------------------
def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.hypot(v[0], v[1]))
    return v / n if n > 1e-12 else np.zeros(2)


def _pores(rings, pts, e_local, nodes, shares, min_share, pore_size) -> Membrane:
    from scipy.spatial import cKDTree

    tree = cKDTree(pts)
    centroid = pts.mean(axis=0)
    nbrs: list[list[int]] = [[] for _ in range(len(pts))]
    for a, b in e_local:
        nbrs[a].append(int(b))
        nbrs[b].append(int(a))
    owner = [tree.query(r)[1] for r in rings]
    ring_of = np.full(len(pts), 0, dtype=np.int64)
    for r_i, r in enumerate(rings):
        ring_of[point_in_ring(pts, r)] = r_i
    removed = [np.zeros(len(r), dtype=bool) for r in rings]
    pore_rows = []
    arcs = []
    for k in np.flatnonzero(shares > min_share):
        r_i = int(ring_of[k])
        ring = rings[r_i]
        n = len(ring)
        cand = np.flatnonzero(owner[r_i] == k)
        if len(cand) == 0:
            cand = np.array([int(np.argmin(np.hypot(*(ring - pts[k]).T)))])
        out = _unit(pts[k] - centroid)
        if nbrs[k]:
            away = -np.mean([_unit(pts[j] - pts[k]) for j in nbrs[k]], axis=0)
            out = _unit(out + 2.0 * _unit(away))
        rel = ring[cand] - pts[k]
        dist = np.hypot(rel[:, 0], rel[:, 1])
        score = (rel @ out) / np.maximum(dist, 1e-12) if np.any(out) else dist
        c = int(cand[int(np.argmax(score))])
        # the gap: vertices within half the pore's arc length of the centre, along the ring
        closed = np.vstack([ring, ring[:1]])
        seg = np.hypot(*np.diff(closed, axis=0).T)
        total = float(seg.sum())
        size = min(float(shares[k]) * pore_size, 0.95 * total)
        cum = np.concatenate([[0.0], np.cumsum(seg)])[:-1]
        along = (cum - cum[c]) % total
        along = np.minimum(along, total - along)
        gap = along <= 0.5 * size
        gap[c] = True
        removed[r_i] |= gap
        tangent = ring[(c + 1) % n] - ring[(c - 1) % n]
        normal = _unit(np.array([tangent[1], -tangent[0]]))
        idx = np.flatnonzero(gap)
        order = np.argsort((cum[idx] - cum[c] + 0.5 * total) % total)
        arcs.append(ring[idx[order]])
        pore_rows.append((ring[c], size, int(nodes[k]), float(shares[k]), normal))
    wall = []
    for r_i, ring in enumerate(rings):
        gone = removed[r_i]
        if not gone.any():
            wall.append(np.vstack([ring, ring[:1]]))
            continue
        start = int(np.flatnonzero(gone)[0])
        rolled = np.roll(np.arange(len(ring)), -start)  # begins inside a gap
        run: list[int] = []
        for i in rolled:
            if gone[i]:
                if len(run) >= 2:
                    wall.append(ring[run])
                run = []
            else:
                run.append(int(i))
        if len(run) >= 2:
            wall.append(ring[run])
    if pore_rows:
        pos, sizes, pnodes, pshares, normals = zip(*pore_rows)
    else:
        pos, sizes, pnodes, pshares, normals = [], [], [], [], []
    return Membrane(
        outline=list(rings),
        wall=wall,
        pore_positions=np.asarray(pos, dtype=np.float64).reshape(-1, 2),
        pore_sizes=np.asarray(sizes, dtype=np.float64),
        pore_nodes=np.asarray(pnodes, dtype=np.int64),
        pore_shares=np.asarray(pshares, dtype=np.float64),
        pore_normals=np.asarray(normals, dtype=np.float64).reshape(-1, 2),
        pore_arcs=arcs,
        nodes=np.asarray(nodes, dtype=np.int64),
    )
