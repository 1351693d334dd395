"""Bubble Sets: virtual edges joining the members, routed around non-members."""

from __future__ import annotations

import math
from itertools import chain

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree
from scipy.spatial import cKDTree

from ._bubble_params import _Params


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
