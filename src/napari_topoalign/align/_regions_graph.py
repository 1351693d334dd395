"""Graph helpers of the matching-regions search: adjacency, two-step closure, units, cycles.

A *block* of a graph (a biconnected component with at least three nodes: a loop, a blob, a
mesh) is the piece of structure a fold or a torn edge inside it is stated about: a loop cut
open is a difference of the whole loop, not of the one edge where it was cut.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._utils.graph import csr_adjacency
from ..model import MapperGraph

#: Graphs with at most this many edges take the plain-Python path of :func:`flag_betti1`.
SMALL_EDGES = 300

__all__ = ["Side", "flag_betti1", "n_components", "rows_union", "indicator"]


def _bool_csr(m) -> sp.csr_matrix:
    m = sp.csr_matrix(m)
    m.eliminate_zeros()
    m.data = np.ones(len(m.data), dtype=np.int32)
    m.sort_indices()
    return m


class Side:
    """One graph in the forms the search needs."""

    def __init__(self, graph: MapperGraph):
        self.graph = graph
        self.n = n = graph.n_nodes
        self.n_inputs = graph.n_inputs
        self.membership = sp.csr_matrix(graph.membership, dtype=np.int32)
        self.sizes = np.diff(self.membership.indptr).astype(np.float64)
        self.edges = np.asarray(graph.edges, dtype=np.int64).reshape(-1, 2)
        self.adj = _bool_csr(csr_adjacency(n, self.edges))
        eye = sp.identity(n, dtype=np.int32, format="csr")
        self.closed1 = _bool_csr(self.adj + eye)
        self.closed2 = _bool_csr(self.closed1 @ self.closed1)
        self.degree = np.diff(self.adj.indptr)
        self._units = None
        self._labels = None
        self._edge_shared = None
        self._closed: dict[int, sp.csr_matrix] = {}
        self._cycles: dict[bytes, int] = {}
        self._ball = None
        self._block_adjacency: dict[bytes, sp.csr_matrix] = {}

    # -- units ------------------------------------------------------------------------------
    def _build_units(self):
        blocks = [b for b in biconnected_blocks(self.adj) if len(b) >= 3]
        block_of: dict[int, list[int]] = {}
        for k, b in enumerate(blocks):
            for v in b.tolist():
                block_of.setdefault(v, []).append(k)
        edge_block: dict[tuple[int, int], int] = {}
        for u, v in self.edges.tolist():
            bu, bv = block_of.get(u), block_of.get(v)
            if bu and bv:
                shared = set(bu) & set(bv)
                if shared:
                    edge_block[(u, v)] = min(shared)
        self._units = (blocks, block_of, edge_block)

    def block_unit(self, v: int, limit: int) -> np.ndarray:
        """The blocks of node ``v`` (each larger than ``limit`` nodes replaced by ``v``'s
        two-step ball in it), and ``v``."""
        if self._units is None:
            self._build_units()
        blocks, block_of, _ = self._units
        parts = [self._limited(blocks[k], v, limit) for k in block_of.get(v, ())]
        parts.append(np.array([v], dtype=np.int64))
        return np.unique(np.concatenate(parts))

    def edge_unit(self, u: int, v: int, limit: int) -> np.ndarray:
        """The unit of edge ``(u, v)``: its block when small (else the shortest cycle
        through it in the block), or, for an edge in no cycle, its two ends."""
        if self._units is None:
            self._build_units()
        blocks, _, edge_block = self._units
        key = (min(u, v), max(u, v))
        if key in edge_block:
            b = blocks[edge_block[key]]
            if len(b) <= limit:
                return b
            return self._shortest_cycle(b, key)
        return np.array(sorted(key), dtype=np.int64)

    def _limited(self, unit: np.ndarray, v: int, limit: int) -> np.ndarray:
        if len(unit) <= limit:
            return unit
        ball = self.closed2.indices[self.closed2.indptr[v] : self.closed2.indptr[v + 1]]
        return np.intersect1d(unit, ball)

    def _shortest_cycle(self, block: np.ndarray, key) -> np.ndarray:
        from scipy.sparse.csgraph import shortest_path

        u, v = key
        # the block's adjacency is built once and reused for every torn edge in it (building
        # it per edge, through a LIL conversion, dominated large blocks with many torn edges)
        cache = self._block_adjacency
        bkey = block.tobytes()
        base = cache.get(bkey)
        if base is None:
            base = sp.csr_matrix(self.adj[block][:, block])
            base.sort_indices()
            cache[bkey] = base
        iu, iv = int(np.searchsorted(block, u)), int(np.searchsorted(block, v))
        sub = base.copy()
        for r, c in ((iu, iv), (iv, iu)):
            lo, hi = sub.indptr[r], sub.indptr[r + 1]
            k = lo + np.searchsorted(sub.indices[lo:hi], c)
            if k < hi and sub.indices[k] == c:
                sub.data[k] = 0
        sub.eliminate_zeros()
        dist, pred = shortest_path(
            sub, unweighted=True, directed=False, indices=iu, return_predecessors=True
        )
        if not np.isfinite(dist[iv]):
            return np.array(sorted(key), dtype=np.int64)
        path = [iv]
        while path[-1] != iu:
            path.append(pred[path[-1]])
        return np.sort(block[np.array(path)])

    # -- sub-structure ------------------------------------------------------------------------
    def sub_adjacency(self, nodes: np.ndarray) -> sp.csr_matrix:
        return self.adj[nodes][:, nodes]

    def ball_inputs(self) -> sp.csr_matrix:
        """Per node, the inputs of its one-edge ball (itself and its neighbours)."""
        if self._ball is None:
            self._ball = _bool_csr(self.closed1 @ self.membership)
        return self._ball

    def closed_k(self, k: int) -> sp.csr_matrix:
        """Pairs of nodes at most ``k`` edges apart (boolean CSR, identity included)."""
        if k <= 2:
            return self.closed2 if k == 2 else self.closed1
        if k not in self._closed:
            self._closed[k] = _bool_csr(self.closed_k(k - 1) @ self.closed1)
        return self._closed[k]

    def edge_shared(self) -> np.ndarray:
        """Shared inputs of the two ends of every edge."""
        if self._edge_shared is None:
            e, m = self.edges, self.membership
            if len(e):
                both = m[e[:, 0]].multiply(m[e[:, 1]]).tocsr()
                self._edge_shared = np.diff(both.indptr).astype(np.int64)
            else:
                self._edge_shared = np.zeros(0, dtype=np.int64)
        return self._edge_shared

    def whole_component(self, nodes: np.ndarray) -> bool:
        """Are ``nodes`` exactly one connected component of the graph?"""
        if self._labels is None:
            self._labels = connected_components(self.adj, directed=False)[1]
        lab = self._labels[np.asarray(nodes, dtype=np.int64)]
        if len(lab) == 0 or (lab != lab[0]).any():
            return False
        return int((self._labels == lab[0]).sum()) == len(lab)

    def cycles(self, nodes: np.ndarray) -> int:
        """Independent cycles of the subgraph on ``nodes`` (:func:`flag_betti1`, squares
        filled only when their nodes share an input)."""
        nodes = np.asarray(nodes, dtype=np.int64)
        if len(nodes) < 4:  # at most a triangle: filled
            return 0
        key = nodes.tobytes()
        if key not in self._cycles:  # the same node sets are counted by several steps
            sub = self.sub_adjacency(nodes)
            self._cycles[key] = (
                0 if sub.nnz < 8 else flag_betti1(sub, members=lambda: self.membership[nodes])
            )
        return self._cycles[key]

    def inputs_of(self, nodes: np.ndarray) -> np.ndarray:
        """The sorted union of the inputs of ``nodes``."""
        return rows_union(self.membership.indptr, self.membership.indices, nodes, self.n_inputs)


def rows_union(indptr, indices, rows, n_cols) -> np.ndarray:
    """Sorted union of the column indices of CSR ``rows`` (no sub-matrix built)."""
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    cols = indices[np.arange(total) + offsets]
    if total > n_cols // 8:
        mask = np.zeros(n_cols, dtype=bool)
        mask[cols] = True
        return np.flatnonzero(mask)
    return np.unique(cols).astype(np.int64)


def indicator(groups, n_cols) -> sp.csr_matrix:
    """CSR (len(groups), n_cols) with ones at each group's members."""
    lengths = np.array([len(g) for g in groups], dtype=np.int64)
    rows = np.repeat(np.arange(len(groups)), lengths)
    cols = (
        np.concatenate([np.asarray(g, dtype=np.int64) for g in groups])
        if len(groups)
        else np.zeros(0, np.int64)
    )
    m = sp.csr_matrix(
        (np.ones(len(cols), dtype=np.int32), (rows, cols)), shape=(len(groups), n_cols)
    )
    m.sum_duplicates()
    m.data[:] = 1
    return m


def biconnected_blocks(adj: sp.csr_matrix) -> list[np.ndarray]:
    """Node sets of the biconnected components of an undirected graph (iterative Tarjan on
    the CSR arrays; a bridge is a block of two nodes, an isolated node is in none)."""
    n = adj.shape[0]
    indptr, indices = adj.indptr, adj.indices
    disc = np.full(n, -1, dtype=np.int64)
    low = np.zeros(n, dtype=np.int64)
    disc_l, low_l = disc.tolist(), low.tolist()
    ptr = indptr[:-1].tolist()
    end = indptr[1:].tolist()
    idx = indices.tolist()
    blocks = []
    time = 0
    for root in range(n):
        if disc_l[root] != -1 or ptr[root] == end[root]:
            continue
        disc_l[root] = low_l[root] = time
        time += 1
        stack = [(root, -1)]
        edges: list[tuple[int, int]] = []
        while stack:
            v, parent = stack[-1]
            if ptr[v] < end[v]:
                w = idx[ptr[v]]
                ptr[v] += 1
                if w == parent:
                    continue
                if disc_l[w] == -1:
                    edges.append((v, w))
                    disc_l[w] = low_l[w] = time
                    time += 1
                    stack.append((w, v))
                elif disc_l[w] < disc_l[v]:
                    edges.append((v, w))
                    if disc_l[w] < low_l[v]:
                        low_l[v] = disc_l[w]
            else:
                stack.pop()
                if stack:
                    u = stack[-1][0]
                    if low_l[v] < low_l[u]:
                        low_l[u] = low_l[v]
                    if low_l[v] >= disc_l[u]:
                        nodes = set()
                        while edges:
                            x, y = edges.pop()
                            nodes.add(x)
                            nodes.add(y)
                            if (x, y) == (u, v):
                                break
                        blocks.append(np.array(sorted(nodes), dtype=np.int64))
    return blocks


def n_components(adj: sp.csr_matrix) -> int:
    if adj.shape[0] == 0:
        return 0
    return int(connected_components(adj, directed=False)[0])


def _edge_keys(up: sp.csr_matrix):
    rows, cols = up.nonzero()
    keys = rows.astype(np.int64) * up.shape[0] + cols.astype(np.int64)
    order = np.argsort(keys)
    return keys[order], order


def _lookup(keys, order, n, u, v):
    """Edge ids of the (u, v) pairs (-1 when no edge)."""
    lo, hi = np.minimum(u, v), np.maximum(u, v)
    q = lo * n + hi
    pos = np.searchsorted(keys, q)
    pos = np.minimum(pos, len(keys) - 1)
    found = keys[pos] == q
    return np.where(found, order[pos], -1)


def _run_pairs(sizes: np.ndarray):
    """For runs of the given sizes, every pair ``i < j`` inside a run: ``(run, i, j)``."""
    sizes = np.asarray(sizes, dtype=np.int64)
    counts = sizes * (sizes - 1) // 2
    total = int(counts.sum())
    run = np.repeat(np.arange(len(sizes)), counts)
    local = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    d = sizes[run].astype(np.float64)
    i = np.floor((2 * d - 1 - np.sqrt(np.maximum((2 * d - 1) ** 2 - 8 * local, 0.0))) / 2).astype(
        np.int64
    )
    i = np.clip(i, 0, None)
    m = sizes[run]
    for _ in range(2):  # correct rounding of the square root
        base = i * (2 * m - i - 1) // 2
        i = np.where(base > local, i - 1, i)
        nxt = (i + 1) * (2 * m - i - 2) // 2
        i = np.where(nxt <= local, i + 1, i)
    base = i * (2 * m - i - 1) // 2
    j = local - base + i + 1
    return run, i, j


def _faces(
    up: sp.csr_matrix,
    max_faces: int,
    *,
    triangles: bool = True,
    squares: bool = True,
    members: sp.csr_matrix | None = None,
):
    """Edge ids of the triangles (F, 3) and of the chordless 4-cycles (F, 4) of a graph
    given by its upper-triangular adjacency (squares left out past ``max_faces``)."""
    n = up.shape[0]
    keys, order = _edge_keys(up)
    sym = (up + up.T).tocsr()
    sym.sort_indices()
    deg = np.diff(sym.indptr).astype(np.int64)
    empty3, empty4 = np.zeros((0, 3), np.int64), np.zeros((0, 4), np.int64)
    if int((deg * (deg - 1) // 2).sum()) > 20 * max_faces:
        return empty3, empty4
    # 2-paths x - c - y (x < y) through every centre c
    centre, i, j = _run_pairs(deg)
    if len(centre) == 0:
        return empty3, empty4
    start = sym.indptr[:-1].astype(np.int64)[centre]
    x = sym.indices[start + i].astype(np.int64)
    y = sym.indices[start + j].astype(np.int64)
    chord = _lookup(keys, order, n, x, y)
    tri = chord >= 0
    keep = tri & (centre < x)  # x < y, so the centre is the smallest corner
    want_squares = squares
    if triangles:
        triangles = np.c_[
            _lookup(keys, order, n, centre[keep], x[keep]),
            _lookup(keys, order, n, centre[keep], y[keep]),
            chord[keep],
        ]
    else:
        triangles = empty3
    if not want_squares:
        return triangles, empty4
    # chordless squares: two 2-paths with the same ends and different centres
    xs, ys, cs = x[~tri], y[~tri], centre[~tri]
    kq = xs * n + ys
    o = np.argsort(kq, kind="stable")
    kq, xs, ys, cs = kq[o], xs[o], ys[o], cs[o]
    first = np.flatnonzero(np.r_[True, kq[1:] != kq[:-1]]) if len(kq) else np.zeros(0, np.int64)
    size = np.diff(np.r_[first, len(kq)])
    if int((size * (size - 1) // 2).sum()) > max_faces:
        return triangles, empty4
    run, a_, b_ = _run_pairs(size)
    s0 = first[run]
    ca, cb = cs[s0 + a_], cs[s0 + b_]
    xx, yy = xs[s0], ys[s0]
    squares = np.c_[
        _lookup(keys, order, n, xx, ca),
        _lookup(keys, order, n, ca, yy),
        _lookup(keys, order, n, xx, cb),
        _lookup(keys, order, n, cb, yy),
    ]
    if members is not None and len(squares):
        # each square is found from both diagonals: keep one copy, then fill only the
        # squares that are part of a 2-D patch (an edge on another face) or whose corners
        # share an input; a square standing alone is a hole of the nerve (a loop)
        srt = np.sort(squares, axis=1)
        base = len(keys) + 1
        if 4 * np.log2(base) < 62:
            key = ((srt[:, 0] * base + srt[:, 1]) * base + srt[:, 2]) * base + srt[:, 3]
            _, first_copy = np.unique(key, return_index=True)
        else:
            _, first_copy = np.unique(srt, axis=0, return_index=True)
        squares = squares[first_copy]
        corners = (xx[first_copy], ca[first_copy], yy[first_copy], cb[first_copy])
        all_tri = np.c_[
            _lookup(keys, order, n, centre[keep], x[keep]),
            _lookup(keys, order, n, centre[keep], y[keep]),
            chord[keep],
        ]
        n_edges = len(keys)
        count = np.bincount(all_tri.ravel(), minlength=n_edges) + np.bincount(
            squares.ravel(), minlength=n_edges
        )
        fill = (count[squares] >= 2).any(axis=1)
        if (~fill).any():
            fill[~fill] = _common_input(members, *(c[~fill] for c in corners))
        squares = squares[fill]
    return triangles, squares


def _common_input(members: sp.csr_matrix, *corners) -> np.ndarray:
    """For squares given by their corner node arrays: do the corners share an input?"""
    if len(corners[0]) == 0:
        return np.zeros(0, dtype=bool)
    common = members[corners[0]]
    for c in corners[1:]:
        common = common.multiply(members[c])
    return np.diff(sp.csr_matrix(common).indptr) > 0


def _unique_rows(F: np.ndarray, n_edges: int) -> np.ndarray:
    """The distinct rows of ``F`` (entries in [-1, n_edges)) after sorting each row."""
    F = np.sort(F, axis=1)
    base = n_edges + 1
    if F.shape[1] * np.log2(base) < 62:
        key = np.zeros(len(F), dtype=np.int64)
        for c in range(F.shape[1]):
            key = key * base + (F[:, c] + 1)
        _, first = np.unique(key, return_index=True)
        return F[np.sort(first)]
    return np.unique(F, axis=0)


def _betti_small(up: sp.csr_matrix, rank_1: int, members=None) -> int:
    """:func:`flag_betti1` for a small graph, in plain Python (triangles first; the squares
    are enumerated only when the triangles leave cycles)."""
    n = up.shape[0]
    rows, cols = up.nonzero()
    index = {(u, v): k for k, (u, v) in enumerate(zip(rows.tolist(), cols.tolist()))}
    nbrs = [set() for _ in range(n)]
    for u, v in index:
        nbrs[u].add(v)
        nbrs[v].add(u)
    pivots: dict[int, int] = {}
    state = [0]

    def add(col):
        while col:
            low = col.bit_length() - 1
            if low in pivots:
                col ^= pivots[low]
            else:
                pivots[low] = col
                state[0] += 1
                return state[0] >= rank_1
        return False

    edge_faces = [0] * len(index)
    for u in range(n):
        for v in nbrs[u]:
            if v > u:
                for w in nbrs[u] & nbrs[v]:
                    if w > v:
                        i, j, k = index[(u, v)], index[(u, w)], index[(v, w)]
                        edge_faces[i] += 1
                        edge_faces[j] += 1
                        edge_faces[k] += 1
                        if add((1 << i) | (1 << j) | (1 << k)):
                            return 0
    squares: dict[int, tuple] = {}
    for u in range(n):
        via: dict[int, list[int]] = {}
        for v in nbrs[u]:
            for w in nbrs[v]:
                if w > u and w not in nbrs[u]:
                    via.setdefault(w, []).append(v)
        for w, mids in via.items():
            for i in range(len(mids)):
                for j in range(i + 1, len(mids)):
                    v, x = mids[i], mids[j]
                    ids = (
                        index[(u, v) if u < v else (v, u)],
                        index[(v, w) if v < w else (w, v)],
                        index[(w, x) if w < x else (x, w)],
                        index[(x, u) if x < u else (u, x)],
                    )
                    mask = (1 << ids[0]) | (1 << ids[1]) | (1 << ids[2]) | (1 << ids[3])
                    if mask not in squares:
                        squares[mask] = (ids, (u, v, w, x))
                        for k in ids:
                            edge_faces[k] += 1
    if members is not None:
        members = sp.csr_matrix(members)
    for mask, (ids, corners) in squares.items():
        # as in _faces: a square standing alone, its corners sharing no input, is a hole
        if members is not None and not any(edge_faces[k] >= 2 for k in ids):
            common = None
            for c in corners:
                got = set(members.indices[members.indptr[c] : members.indptr[c + 1]].tolist())
                common = got if common is None else common & got
            if not common:
                continue
        if add(mask):
            return 0
    return int(rank_1 - state[0])


def flag_betti1(
    adj: sp.csr_matrix, *, max_faces: int = 400_000, members: sp.csr_matrix | None = None
) -> int:
    """Independent cycles of a graph once its triangles and its chordless 4-cycles are
    filled: ``E - V + C`` minus the rank over GF(2) of the boundaries of those faces.

    With ``members`` (the nodes' inputs, one row per node of ``adj``) a chordless 4-cycle
    is filled only when it is an artefact of the cover: it shares an edge with another face
    (a triangle or a square: it is part of a 2-D patch, as in a ball or grid cover of a
    blob whose diagonal elements do not meet) or its four nodes share an input (a graph
    whose edges were thinned). A square standing alone is a hole of the nerve and counts:
    a loop covered coarsely by four nodes is a cycle, as it is at any finer resolution.
    Without ``members`` every chordless 4-cycle is filled (the count of the graph alone).
    The triangles and 4-cliques of a 2-D cover never count as cycles. The rank is computed on the coordinates of the faces in
    the cycle space (their edges outside a spanning forest): faces with one free coordinate
    are pivoted first in bulk, the rest by elimination. Past ``max_faces`` faces the count
    is of the triangles only."""
    from scipy.sparse.csgraph import minimum_spanning_tree

    n = adj.shape[0]
    if n == 0:
        return 0
    adj = sp.csr_matrix(adj)
    up = sp.triu(adj, k=1).tocsr()
    up.data[:] = 1
    up.eliminate_zeros()
    up.sort_indices()
    n_edges = up.nnz
    rank_1 = n_edges - n + n_components(adj)
    if rank_1 <= 0:
        return 0
    if callable(members):  # built only when there are cycles to count
        members = members()
    if n_edges <= SMALL_EDGES:
        return _betti_small(up, rank_1, members)
    # coordinates: the edges outside a spanning forest
    forest = minimum_spanning_tree(up).tocsr()
    keys, order = _edge_keys(up)
    fr, fc = forest.nonzero()
    tree_ids = _lookup(keys, order, n, fr.astype(np.int64), fc.astype(np.int64))
    active = np.ones(n_edges, dtype=bool)
    active[tree_ids] = False
    state = {"rank": 0, "pivots": {}}

    def reduce(F):
        """Add the faces ``F`` (edge ids, -1 padded) to the span; True when it is full."""
        F = np.where((F >= 0) & active[np.maximum(F, 0)], F, -1)
        while len(F):
            live = (F >= 0) & active[np.maximum(F, 0)]
            count = live.sum(axis=1)
            keep = count >= 1
            F, live, count = F[keep], live[keep], count[keep]
            single = np.flatnonzero(count == 1)
            if len(single) == 0:
                break
            rows = np.unique(F[single][live[single]])
            active[rows] = False
            state["rank"] += len(rows)
            F = np.delete(F, single, axis=0)
            if state["rank"] >= rank_1:
                return True
        return eliminate(F)

    def eliminate(F):
        """Gaussian elimination over GF(2) of the faces ``F`` on the active coordinates
        (keeping the pivots of earlier calls); True when the span is full."""
        if not len(F):
            return False
        R = np.where((F >= 0) & active[np.maximum(F, 0)], F, -1)
        R = _unique_rows(R, n_edges)
        pivots = state["pivots"]
        for f in R.tolist():
            col = 0
            for e in f:
                if e >= 0:
                    col ^= 1 << int(e)
            while col:
                low = col.bit_length() - 1
                if low in pivots:
                    col ^= pivots[low]
                else:
                    pivots[low] = col
                    state["rank"] += 1
                    break
            if state["rank"] >= rank_1:
                return True
        return False

    # triangles first: most dense regions are filled by them alone
    triangles, squares = _faces(up, max_faces, squares=False)
    if len(triangles) and reduce(triangles):
        return 0
    if state["pivots"]:
        # pivots of the elimination refer to coordinates still active: keep them valid by
        # continuing the elimination only (no more peeling)
        _, squares = _faces(up, max_faces, triangles=False, members=members)
        if eliminate(squares):
            return 0
        return int(rank_1 - state["rank"])
    _, squares = _faces(up, max_faces, triangles=False, members=members)
    if len(squares) and reduce(squares):
        return 0
    rank = state["rank"]
    return int(rank_1 - rank)
