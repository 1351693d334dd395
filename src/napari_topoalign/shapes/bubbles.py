"""Bubble Sets: an isocontour around a set of nodes, routed around the other nodes.

Written from the published description of the method in C. Collins, G. Penn and
S. Carpendale, "Bubble Sets: Revealing Set Relations with Isocontours over Existing
Visualizations", IEEE TVCG 15(6), 2009:

1. **Virtual edges.** The members are joined into one connected structure: a minimum
   spanning tree over the members in which the graph's own edges between members cost
   (almost) nothing and any other pair costs its length times one plus the number of
   non-member nodes it passes. Each virtual edge that passes too close to a non-member is
   split at a point displaced around that obstacle, and the two halves are routed again, a
   few times at most.
2. **Energy field.** On a grid of square "pixel groups" over the members' bounding box plus
   a margin, every member node and every member edge (real or virtual) adds a positive
   energy ``w * ((R1 - d) / (R1 - R0)) ** 2`` that falls from ``w`` at distance ``R0`` to
   zero at ``R1``; every non-member node subtracts the same falloff times a negative weight,
   but only where some positive energy is present.
3. **Isocontour.** Marching squares (:func:`skimage.measure.find_contours`) at the energy
   threshold gives the outline.
4. **Relaxation.** While the members do not all lie in one connected region above the
   threshold, the negative weight and the threshold are lowered step by step (the last step
   has no negative energy at all, so the members always end up connected through the virtual
   edges).

The output is a list of simple polygons (one per connected region that holds members,
usually one), in the coordinates of ``positions``. Every member lies strictly inside.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import chain
from typing import Any

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import cKDTree
from skimage.measure import find_contours

from ._contour import (
    clean_ring,
    decimate_ring,
    make_simple,
    point_in_ring,
    ring_is_simple,
    signed_area,
)

__all__ = ["bubble_set", "bubble_sets", "default_scale"]

ProgressFn = Callable[[float, str], Any]


# --------------------------------------------------------------------------------------------
# parameters and input checks
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Params:
    scale: float
    pixel_size: float
    node_r0: float
    node_r1: float
    edge_r0: float
    edge_r1: float
    nonmember_r0: float
    nonmember_r1: float
    node_weight: float
    edge_weight: float
    nonmember_weight: float
    threshold: float
    threshold_relax: float
    max_iterations: int
    route_margin: float
    max_route_splits: int
    virtual_edges: bool
    simplify: float
    hole_area: float
    max_cells: int


def default_scale(positions: np.ndarray) -> float:
    """The typical node spacing of a layout: the median distance from each node to its
    nearest distinct neighbour (1.0 when all nodes coincide)."""
    pts = np.asarray(positions, dtype=np.float64)
    if len(pts) < 2:
        return 1.0
    tree = cKDTree(pts)
    k = min(len(pts), 8)
    dist, _ = tree.query(pts, k=k)
    dist = np.where(dist > 0, dist, np.inf).min(axis=1)
    dist = dist[np.isfinite(dist)]
    if len(dist) == 0:
        return 1.0
    s = float(np.median(dist))
    return s if s > 0 else 1.0


def _positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name}: expected a number, got {value!r}") from exc
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise ValueError(
            f"{name}: expected a {'non-negative' if allow_zero else 'positive'} finite number, got {value!r}"
        )
    return v


def _make_params(
    scale: float,
    *,
    pixel_size=None,
    node_r0=None,
    node_r1=None,
    edge_r0=None,
    edge_r1=None,
    nonmember_r0=None,
    nonmember_r1=None,
    node_weight=1.0,
    edge_weight=1.0,
    nonmember_weight=-0.8,
    threshold=1.0,
    threshold_relax=0.4,
    max_iterations=8,
    route_margin=None,
    max_route_splits=6,
    virtual_edges=True,
    simplify=0.15,
    hole_area=None,
    max_cells=1_000_000,
) -> _Params:
    s = _positive("scale", scale)

    def length(name, value, factor):
        return s * factor if value is None else _positive(name, value)

    node_r0 = length("node_r0", node_r0, 0.3)
    node_r1 = length("node_r1", node_r1, 0.8)
    edge_r0 = length("edge_r0", edge_r0, 0.2)
    edge_r1 = length("edge_r1", edge_r1, 0.55)
    nonmember_r0 = length("nonmember_r0", nonmember_r0, 0.3)
    nonmember_r1 = length("nonmember_r1", nonmember_r1, 0.8)
    for lo_name, lo, hi_name, hi in [
        ("node_r0", node_r0, "node_r1", node_r1),
        ("edge_r0", edge_r0, "edge_r1", edge_r1),
        ("nonmember_r0", nonmember_r0, "nonmember_r1", nonmember_r1),
    ]:
        if not lo < hi:
            raise ValueError(f"{lo_name}: must be smaller than {hi_name} ({lo} >= {hi})")
    pixel_size = length("pixel_size", pixel_size, 0.2)
    if pixel_size > node_r0:
        raise ValueError(
            f"pixel_size: {pixel_size} is larger than node_r0={node_r0}; members could fall outside"
        )
    node_weight = _positive("node_weight", node_weight)
    edge_weight = _positive("edge_weight", edge_weight, allow_zero=True)
    try:
        nonmember_weight = float(nonmember_weight)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"nonmember_weight: expected a number, got {nonmember_weight!r}") from exc
    if not math.isfinite(nonmember_weight) or nonmember_weight > 0:
        raise ValueError(
            f"nonmember_weight: expected a finite number <= 0, got {nonmember_weight!r}"
        )
    threshold = _positive("threshold", threshold)
    threshold_relax = float(threshold_relax)
    if not 0 <= threshold_relax < 1:
        raise ValueError(
            f"threshold_relax: expected a fraction in [0, 1), got {threshold_relax!r}"
        )
    if (
        isinstance(max_iterations, bool)
        or int(max_iterations) != max_iterations
        or max_iterations < 1
    ):
        raise ValueError(f"max_iterations: expected a positive integer, got {max_iterations!r}")
    route_margin = length("route_margin", route_margin, 0.6)
    if (
        isinstance(max_route_splits, bool)
        or int(max_route_splits) != max_route_splits
        or max_route_splits < 0
    ):
        raise ValueError(
            f"max_route_splits: expected a non-negative integer, got {max_route_splits!r}"
        )
    return _Params(
        scale=s,
        pixel_size=pixel_size,
        node_r0=node_r0,
        node_r1=node_r1,
        edge_r0=edge_r0,
        edge_r1=edge_r1,
        nonmember_r0=nonmember_r0,
        nonmember_r1=nonmember_r1,
        node_weight=node_weight,
        edge_weight=edge_weight,
        nonmember_weight=nonmember_weight,
        threshold=threshold,
        threshold_relax=threshold_relax,
        max_iterations=int(max_iterations),
        route_margin=route_margin,
        max_route_splits=int(max_route_splits),
        virtual_edges=bool(virtual_edges),
        simplify=_positive("simplify", simplify, allow_zero=True),
        max_cells=_check_max_cells(max_cells),
        hole_area=s * s * 1.0
        if hole_area is None
        else _positive("hole_area", hole_area, allow_zero=True),
    )


def _check_max_cells(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1000:
        raise ValueError(f"max_cells: expected an integer of at least 1000, got {value!r}")
    return int(value)


_PARAM_NAMES = frozenset(name for name in _Params.__dataclass_fields__ if name != "scale")


def _check_positions(positions) -> np.ndarray:
    try:
        pos = np.asarray(positions)
    except Exception as exc:  # pragma: no cover
        raise TypeError(f"positions: cannot be read as an array ({exc})") from exc
    if (
        pos.dtype == object
        or not np.issubdtype(pos.dtype, np.number)
        or np.issubdtype(pos.dtype, np.complexfloating)
    ):
        raise TypeError(f"positions: expected real numbers, got dtype {pos.dtype}")
    if pos.ndim != 2 or pos.shape[1] != 2:
        raise ValueError(f"positions: expected shape (n_nodes, 2), got {pos.shape}")
    pos = pos.astype(np.float64, copy=False)
    if not np.isfinite(pos).all():
        row = int(np.flatnonzero(~np.isfinite(pos).all(axis=1))[0])
        raise ValueError(f"positions: row {row} is not finite ({pos[row].tolist()})")
    return pos


def _check_nodes(nodes, n: int, name: str) -> np.ndarray:
    """Index array or boolean mask -> sorted unique int64 indices."""
    arr = np.asarray(nodes)
    if arr.dtype == object:
        raise TypeError(f"{name}: expected node indices or a boolean mask, got objects")
    if arr.ndim != 1:
        if arr.size == 0:
            return np.zeros(0, dtype=np.int64)
        raise ValueError(
            f"{name}: expected a 1-D index array or boolean mask, got shape {arr.shape}"
        )
    if arr.dtype == bool:
        if len(arr) != n:
            raise ValueError(
                f"{name}: boolean mask has length {len(arr)}, positions has {n} nodes"
            )
        return np.flatnonzero(arr).astype(np.int64)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(arr.dtype, np.integer):
        if (
            np.issubdtype(arr.dtype, np.floating)
            and np.all(np.isfinite(arr))
            and np.all(arr == np.round(arr))
        ):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(
                f"{name}: expected integer node indices or a boolean mask, got dtype {arr.dtype}"
            )
    arr = arr.astype(np.int64)
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        raise ValueError(f"{name}: node index {int(arr[bad][0])} is out of range for {n} nodes")
    return np.unique(arr)


def _check_edges(edges, n: int) -> np.ndarray:
    if edges is None:
        return np.zeros((0, 2), dtype=np.int64)
    arr = np.asarray(edges)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"edges: expected shape (n_edges, 2), got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        if (
            np.issubdtype(arr.dtype, np.floating)
            and np.all(np.isfinite(arr))
            and np.all(arr == np.round(arr))
        ):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"edges: expected integer node indices, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        raise ValueError(f"edges: node index {int(arr[bad][0])} is out of range for {n} nodes")
    return arr


# --------------------------------------------------------------------------------------------
# virtual edges
# --------------------------------------------------------------------------------------------
def _point_segment_dist(
    points: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distances of ``points`` (K, 2) to the segment a-b and the segment parameter t."""
    ab = b - a
    denom = float(ab @ ab)
    if denom == 0.0:
        t = np.zeros(len(points))
    else:
        t = np.clip((points - a) @ ab / denom, 0.0, 1.0)
    foot = a + t[:, None] * ab
    d = points - foot
    return np.hypot(d[:, 0], d[:, 1]), t


def _blocking(
    obstacles: np.ndarray, a: np.ndarray, b: np.ndarray, margin: float
) -> tuple[np.ndarray, np.ndarray]:
    """Obstacles closer than ``margin`` to a-b, excluding those already that close to an
    endpoint (no route can avoid them). Returns their indices and segment parameters."""
    if len(obstacles) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    d, t = _point_segment_dist(obstacles, a, b)
    da = np.hypot(*(obstacles - a).T)
    db = np.hypot(*(obstacles - b).T)
    hit = (d < margin) & (da >= margin) & (db >= margin)
    idx = np.flatnonzero(hit)
    return idx, t[idx]


def _route(
    a: np.ndarray, b: np.ndarray, obstacles: np.ndarray, margin: float, budget: int
) -> list[np.ndarray]:
    """Polyline from a to b (list of points, both ends included) that bends around obstacles
    closer than ``margin``: the first blocking obstacle is passed on the side the straight
    line already leans to, at 1.5, 2 or 3 margins, picking the first bend point that is itself
    clear of all obstacles (or the one that leaves fewest blocking obstacles)."""
    idx, t = _blocking(obstacles, a, b, margin)
    if len(idx) == 0 or budget <= 0:
        return [a, b]
    first = idx[int(np.argmin(t))]
    o = obstacles[first]
    ab = b - a
    length = math.hypot(*ab)
    if length == 0:
        return [a, b]
    _, t0 = _point_segment_dist(o[None, :], a, b)
    foot = a + t0[0] * ab
    away = foot - o
    dist = math.hypot(*away)
    if dist > 1e-12 * length:
        normal = away / dist
    else:
        normal = np.array([-ab[1], ab[0]]) / length
    best = None
    best_cost = None
    for side in (1.0, -1.0):
        for factor in (1.5, 2.0, 3.0):
            v = o + side * normal * margin * factor
            near = np.hypot(*(obstacles - v).T) < margin
            cost = len(_blocking(obstacles, a, v, margin)[0]) + len(
                _blocking(obstacles, v, b, margin)[0]
            )
            cost += 10 * int(near.any())
            if best_cost is None or cost < best_cost:
                best, best_cost = v, cost
            if cost == 0:
                break
        if best_cost == 0:
            break
    assert best is not None
    left = _route(a, best, obstacles, margin, budget - 1)
    right = _route(best, b, obstacles, margin, budget - 1 - (len(left) - 2))
    return left[:-1] + right


def _count_near_segments(
    a: np.ndarray, b: np.ndarray, obstacles: np.ndarray, margin: float
) -> np.ndarray:
    """How many obstacles lie closer than ``margin`` to each segment a[k]-b[k]."""
    out = np.zeros(len(a), dtype=np.int64)
    if len(obstacles) == 0 or len(a) == 0:
        return out
    if len(a) * len(obstacles) <= 200_000:
        seg = np.repeat(np.arange(len(a)), len(obstacles))
        obs = np.tile(np.arange(len(obstacles)), len(a))
    else:  # only obstacles near each segment, found with a KD-tree
        mid = 0.5 * (a + b)
        half = 0.5 * np.hypot(*(b - a).T) + margin
        hits = cKDTree(obstacles).query_ball_point(mid, half)
        counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=len(hits))
        seg = np.repeat(np.arange(len(a)), counts)
        obs = np.fromiter(chain.from_iterable(hits), dtype=np.int64, count=int(counts.sum()))
    ab = b[seg] - a[seg]
    rel = obstacles[obs] - a[seg]
    denom = np.einsum("ij,ij->i", ab, ab)
    t = np.clip(np.einsum("ij,ij->i", rel, ab) / np.where(denom > 0, denom, 1.0), 0.0, 1.0)
    diff = rel - t[:, None] * ab
    close = np.hypot(diff[:, 0], diff[:, 1]) < margin
    return np.bincount(seg[close], minlength=len(a))


def _virtual_edges(
    mpos: np.ndarray,
    member_edges: np.ndarray,
    obstacles: np.ndarray,
    p: _Params,
) -> list[np.ndarray]:
    """Polylines (each (k, 2)) that join the members into one connected structure, beside
    the graph's own member edges (which cost nothing in the spanning tree)."""
    m = len(mpos)
    if m < 2:
        return []
    # the graph's own edges may already join some members: only pairs of members in
    # different components need a virtual edge
    if len(member_edges):
        n_comp, comp = connected_components(
            coo_matrix(
                (np.ones(len(member_edges)), (member_edges[:, 0], member_edges[:, 1])),
                shape=(m, m),
            ),
            directed=False,
        )
    else:
        n_comp, comp = m, np.arange(m)
    if n_comp == 1:
        return []
    # candidate pairs: all pairs for small sets, k nearest neighbours otherwise
    if m <= 48:
        iu, ju = np.triu_indices(m, k=1)
    else:
        k = min(m - 1, 8)
        _, nb = cKDTree(mpos).query(mpos, k=k + 1)
        iu = np.repeat(np.arange(m), k)
        ju = nb[:, 1:].ravel()
        keep = iu != ju
        iu, ju = np.minimum(iu[keep], ju[keep]), np.maximum(iu[keep], ju[keep])
        key = np.unique(iu * m + ju)
        iu, ju = key // m, key % m
        # a chain through the members in lexicographic order keeps the candidates connected
        chain = np.lexsort((mpos[:, 1], mpos[:, 0]))
        iu = np.r_[iu, np.minimum(chain[:-1], chain[1:])]
        ju = np.r_[ju, np.maximum(chain[:-1], chain[1:])]
        key = np.unique(iu * m + ju)
        iu, ju = key // m, key % m
    cross = comp[iu] != comp[ju]
    iu, ju = iu[cross], ju[cross]
    a = mpos[iu]
    b = mpos[ju]
    length = np.hypot(*(b - a).T)
    # number of obstacles within the routing margin of each candidate segment
    blocked = _count_near_segments(a, b, obstacles, p.route_margin)
    weight = length * (1.0 + blocked) + 1e-9 * p.scale
    # graph edges between members cost (almost) nothing: they are drawn anyway
    tiny = 1e-12 * p.scale
    rows = np.r_[iu, member_edges[:, 0]]
    cols = np.r_[ju, member_edges[:, 1]]
    vals = np.r_[weight, np.full(len(member_edges), tiny)]
    lo = np.minimum(rows, cols)
    hi = np.maximum(rows, cols)
    ok = lo != hi
    # keep the cheapest weight of each pair (coo -> csr would sum duplicates)
    key = lo[ok] * m + hi[ok]
    order = np.lexsort((vals[ok], key))
    first = np.r_[True, key[order][1:] != key[order][:-1]]
    sel = order[first]
    graph = coo_matrix((vals[ok][sel], (lo[ok][sel], hi[ok][sel])), shape=(m, m)).tocsr()
    tree = minimum_spanning_tree(graph).tocoo()
    if len(member_edges):
        real = set(
            zip(
                np.minimum(member_edges[:, 0], member_edges[:, 1]).tolist(),
                np.maximum(member_edges[:, 0], member_edges[:, 1]).tolist(),
            )
        )
    else:
        real = set()
    lines = []
    obstacle_tree = cKDTree(obstacles) if len(obstacles) > 64 else None
    order = np.lexsort((tree.col, tree.row))
    for r, c in zip(tree.row[order].tolist(), tree.col[order].tolist()):
        key2 = (min(r, c), max(r, c))
        if key2 in real:
            continue
        near = obstacles
        if obstacle_tree is not None:
            mid = 0.5 * (mpos[r] + mpos[c])
            reach = 0.5 * math.hypot(*(mpos[r] - mpos[c])) + 4.0 * p.route_margin
            near = obstacles[
                np.sort(np.asarray(obstacle_tree.query_ball_point(mid, reach), dtype=np.int64))
            ]
        pts = _route(mpos[r], mpos[c], near, p.route_margin, p.max_route_splits)
        lines.append(np.asarray(pts))
    return lines


# --------------------------------------------------------------------------------------------
# energy field
# --------------------------------------------------------------------------------------------
def _obstacle_reach(p: _Params) -> float:
    """How far beyond the members' bounding box non-members are considered."""
    return 3.5 * p.route_margin + max(p.node_r1, p.nonmember_r1)


class _Grid:
    """Grid points ``(x0 + j h, y0 + i h)`` for ``i < ny``, ``j < nx``."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, h: float):
        self.h = h
        self.x0 = float(lo[0])
        self.y0 = float(lo[1])
        self.nx = int(math.ceil((hi[0] - lo[0]) / h)) + 1
        self.ny = int(math.ceil((hi[1] - lo[1]) / h)) + 1
        self.size = self.nx * self.ny

    def node_field(self, pts: np.ndarray, r0: float, r1: float) -> np.ndarray:
        """Sum over points of ``((r1 - d) / (r1 - r0))**2`` for d < r1 (flat array)."""
        out = np.zeros(self.size)
        if len(pts) == 0:
            return out
        h = self.h
        k = int(math.ceil(r1 / h)) + 1
        di, dj = np.mgrid[-k : k + 1, -k : k + 1]
        di = di.ravel()
        dj = dj.ravel()
        ci = np.rint((pts[:, 1] - self.y0) / h).astype(np.int64)
        cj = np.rint((pts[:, 0] - self.x0) / h).astype(np.int64)
        ii = ci[:, None] + di[None, :]
        jj = cj[:, None] + dj[None, :]
        gx = self.x0 + jj * h
        gy = self.y0 + ii * h
        d = np.hypot(gx - pts[:, 0:1], gy - pts[:, 1:2])
        ok = (d < r1) & (ii >= 0) & (ii < self.ny) & (jj >= 0) & (jj < self.nx)
        val = ((r1 - d[ok]) / (r1 - r0)) ** 2
        out += np.bincount(ii[ok] * self.nx + jj[ok], weights=val, minlength=self.size)
        return out

    def segment_field(self, a: np.ndarray, b: np.ndarray, r0: float, r1: float) -> np.ndarray:
        """Sum over segments a-b of the same falloff of the distance to the segment."""
        out = np.zeros(self.size)
        if len(a) == 0:
            return out
        h = self.h
        lo = np.minimum(a, b) - r1
        hi = np.maximum(a, b) + r1
        j0 = np.clip(np.floor((lo[:, 0] - self.x0) / h).astype(np.int64), 0, self.nx - 1)
        j1 = np.clip(np.ceil((hi[:, 0] - self.x0) / h).astype(np.int64), 0, self.nx - 1)
        i0 = np.clip(np.floor((lo[:, 1] - self.y0) / h).astype(np.int64), 0, self.ny - 1)
        i1 = np.clip(np.ceil((hi[:, 1] - self.y0) / h).astype(np.int64), 0, self.ny - 1)
        w = j1 - j0 + 1
        counts = w * (i1 - i0 + 1)
        seg = np.repeat(np.arange(len(a)), counts)
        local = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        jj = j0[seg] + local % w[seg]
        ii = i0[seg] + local // w[seg]
        px = self.x0 + jj * h
        py = self.y0 + ii * h
        ax, ay = a[seg, 0], a[seg, 1]
        abx, aby = b[seg, 0] - ax, b[seg, 1] - ay
        denom = abx * abx + aby * aby
        denom = np.where(denom > 0, denom, 1.0)
        t = np.clip(((px - ax) * abx + (py - ay) * aby) / denom, 0.0, 1.0)
        d = np.hypot(px - ax - t * abx, py - ay - t * aby)
        ok = d < r1
        val = ((r1 - d[ok]) / (r1 - r0)) ** 2
        out += np.bincount(ii[ok] * self.nx + jj[ok], weights=val, minlength=self.size)
        return out

    def corner_cells(self, pts: np.ndarray) -> np.ndarray:
        """Flat indices of the four grid points around each point (K, 4)."""
        fi = np.floor((pts[:, 1] - self.y0) / self.h).astype(np.int64)
        fj = np.floor((pts[:, 0] - self.x0) / self.h).astype(np.int64)
        fi = np.clip(fi, 0, self.ny - 2)
        fj = np.clip(fj, 0, self.nx - 2)
        base = fi * self.nx + fj
        return np.stack([base, base + 1, base + self.nx, base + self.nx + 1], axis=1)


# --------------------------------------------------------------------------------------------
# holes
# --------------------------------------------------------------------------------------------
_EIGHT = np.ones((3, 3), dtype=bool)


def _holes_and_cuts(
    region: np.ndarray, grid: _Grid, obstacles: np.ndarray, corner_flat: np.ndarray, p: _Params
):
    """Decide which holes of the region stay open and cut each open one to the outside.

    Returns the flat boolean "solid" mask (the region with its closed holes filled and its
    open holes left out) and the flat indices of the cut grid points. A hole stays open when
    a non-member lies in it or when it is at least ``hole_area`` large, and when a straight cut
    (right, left, down or up from the hole's extreme point in that direction) reaches the
    outside without touching the grid points around a member; otherwise it is filled.
    Connectivity follows marching squares with low values fully connected: holes and the
    outside are 8-connected.
    """
    # background components (8-connected) that do not touch the border are the holes
    bg_labels, n_bg = ndimage.label(~region, structure=_EIGHT)
    border = np.unique(
        np.concatenate([bg_labels[0], bg_labels[-1], bg_labels[:, 0], bg_labels[:, -1]])
    )
    if n_bg == len(border[border > 0]):
        return region.ravel().copy(), np.zeros(0, dtype=np.int64)
    is_hole = np.ones(n_bg + 1, dtype=bool)
    is_hole[border] = False
    is_hole[0] = False
    holes = is_hole[bg_labels]
    filled = region | holes
    flat_filled = filled.ravel()
    hole_labels, n_holes = ndimage.label(holes, structure=_EIGHT)
    hole_flat = hole_labels.ravel()
    area = np.bincount(hole_flat, minlength=n_holes + 1) * grid.h**2
    open_hole = area >= p.hole_area
    if len(obstacles):
        oi = np.rint((obstacles[:, 1] - grid.y0) / grid.h).astype(np.int64)
        oj = np.rint((obstacles[:, 0] - grid.x0) / grid.h).astype(np.int64)
        ok = (oi >= 0) & (oi < grid.ny) & (oj >= 0) & (oj < grid.nx)
        open_hole[hole_labels[oi[ok], oj[ok]]] = True
    open_hole[0] = False
    solid = flat_filled.copy()
    forbidden = np.zeros(grid.size, dtype=bool)
    forbidden[corner_flat] = True
    cuts: list[np.ndarray] = []
    ny, nx = grid.ny, grid.nx
    # holes are opened one at a time; each cut runs through solid ground only and stops at
    # the first point already connected to the outside (the outside, an opened hole or a cut)
    for lab in np.flatnonzero(open_hole).tolist():
        members_of_hole = hole_flat == lab
        if not solid[members_of_hole].all():  # an earlier cut already ran through this hole
            solid[members_of_hole] = False
            continue
        ii, jj = np.nonzero(hole_labels == lab)
        best = None
        for di, dj in ((0, 1), (0, -1), (1, 0), (-1, 0)):
            key = di * ii + dj * jj
            k = int(np.argmax(key))
            i, j = int(ii[k]) + di, int(jj[k]) + dj
            path = []
            valid = True
            while 0 <= i < ny and 0 <= j < nx and solid[i * nx + j]:
                f = i * nx + j
                if forbidden[f]:
                    valid = False
                    break
                if hole_flat[f] != lab:
                    path.append(f)
                i += di
                j += dj
            if valid and (best is None or len(path) < len(best)):
                best = path
        if best is None:
            continue  # no clean cut: the hole stays filled
        solid[members_of_hole] = False
        solid[best] = False
        cuts.append(np.asarray(best, dtype=np.int64))
    return solid, (np.concatenate(cuts) if cuts else np.zeros(0, dtype=np.int64))


# --------------------------------------------------------------------------------------------
# one set
# --------------------------------------------------------------------------------------------
def _bubble(
    pos: np.ndarray,
    members: np.ndarray,
    member_edges_global: np.ndarray,
    obstacle_candidates: np.ndarray,
    p: _Params,
) -> list[np.ndarray]:
    mpos = pos[members]
    m = len(mpos)
    # member edges in local numbering
    if len(member_edges_global):
        local = np.full(len(pos), -1, dtype=np.int64)
        local[members] = np.arange(m)
        member_edges = local[member_edges_global]
    else:
        member_edges = np.zeros((0, 2), dtype=np.int64)
    obstacles = pos[obstacle_candidates]
    # only obstacles near the members matter for routing
    reach = _obstacle_reach(p)
    lo = mpos.min(axis=0) - reach
    hi = mpos.max(axis=0) + reach
    near = np.all((obstacles >= lo) & (obstacles <= hi), axis=1)
    obstacles = obstacles[near]

    lines = _virtual_edges(mpos, member_edges, obstacles, p) if p.virtual_edges else []

    # segments: real member edges plus the pieces of the virtual edges
    seg_a = [mpos[member_edges[:, 0]]] if len(member_edges) else []
    seg_b = [mpos[member_edges[:, 1]]] if len(member_edges) else []
    for line in lines:
        seg_a.append(line[:-1])
        seg_b.append(line[1:])
    a = np.concatenate(seg_a) if seg_a else np.zeros((0, 2))
    b = np.concatenate(seg_b) if seg_b else np.zeros((0, 2))

    # grid over everything positive, with a margin so that no contour touches the border
    reach = max(p.node_r1, p.edge_r1) + 2 * p.pixel_size
    pts = np.concatenate([mpos, a, b]) if len(a) else mpos
    lo = pts.min(axis=0) - reach
    hi = pts.max(axis=0) + reach
    h = p.pixel_size
    cells = ((hi[0] - lo[0]) / h + 1) * ((hi[1] - lo[1]) / h + 1)
    if cells > p.max_cells:
        # a set spread far beyond its node spacing: coarser pixels keep memory and time bounded
        # (members stay inside: the grid points around them are always above the threshold)
        f = math.sqrt(cells / p.max_cells)
        h *= f
        # every length grows with the pixels, as if the node spacing were f times larger
        p = replace(
            p,
            pixel_size=h,
            node_r0=p.node_r0 * f,
            node_r1=p.node_r1 * f,
            edge_r0=p.edge_r0 * f,
            edge_r1=p.edge_r1 * f,
            nonmember_r0=p.nonmember_r0 * f,
            nonmember_r1=p.nonmember_r1 * f,
            hole_area=p.hole_area * f * f,
        )
        reach = max(p.node_r1, p.edge_r1) + 2 * h
        lo = pts.min(axis=0) - reach
        hi = pts.max(axis=0) + reach
    grid = _Grid(lo, hi, h)
    inside = np.all((obstacles > lo - p.nonmember_r1) & (obstacles < hi + p.nonmember_r1), axis=1)
    obstacles = obstacles[inside]

    positive = p.node_weight * grid.node_field(mpos, p.node_r0, p.node_r1)
    if len(a) and p.edge_weight > 0:
        positive += p.edge_weight * grid.segment_field(a, b, p.edge_r0, p.edge_r1)
    negative = grid.node_field(obstacles, p.nonmember_r0, p.nonmember_r1)
    negative *= positive > 0

    corners = grid.corner_cells(mpos)
    corner_flat = corners.ravel()
    shape = (grid.ny, grid.nx)
    n_iter = p.max_iterations
    for it in range(n_iter):
        frac = it / (n_iter - 1) if n_iter > 1 else 1.0
        w_neg = p.nonmember_weight * (1.0 - frac)
        level = p.threshold * (1.0 - p.threshold_relax * frac)
        energy = positive + w_neg * negative if w_neg != 0 else positive.copy()
        above = energy > level
        above[corner_flat] = True
        labels, _ = ndimage.label(above.reshape(shape))
        labels = labels.ravel()
        member_labels = np.unique(labels[corner_flat])
        if len(member_labels) == 1:
            break
    region = np.isin(labels, member_labels).reshape(shape)
    solid, cuts = _holes_and_cuts(region, grid, obstacles, corner_flat, p)
    delta = 1e-6 * level
    field = np.where(solid, np.maximum(energy, level + delta), np.minimum(energy, level - delta))
    field = field.reshape(shape)
    if len(cuts):
        # a cut through the wall, a hair below the level: the outline runs into the hole and
        # back out along two walls that almost touch, so the hole shows in a simple polygon
        field.ravel()[cuts] = level - 1e-3 * level

    rings = find_contours(field, level)
    out: list[np.ndarray] = []
    h = grid.h
    for rc in rings:
        xy = np.empty_like(rc)
        xy[:, 0] = grid.x0 + rc[:, 1] * h
        xy[:, 1] = grid.y0 + rc[:, 0] * h
        ring = clean_ring(xy, tol=1e-9 * h)
        if len(ring) < 3:
            continue
        area = signed_area(ring)
        if area < 0:
            ring = ring[::-1].copy()
        if p.simplify > 0:
            # fewer vertices, unless that loses a member or makes the ring touch itself
            small = decimate_ring(ring, p.simplify * h)
            if len(small) < len(ring) and ring_is_simple(small):
                # only members within reach of the outline can change side
                bound = 3 * p.simplify * h + 1.5 * h
                d, _ = cKDTree(ring).query(mpos, distance_upper_bound=bound)
                near = mpos[d < bound]
                if np.array_equal(point_in_ring(near, small), point_in_ring(near, ring)):
                    out.append(small)
                    continue
        if not ring_is_simple(ring):
            out.extend(make_simple(ring))
        else:
            out.append(ring)
    # drop rings nested in another ring (cannot normally happen after hole filling)
    if len(out) > 1:
        keep_ring = [True] * len(out)
        for i, r in enumerate(out):
            for j, q in enumerate(out):
                if i != j and keep_ring[j] and abs(signed_area(q)) > abs(signed_area(r)):
                    if point_in_ring(r[:1], q)[0]:
                        keep_ring[i] = False
                        break
        out = [r for r, k in zip(out, keep_ring) if k]
    return out


def _prepare(positions, edges, params, scale):
    pos = _check_positions(positions)
    e = _check_edges(edges, len(pos))
    if scale is None:
        scale = default_scale(pos)
    unknown = sorted(set(params) - _PARAM_NAMES)
    if unknown:
        raise TypeError(f"unknown parameter(s) {unknown}; known: {sorted(_PARAM_NAMES)}")
    p = _make_params(scale, **params)
    return pos, e, p


def _member_edges(edges: np.ndarray, is_member: np.ndarray) -> np.ndarray:
    if len(edges) == 0:
        return edges
    sel = is_member[edges[:, 0]] & is_member[edges[:, 1]] & (edges[:, 0] != edges[:, 1])
    # each undirected edge once, in a canonical order (so every path sums the same terms)
    return np.unique(np.sort(edges[sel], axis=1), axis=0)


def bubble_set(
    positions,
    members,
    *,
    edges=None,
    non_members=None,
    scale: float | None = None,
    **params,
) -> list[np.ndarray]:
    """Outline one set of nodes with a Bubble Set (Collins, Penn and Carpendale 2009).

    Parameters
    ----------
    positions : array-like of shape (n_nodes, 2)
        Node positions (x, y); the polygons come back in the same coordinates.
    members : array-like of int or bool
        The set: node indices, or a boolean mask of length ``n_nodes``.
    edges : array-like of shape (n_edges, 2), optional
        The graph's edges. Those joining two members get positive energy and are used
        before any virtual edge.
    non_members : array-like of int or bool, optional
        Nodes the outline should avoid (negative energy, routing obstacles). By default
        every node that is not a member.
    scale : float, optional
        The typical node spacing; all default lengths are multiples of it. By default the
        median nearest-neighbour distance of ``positions`` (see :func:`default_scale`).
    **params
        Tuning, all optional (lengths in position units):

        - ``pixel_size`` (0.2 scale): side of the grid's pixel groups;
        - ``node_r0``, ``node_r1`` (0.3, 0.8 scale): the member node falloff, energy
          ``node_weight`` at ``node_r0`` and 0 at ``node_r1``;
        - ``edge_r0``, ``edge_r1`` (0.2, 0.55 scale): the same for member edges (real and
          virtual);
        - ``nonmember_r0``, ``nonmember_r1`` (0.3, 0.8 scale): the same for non-members;
        - ``node_weight`` (1), ``edge_weight`` (1), ``nonmember_weight`` (-0.8);
        - ``threshold`` (1): the energy of the outline;
        - ``threshold_relax`` (0.4): the fraction by which the threshold is lowered by
          the last relaxation step;
        - ``max_iterations`` (8): relaxation steps; the negative weight falls linearly to 0
          at the last one;
        - ``route_margin`` (0.6 scale): how far virtual edges keep from non-members;
        - ``max_route_splits`` (6): how many bends one virtual edge may get;
        - ``virtual_edges`` (True): join the members with routed virtual edges;
        - ``simplify`` (0.15): drop outline vertices closer than this many pixel sizes to
          the chord of their neighbours (3 passes at most; 0 keeps every vertex of the
          marching squares);
        - ``hole_area`` (1 scale²): holes of the region at least this large stay open, and
          so does any hole holding a non-member; smaller empty holes are filled. An open
          hole is joined to the outside by a cut of (almost) zero width, so the polygon stays
          simple and shows the hole (a loop of members stays a ring);
        - ``max_cells`` (1,000,000): the most grid points of one set; a set spread far
          beyond its node spacing gets coarser pixels instead of unbounded memory.

    Returns
    -------
    list of ndarray of shape (k, 2)
        Simple polygons (counter-clockwise, first vertex not repeated), one per connected
        region holding members; empty when ``members`` is empty. Every member lies strictly
        inside one of them.

    Raises
    ------
    TypeError, ValueError
        Bad positions, node indices, edges or parameters (the message names which).
    """
    pos, e, p = _prepare(positions, edges, params, scale)
    n = len(pos)
    mem = _check_nodes(members, n, "members")
    if len(mem) == 0:
        return []
    is_member = np.zeros(n, dtype=bool)
    is_member[mem] = True
    if non_members is None:
        others = np.flatnonzero(~is_member)
    else:
        others = _check_nodes(non_members, n, "non_members")
        others = others[~is_member[others]]
    return _bubble(pos, mem, _member_edges(e, is_member), others, p)


def bubble_sets(
    positions,
    sets: Sequence,
    *,
    edges=None,
    scale: float | None = None,
    progress: ProgressFn | None = None,
    **params,
) -> list[list[np.ndarray]]:
    """Bubble Sets for many sets of nodes of one layout at once.

    Each set avoids every node that is not in it. The work that the sets share (input
    checks, the node spacing, one KD-tree of all nodes to find the non-members near each set,
    the adjacency of the edges) is done once.

    Parameters
    ----------
    positions : array-like of shape (n_nodes, 2)
    sets : sequence of array-like of int or bool
        One member set per entry (indices or boolean masks).
    edges : array-like of shape (n_edges, 2), optional
    scale : float, optional
    progress : callable(fraction, message), optional
        Called after every few sets; raising from it stops the computation.
    **params
        As for :func:`bubble_set`.

    Returns
    -------
    list of list of ndarray
        For each set, the polygons :func:`bubble_set` would return for it.
    """
    pos, e, p = _prepare(positions, edges, params, scale)
    n = len(pos)
    if isinstance(sets, np.ndarray) and sets.dtype == bool and sets.ndim == 2:
        sets = list(sets)
    try:
        sets = list(sets)
    except TypeError as exc:
        raise TypeError(
            f"sets: expected a sequence of member sets, got {type(sets).__name__}"
        ) from exc
    tree = cKDTree(pos) if n else None
    reach = math.sqrt(2.0) * _obstacle_reach(p)
    out: list[list[np.ndarray]] = []
    is_member = np.zeros(n, dtype=bool)
    if len(e):
        # edges sorted by their first node, to pick each set's member edges quickly
        both = np.concatenate([e, e[:, ::-1]])
        both = both[both[:, 0] != both[:, 1]]
        order = np.argsort(both[:, 0], kind="stable")
        both = both[order]
        starts = np.searchsorted(both[:, 0], np.arange(n + 1))
    for k, members in enumerate(sets):
        mem = _check_nodes(members, n, f"sets[{k}]")
        if len(mem) == 0:
            out.append([])
            continue
        is_member[mem] = True
        mpos = pos[mem]
        lo = mpos.min(axis=0)
        hi = mpos.max(axis=0)
        centre = 0.5 * (lo + hi)
        radius = 0.5 * float(np.hypot(*(hi - lo))) + reach
        cand = np.asarray(tree.query_ball_point(centre, radius), dtype=np.int64)
        cand = np.sort(cand[~is_member[cand]])
        if len(e):
            idx = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in mem])
            sub = both[idx]
            sub = np.unique(sub[is_member[sub[:, 1]] & (sub[:, 0] < sub[:, 1])], axis=0)
        else:
            sub = e
        out.append(_bubble(pos, mem, sub, cand, p))
        is_member[mem] = False
        if progress is not None and (k % 8 == 7 or k == len(sets) - 1):
            progress((k + 1) / len(sets), f"bubble sets: {k + 1}/{len(sets)}")
    return out
