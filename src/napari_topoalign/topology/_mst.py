"""Exact minimum spanning tree of a point cloud, for any number of points.

The H0 persistence diagram of the Vietoris-Rips filtration of a finite metric space is read
off its minimum spanning tree: every MST edge of length ``w`` kills one component at ``w``
(all components are born at 0). So H0 needs the *exact* MST of the complete graph, not of
an approximate neighbour graph.

Algorithm: Boruvka rounds with certificates from an exact k-nearest-neighbour list.

1. One exact kNN query (scikit-learn's ``NearestNeighbors``: brute-force BLAS in high
   dimension, a KD/ball tree in low dimension) gives, for every point ``p``, its ``k`` nearest
   other points and ``d_k(p)``, the distance to the ``k``-th one.
2. A Boruvka round needs, for every component ``C`` of the current forest, its shortest edge
   to another component. For a point ``p`` of ``C`` whose kNN list holds a point outside
   ``C``, the first such point *is* its nearest outside point (the list is exact and sorted).
   A point whose whole list lies inside ``C`` has no outside point closer than ``d_k(p)``.
   So the component's best candidate ``b`` (the shortest edge out of ``C`` found in the
   lists) is certified unless some point with a list inside ``C`` has ``d_k(p) < b``; only
   those points are queried exactly, against all points outside ``C`` (blocked BLAS).
3. The shortest edge of every component is added (ties broken by the edge's end indices,
   cycles refused with a union-find), the components are merged, and the round repeats.

Every edge added is the shortest edge leaving a component (the cut property), so the tree
is a minimum spanning tree of the complete graph. The lengths returned are recomputed
directly from the coordinates (``sqrt(sum((x_u - x_v)**2))`` for the Euclidean metric).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._utils.progress import report

__all__ = ["minimum_spanning_tree"]

#: The exact per-point queries are computed in blocks of about this many distances.
_BLOCK_CELLS = 1 << 24
#: The pivot bound is used while there are at most this many components.
_MAX_BOUND_COMPONENTS = 512


def _pair_distances(X, u, v, metric):
    """Distances of the pairs ``(u[i], v[i])`` computed directly from the coordinates."""
    if len(u) == 0:
        return np.zeros(0)
    if metric == "euclidean":
        diff = X[u] - X[v]
        return np.sqrt(np.einsum("ij,ij->i", diff, diff))
    from sklearn.metrics.pairwise import paired_distances

    return paired_distances(X[u], X[v], metric=metric)


def _knn(X, k, metric, n_jobs):
    """The ``k`` nearest other points of every point (self removed even among duplicates)."""
    from sklearn.neighbors import NearestNeighbors

    n = X.shape[0]
    nn = NearestNeighbors(n_neighbors=min(k + 1, n), metric=metric, n_jobs=n_jobs).fit(X)
    dist, idx = nn.kneighbors(X)
    rows = np.arange(n)[:, None]
    is_self = idx == rows
    # drop self where it appears, else the last column (a duplicate took self's place)
    drop = np.where(is_self.any(axis=1), is_self.argmax(axis=1), idx.shape[1] - 1)
    keep = np.ones_like(idx, dtype=bool)
    keep[np.arange(n), drop] = False
    idx = idx[keep].reshape(n, -1)
    dist = dist[keep].reshape(n, -1)
    return idx, dist


#: scipy's names of the metrics (``cdist``) for those scikit-learn names differently.
_SCIPY_METRIC = {"manhattan": "cityblock", "l1": "cityblock", "l2": "euclidean"}


class RowDistances:
    """Distances from some rows of ``X`` to all rows, computed without re-validating ``X``
    on every call: for the Euclidean metric through BLAS (``|x|^2 + |y|^2 - 2 x.y``, with
    the squared norms computed once), otherwise with scipy's ``cdist``."""

    def __init__(self, X, metric="euclidean"):
        self.X = X
        self.metric = metric
        self.sq = np.einsum("ij,ij->i", X, X) if metric == "euclidean" else None

    def __call__(self, rows) -> np.ndarray:
        rows = np.atleast_1d(np.asarray(rows, dtype=np.int64))
        if self.sq is not None:
            D = self.X[rows] @ self.X.T
            D *= -2.0
            D += self.sq[rows][:, None]
            D += self.sq[None, :]
            np.maximum(D, 0.0, out=D)
            np.sqrt(D, out=D)
            D[np.arange(len(rows)), rows] = 0.0
            return D
        from scipy.spatial.distance import cdist

        return cdist(self.X[rows], self.X, metric=_SCIPY_METRIC.get(self.metric, self.metric))

    def between(self, row: int, cols) -> np.ndarray:
        """Distances from row ``row`` to the rows ``cols`` (a vector)."""
        cols = np.asarray(cols, dtype=np.int64)
        if self.sq is not None:
            d = self.X[cols] @ self.X[row]
            d *= -2.0
            d += self.sq[cols]
            d += self.sq[row]
            np.maximum(d, 0.0, out=d)
            return np.sqrt(d, out=d)
        from scipy.spatial.distance import cdist

        return cdist(
            self.X[row : row + 1], self.X[cols], metric=_SCIPY_METRIC.get(self.metric, self.metric)
        )[0]


def _exact_outside(dist: RowDistances, points, comp):
    """For each of ``points``: its nearest point in another component (index, distance)."""
    n = dist.X.shape[0]
    block = max(1, _BLOCK_CELLS // max(n, 1))
    best_q = np.empty(len(points), dtype=np.int64)
    best_d = np.empty(len(points))
    for start in range(0, len(points), block):
        p = points[start : start + block]
        D = dist(p)
        D[comp[p][:, None] == comp[None, :]] = np.inf
        j = np.argmin(D, axis=1)
        best_q[start : start + block] = j
        best_d[start : start + block] = D[np.arange(len(p)), j]
    return best_q, best_d


def _pivots(dist: RowDistances, m):
    """``m`` farthest-point pivots (from point 0) and every point's distances to them."""
    n = dist.X.shape[0]
    piv = np.empty(m, dtype=np.int64)
    piv[0] = 0
    near = dist([0])[0]
    for j in range(1, m):
        piv[j] = int(np.argmax(near))
        np.minimum(near, dist([piv[j]])[0], out=near)
    P = np.empty((n, m))
    for s in range(0, m, 64):
        P[:, s : s + 64] = dist(piv[s : s + 64]).T
    return piv, P


def _pivot_bound(P, comp, n_comp, points):
    """A lower bound of the distance from each of ``points`` to the nearest point of another
    component, by the triangle inequality through the pivots: for a component ``D`` whose
    distances to pivot ``j`` lie in ``[lo, hi]``, ``d(p, D) >= max(lo - P[p, j], P[p, j] - hi)``."""
    order = np.argsort(comp, kind="stable")
    starts = np.flatnonzero(np.r_[True, comp[order][1:] != comp[order][:-1]])
    Ps = P[order]
    lo = np.minimum.reduceat(Ps, starts, axis=0)  # (n_comp, m)
    hi = np.maximum.reduceat(Ps, starts, axis=0)
    out = np.empty(len(points))
    step = max(1, _BLOCK_CELLS // max(1, n_comp * P.shape[1]))
    for s in range(0, len(points), step):
        p = points[s : s + step]
        Pp = P[p][:, None, :]  # (b, 1, m)
        bound = np.maximum(lo[None] - Pp, Pp - hi[None]).max(axis=2)  # (b, n_comp)
        bound[np.arange(len(p)), comp[p]] = np.inf
        out[s : s + step] = bound.min(axis=1)
    return out


class _UnionFind:
    def __init__(self, n):
        self.parent = np.arange(n)

    def find(self, a):
        parent = self.parent
        root = a
        while parent[root] != root:
            root = parent[root]
        while parent[a] != root:
            parent[a], a = root, parent[a]
        return root

    def union(self, a, b) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        self.parent[max(ra, rb)] = min(ra, rb)
        return True


def minimum_spanning_tree(
    X, *, metric="euclidean", k=16, n_pivots=128, n_jobs=None, progress=None
):
    """The exact minimum spanning tree of the complete graph on the rows of ``X``.

    Parameters
    ----------
    X : ndarray of shape (n, d)
        Finite coordinates (checked by the caller).
    metric : str
        A metric scikit-learn's ``pairwise_distances`` knows.
    k : int
        Length of the kNN lists that certify most Boruvka choices (any ``k >= 1`` gives the
        same tree; it only changes how many points are queried exactly).
    n_pivots : int
        Farthest-point pivots whose triangle-inequality bounds spare exact queries of
        points far from every other component (0: none; no effect on the tree).
    n_jobs : int, optional
        Threads of the kNN query.
    progress : callable, optional
        ``progress(fraction, message)``; may raise ``Cancelled``.

    Returns
    -------
    edges : ndarray of shape (n - 1, 2), int64
        The tree's edges ``(u, v)`` with ``u < v``, sorted by length.
    weights : ndarray of shape (n - 1,), float64
        Their lengths, ascending.
    stats : dict
        ``rounds``, ``queried`` (points queried exactly) and ``k``.
    """
    n = X.shape[0]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0), {"rounds": 0, "queried": 0, "k": 0}
    k = int(min(max(1, k), n - 1))
    report(progress, 0.0, f"exact {k}-nearest neighbours of {n} points")
    nbr, nd = _knn(X, k, metric, n_jobs)
    dk = nd[:, -1]
    dist = RowDistances(X, metric)
    pivots = P = None
    if n_pivots and n > 4 * n_pivots:
        report(progress, 0.45, f"distances to {n_pivots} pivots")
        pivots, P = _pivots(dist, n_pivots)
    report(progress, 0.5, "Boruvka rounds")
    uf = _UnionFind(n)
    tree_u: list[int] = []
    tree_v: list[int] = []
    comp = np.arange(n)
    n_comp = n
    rounds = 0
    queried = 0
    rows = np.arange(n)
    while n_comp > 1:
        rounds += 1
        outside = comp[nbr] != comp[:, None]
        has = outside.any(axis=1)
        first = outside.argmax(axis=1)
        cand_q = np.where(has, nbr[rows, first], -1)
        cand_d = np.where(has, nd[rows, first], np.inf)
        best = np.full(n_comp, np.inf)
        np.minimum.at(best, comp, cand_d)
        need = np.flatnonzero(~has & (dk < best[comp]))
        if need.size and pivots is not None and n_comp <= _MAX_BOUND_COMPONENTS:
            # best first: points with the smallest lower bound are queried first, and a
            # point whose bound reaches its component's best edge so far is never queried
            bound = np.maximum(dk[need], _pivot_bound(P, comp, n_comp, need))
            order = np.argsort(bound, kind="stable")
            need, bound = need[order], bound[order]
            batch = 256
            while need.size:
                alive = bound < best[comp[need]]
                need, bound = need[alive], bound[alive]
                take, need, bound = need[:batch], need[batch:], bound[batch:]
                if take.size == 0:
                    break
                queried += int(take.size)
                q, d = _exact_outside(dist, take, comp)
                cand_q[take] = q
                cand_d[take] = d
                np.minimum.at(best, comp[take], d)
                batch *= 2
        elif need.size:
            queried += int(need.size)
            q, d = _exact_outside(dist, need, comp)
            cand_q[need] = q
            cand_d[need] = d
        # the shortest edge out of each component; ties broken by (min end, max end)
        lo = np.minimum(rows, cand_q)
        hi = np.maximum(rows, cand_q)
        order = np.lexsort((hi, lo, cand_d, comp))
        firsts = order[np.r_[True, comp[order][1:] != comp[order][:-1]]]
        chosen = firsts[np.isfinite(cand_d[firsts])]
        chosen = chosen[np.lexsort((hi[chosen], lo[chosen], cand_d[chosen]))]
        for p in chosen.tolist():
            q = int(cand_q[p])
            if uf.union(p, q):
                tree_u.append(min(p, q))
                tree_v.append(max(p, q))
        graph = sp.coo_matrix((np.ones(len(tree_u)), (tree_u, tree_v)), shape=(n, n))
        n_comp, comp = connected_components(graph, directed=False)
        report(
            progress,
            0.5 + 0.5 * (1.0 - n_comp / n),
            f"Boruvka round {rounds}: {n_comp} components",
        )
    u = np.asarray(tree_u, dtype=np.int64)
    v = np.asarray(tree_v, dtype=np.int64)
    w = _pair_distances(X, u, v, metric)
    order = np.lexsort((v, u, w))
    edges = np.c_[u[order], v[order]]
    return edges, w[order], {"rounds": rounds, "queried": queried, "k": k}
