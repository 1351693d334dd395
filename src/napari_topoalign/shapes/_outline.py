"""Bubble Sets: one set's outline: the isocontour of the field, its holes and cuts, and the
relaxation that keeps the members connected."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree
from skimage.measure import find_contours

from ._bubble_params import _Params
from ._contour import (
    clean_ring,
    decimate_ring,
    make_simple,
    point_in_ring,
    ring_is_simple,
    signed_area,
)
from ._field import _Grid, _obstacle_reach
from ._routing import _virtual_edges

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
        if math.isfinite(cells):
            f = math.sqrt(cells / p.max_cells)
        else:  # pixels so small that the count overflows: the same factor, per axis
            f = math.sqrt((hi[0] - lo[0]) / h + 1) * math.sqrt((hi[1] - lo[1]) / h + 1)
            f /= math.sqrt(p.max_cells)
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
    if grid.size > 4 * p.max_cells:  # the lengths grew with the pixels beyond the budget
        raise ValueError(
            f"max_cells: this set needs a grid of {grid.size:.3g} points even with coarser "
            f"pixels (max_cells={p.max_cells:,}); its lengths (node_r1={p.node_r1:.3g}, "
            f"pixel_size={p.pixel_size:.3g}) are far from the layout's spacing"
        )
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
