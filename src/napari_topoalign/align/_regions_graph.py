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

__all__ = ["Side", "flag_betti1", "n_components"]


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

    # -- units ------------------------------------------------------------------------------
    def _build_units(self):
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        g.add_edges_from(map(tuple, self.edges.tolist()))
        blocks = [np.array(sorted(b), dtype=np.int64) for b in nx.biconnected_components(g) if len(b) >= 3]
        block_of: dict[int, list[int]] = {}
        for k, b in enumerate(blocks):
            for v in b.tolist():
                block_of.setdefault(v, []).append(k)
        edge_block: dict[tuple[int, int], int] = {}
        for u, v in self.edges.tolist():
            shared = set(block_of.get(u, ())) & set(block_of.get(v, ()))
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
        sub = self.adj[block][:, block].tolil()
        iu, iv = np.searchsorted(block, u), np.searchsorted(block, v)
        sub[iu, iv] = 0
        sub[iv, iu] = 0
        sub = sp.csr_matrix(sub)
        sub.eliminate_zeros()
        dist, pred = shortest_path(sub, unweighted=True, directed=False, indices=iu, return_predecessors=True)
        if not np.isfinite(dist[iv]):
            return np.array(sorted(key), dtype=np.int64)
        path = [iv]
        while path[-1] != iu:
            path.append(pred[path[-1]])
        return np.sort(block[np.array(path)])

    # -- sub-structure ------------------------------------------------------------------------
    def sub_adjacency(self, nodes: np.ndarray) -> sp.csr_matrix:
        return self.adj[nodes][:, nodes]

    def inputs_of(self, nodes: np.ndarray) -> np.ndarray:
        if len(nodes) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.unique(self.membership[nodes].indices).astype(np.int64)


def n_components(adj: sp.csr_matrix) -> int:
    if adj.shape[0] == 0:
        return 0
    return int(connected_components(adj, directed=False)[0])


def flag_betti1(adj: sp.csr_matrix) -> int:
    """Independent cycles of the flag (clique) complex of a graph: ``E - V + C`` minus the
    rank over GF(2) of the triangles' boundaries, so that triangles (and the 4-cliques a 2-D
    cover makes at its corners) do not count as cycles; a loop counts as one whatever its
    resolution."""
    n = adj.shape[0]
    if n == 0:
        return 0
    up = sp.triu(adj, k=1).tocsr()
    up.sort_indices()
    n_edges = up.nnz
    rank_1 = n_edges - n + n_components(adj)
    if rank_1 <= 0:
        return 0
    # triangles u < v < w
    index = {}
    rows, cols = up.nonzero()
    for k, (u, v) in enumerate(zip(rows.tolist(), cols.tolist())):
        index[(u, v)] = k
    nbrs = [set(up.indices[up.indptr[u] : up.indptr[u + 1]].tolist()) for u in range(n)]
    pivots: dict[int, int] = {}
    rank = 0
    for u in range(n):
        for v in sorted(nbrs[u]):
            for w in sorted(nbrs[u] & nbrs[v]):
                col = (1 << index[(u, v)]) | (1 << index[(u, w)]) | (1 << index[(v, w)])
                while col:
                    low = col.bit_length() - 1
                    if low in pivots:
                        col ^= pivots[low]
                    else:
                        pivots[low] = col
                        rank += 1
                        break
                if rank >= rank_1:
                    return 0
    return int(rank_1 - rank)
