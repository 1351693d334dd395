"""Small polygon helpers shared by the shapes: ring cleaning, orientation and a fast test
for self-intersection.

Rings are ``(N, 2)`` float arrays of vertices in order, *not* repeating the first vertex at
the end (the closing edge from the last vertex to the first is implied), which is what napari's
Shapes layer expects for polygons.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "clean_ring",
    "signed_area",
    "ring_is_simple",
    "make_simple",
    "point_in_ring",
    "decimate_ring",
]


def clean_ring(ring: np.ndarray, *, tol: float = 0.0) -> np.ndarray:
    """Drop a repeated closing vertex, consecutive duplicate vertices (closer than ``tol``)
    and spikes (a vertex whose two neighbours coincide).

    Returns a float64 ``(M, 2)`` array; ``M`` may fall below 3 for degenerate input.
    """
    ring = np.asarray(ring, dtype=np.float64).reshape(-1, 2)
    changed = True
    while changed and len(ring) >= 2:
        changed = False
        step = np.roll(ring, -1, axis=0) - ring
        keep = np.hypot(step[:, 0], step[:, 1]) > tol
        if not keep.all():
            if not keep.any():
                return ring[:1]
            ring = ring[keep]
            changed = True
            continue
        if len(ring) >= 3:
            # spike: the previous and the next vertex coincide -> drop the vertex and one twin
            prev_next = np.roll(ring, 1, axis=0) - np.roll(ring, -1, axis=0)
            spike = np.hypot(prev_next[:, 0], prev_next[:, 1]) <= tol
            if spike.any():
                k = int(np.flatnonzero(spike)[0])
                ring = np.delete(ring, [k, (k + 1) % len(ring)], axis=0)
                changed = True
    return ring


def decimate_ring(
    ring: np.ndarray, tol: float, *, passes: int = 3, min_vertices: int = 8
) -> np.ndarray:
    """Drop vertices that lie within ``tol`` of the chord between their two neighbours.

    Each pass looks at every other vertex (so no two removed vertices are adjacent, and each
    decision is made against neighbours that stay), which makes a pass one vectorised step;
    the outline moves by at most ``passes * tol``. The result is not checked here: callers
    re-check simplicity and containment and keep the original when a check fails.
    """
    ring = np.asarray(ring, dtype=np.float64)
    for start in range(passes):
        n = len(ring)
        if n <= min_vertices:
            break
        idx = np.arange(start % 2, n - 1 if n % 2 else n, 2)
        idx = idx[(idx > 0) | (n % 2 == 0)]
        prev = ring[idx - 1]
        nxt = ring[(idx + 1) % n]
        chord = nxt - prev
        length = np.hypot(chord[:, 0], chord[:, 1])
        rel = ring[idx] - prev
        dist = np.abs(chord[:, 0] * rel[:, 1] - chord[:, 1] * rel[:, 0]) / np.where(
            length > 0, length, 1.0
        )
        drop = idx[(dist <= tol) & (length > 0)]
        if len(drop) == 0:
            break
        if n - len(drop) < min_vertices:
            drop = drop[: n - min_vertices]
        ring = np.delete(ring, drop, axis=0)
    return ring


def signed_area(ring: np.ndarray) -> float:
    """Shoelace area of a ring: positive when it winds counter-clockwise (x right, y up)."""
    ring = np.asarray(ring, dtype=np.float64)
    if len(ring) < 3:
        return 0.0
    # relative to the first vertex: far from the origin the plain shoelace sum cancels badly
    x = ring[:, 0] - ring[0, 0]
    y = ring[:, 1] - ring[0, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def point_in_ring(points: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """Even-odd test of which ``points`` (K, 2) lie strictly inside ``ring`` (N, 2).

    Points exactly on the boundary may go either way.
    """
    points = np.atleast_2d(np.asarray(points, dtype=np.float64))
    ring = np.asarray(ring, dtype=np.float64)
    if len(ring) < 3 or len(points) == 0:
        return np.zeros(len(points), dtype=bool)
    a = ring
    b = np.roll(ring, -1, axis=0)
    px = points[:, 0][:, None]
    py = points[:, 1][:, None]
    ay, by = a[:, 1][None, :], b[:, 1][None, :]
    ax, bx = a[:, 0][None, :], b[:, 0][None, :]
    crosses = (ay > py) != (by > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        xint = ax + (py - ay) * (bx - ax) / (by - ay)
    hits = crosses & (px < xint)
    return (hits.sum(axis=1) % 2) == 1


def _orient(ax, ay, bx, by, cx, cy):
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)


def _on_segment(ax, ay, bx, by, cx, cy):
    """c collinear with a-b: is it within the segment's bounding box?"""
    return (
        (np.minimum(ax, bx) <= cx)
        & (cx <= np.maximum(ax, bx))
        & (np.minimum(ay, by) <= cy)
        & (cy <= np.maximum(ay, by))
    )


def _segments_touch(a, b, c, d) -> np.ndarray:
    """Vectorised closed-segment intersection test of pairs a-b and c-d (each (K, 2))."""
    ax, ay, bx, by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
    cx, cy, dx, dy = c[:, 0], c[:, 1], d[:, 0], d[:, 1]
    o1 = _orient(ax, ay, bx, by, cx, cy)
    o2 = _orient(ax, ay, bx, by, dx, dy)
    o3 = _orient(cx, cy, dx, dy, ax, ay)
    o4 = _orient(cx, cy, dx, dy, bx, by)
    proper = (np.sign(o1) * np.sign(o2) < 0) & (np.sign(o3) * np.sign(o4) < 0)
    touch = (
        ((o1 == 0) & _on_segment(ax, ay, bx, by, cx, cy))
        | ((o2 == 0) & _on_segment(ax, ay, bx, by, dx, dy))
        | ((o3 == 0) & _on_segment(cx, cy, dx, dy, ax, ay))
        | ((o4 == 0) & _on_segment(cx, cy, dx, dy, bx, by))
    )
    return proper | touch


def ring_is_simple(ring: np.ndarray) -> bool:
    """Whether the closed ring is a simple polygon: at least 3 vertices, non-zero area, no
    two non-adjacent edges touching or crossing, and no adjacent edges folding back onto each
    other.

    Edges are bucketed on a uniform grid of about two edge lengths, so only edges in the same
    bucket are compared: close to linear time for the rings that contouring produces.
    """
    ring = np.asarray(ring, dtype=np.float64)
    n = len(ring)
    if ring.ndim != 2 or ring.shape[1] != 2 or n < 3 or not np.isfinite(ring).all():
        return False
    if signed_area(ring) == 0.0:
        return False
    a = ring
    b = np.roll(ring, -1, axis=0)
    seg = b - a
    seg_len = np.hypot(seg[:, 0], seg[:, 1])
    if (seg_len == 0).any():
        return False
    # adjacent edges i, i+1 fold back when collinear and pointing against each other
    nxt = np.roll(seg, -1, axis=0)
    cross = seg[:, 0] * nxt[:, 1] - seg[:, 1] * nxt[:, 0]
    dot = (seg * nxt).sum(axis=1)
    if ((cross == 0) & (dot < 0)).any():
        return False
    if n == 3:
        return True
    # bucket edges by the grid cells their bounding boxes cover
    cell = 2.0 * float(np.median(seg_len))
    lo = np.minimum(a, b)
    hi = np.maximum(a, b)
    origin = lo.min(axis=0)
    ilo = np.floor((lo - origin) / cell).astype(np.int64)
    ihi = np.floor((hi - origin) / cell).astype(np.int64)
    span = ihi - ilo + 1
    counts = span[:, 0] * span[:, 1]
    if counts.max() > 64:  # a few very long edges: fall back to a coarser grid
        cell = float(seg_len.max())
        ilo = np.floor((lo - origin) / cell).astype(np.int64)
        ihi = np.floor((hi - origin) / cell).astype(np.int64)
        span = ihi - ilo + 1
        counts = span[:, 0] * span[:, 1]
    edge = np.repeat(np.arange(n), counts)
    local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    cx = ilo[edge, 0] + local % span[edge, 0]
    cy = ilo[edge, 1] + local // span[edge, 0]
    ncols = int(ihi[:, 0].max()) + 2
    key = cy * ncols + cx
    order = np.lexsort((edge, key))
    key = key[order]
    edge = edge[order]
    # all pairs inside each bucket
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:], len(key)]
    size = ends - starts
    group_end = np.repeat(ends, size)
    pos = np.arange(len(key))
    n_after = group_end - pos - 1
    total = int(n_after.sum())
    if total == 0:
        return True
    first = np.repeat(pos, n_after)
    second = first + 1 + (np.arange(total) - np.repeat(np.cumsum(n_after) - n_after, n_after))
    i = edge[first]
    j = edge[second]
    diff = np.abs(i - j)
    nonadjacent = (diff != 1) & (diff != n - 1) & (diff != 0)
    i, j = i[nonadjacent], j[nonadjacent]
    if len(i) == 0:
        return True
    key = np.unique(np.minimum(i, j) * n + np.maximum(i, j))
    i, j = key // n, key % n
    return not bool(_segments_touch(a[i], b[i], a[j], b[j]).any())


def make_simple(ring: np.ndarray, keep_points: np.ndarray | None = None) -> list[np.ndarray]:
    """Turn a ring that may touch or cross itself into simple rings.

    The ring is repaired with shapely's ``make_valid`` (a runtime dependency) and the
    exterior rings of the resulting polygons are returned; if no simple polygon of positive
    area comes out, the convex hull of the ring (simple, and it contains the ring). Rings
    that are already simple come back unchanged. ``keep_points`` is unused by the repair but
    documents that callers re-check membership afterwards.
    """
    ring = clean_ring(ring)
    if ring_is_simple(ring):
        return [ring]
    import shapely
    from shapely.geometry import Polygon

    if len(ring) >= 3:
        geom = shapely.make_valid(Polygon(ring))
        parts = [
            g for g in getattr(geom, "geoms", [geom]) if g.geom_type == "Polygon" and g.area > 0
        ]
        out = []
        for poly in parts:
            r = clean_ring(np.asarray(poly.exterior.coords)[:-1])
            if ring_is_simple(r):
                out.append(r if signed_area(r) > 0 else r[::-1].copy())
        if out:
            return out
    return [_convex_hull(ring)]


def _convex_hull(points: np.ndarray) -> np.ndarray:
    """Counter-clockwise convex hull (monotone chain); degenerate input gives a small square."""
    pts = np.unique(np.asarray(points, dtype=np.float64), axis=0)
    if len(pts) >= 3:

        def half(seq):
            out: list[np.ndarray] = []
            for p in seq:
                while len(out) >= 2 and _orient(*out[-2], *out[-1], *p) <= 0:
                    out.pop()
                out.append(p)
            return out

        lower = half(pts)
        upper = half(pts[::-1])
        hull = np.array(lower[:-1] + upper[:-1])
        if len(hull) >= 3 and signed_area(hull) > 0:
            return hull
    c = pts.mean(axis=0)
    r = max(float(np.ptp(pts, axis=0).max()) if len(pts) > 1 else 0.0, 1e-9)
    return c + r * np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
