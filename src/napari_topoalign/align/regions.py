"""Structurally matching regions between two mapper graphs of the same inputs.

A *region* pairs a connected node set of graph A with a connected node set of graph B that
hold largely the same inputs and have the same structure. :func:`find_matching_regions`
finds pairwise disjoint regions greedily: seeds are mutually best node pairs of the node
coupling, each seed grows best-first along the edges of both graphs while the inputs it adds
agree, growth is closed over the nodes whose inputs the region already holds, and the region
is kept when its score passes ``min_score``. A permutation test gives each region a p-value.
The algorithm is documented step by step in ``docs/regions.md``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..model import MapperGraph
from .coupling import check_same_inputs, node_coupling

__all__ = ["Region", "find_matching_regions", "score_region"]

ProgressFn = Callable[[float, str], Any]


@dataclass(eq=False)
class Region:
    """A pair of connected node sets, one per graph, that hold the same inputs in the same
    structure.

    Attributes
    ----------
    nodes_a, nodes_b : ndarray of int64
        Sorted node indices of graph A and of graph B.
    inputs : ndarray of int64
        The shared inputs: held by a node of ``nodes_a`` and by a node of ``nodes_b``.
    overlap : float
        Jaccard index of the inputs of ``nodes_a`` and of ``nodes_b``.
    structure : float in [0, 1]
        Structural agreement of the two induced subgraphs (see :func:`score_region`).
    size : int
        ``min(len(nodes_a), len(nodes_b))``.
    score : float in [0, 1]
        ``overlap * structure``; regions are ranked by it.
    p_value : float
        Permutation p-value of ``score`` (NaN when no permutation was run).
    edges_preserved : float in [0, 1]
        Share of the edges of both subgraphs whose ends have partners (see
        :func:`score_region`) that share a node or an edge in the other graph.
    unfolded : float in [0, 1]
        Product over the two directions of the share of nodes whose partners lie within two
        edges of one node of the other graph (1: no two separate parts of one graph are
        folded onto one part of the other).
    components, cycles : tuple of int
        Connected components and independent cycles (``E - V + C``) of the subgraphs of A
        and of B.
    node_agreement : float in [0, 1]
        Mean over the nodes of both sets of their best Jaccard index with a node of the
        other set.
    """

    nodes_a: np.ndarray
    nodes_b: np.ndarray
    inputs: np.ndarray
    overlap: float
    structure: float
    size: int
    score: float
    p_value: float = float("nan")
    edges_preserved: float = 1.0
    unfolded: float = 1.0
    components: tuple[int, int] = (0, 0)
    cycles: tuple[int, int] = (0, 0)
    node_agreement: float = 0.0

    @property
    def n_inputs(self) -> int:
        """Number of shared inputs."""
        return len(self.inputs)

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (lists, floats, ints; a missing p-value is None), JSON-serialisable."""
        return {
            "nodes_a": [int(i) for i in self.nodes_a],
            "nodes_b": [int(i) for i in self.nodes_b],
            "inputs": [int(i) for i in self.inputs],
            "overlap": float(self.overlap),
            "structure": float(self.structure),
            "size": int(self.size),
            "score": float(self.score),
            "p_value": None if np.isnan(self.p_value) else float(self.p_value),
            "edges_preserved": float(self.edges_preserved),
            "unfolded": float(self.unfolded),
            "components": [int(c) for c in self.components],
            "cycles": [int(c) for c in self.cycles],
            "node_agreement": float(self.node_agreement),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Region:
        """Inverse of :meth:`to_dict`."""
        return cls(
            nodes_a=np.asarray(data["nodes_a"], dtype=np.int64),
            nodes_b=np.asarray(data["nodes_b"], dtype=np.int64),
            inputs=np.asarray(data["inputs"], dtype=np.int64),
            overlap=float(data["overlap"]),
            structure=float(data["structure"]),
            size=int(data["size"]),
            score=float(data["score"]),
            p_value=float("nan") if data.get("p_value") is None else float(data["p_value"]),
            edges_preserved=float(data.get("edges_preserved", 1.0)),
            unfolded=float(data.get("unfolded", 1.0)),
            components=tuple(int(c) for c in data.get("components", (0, 0))),
            cycles=tuple(int(c) for c in data.get("cycles", (0, 0))),
            node_agreement=float(data.get("node_agreement", 0.0)),
        )

    def summary(self) -> dict[str, Any]:
        """One table row: counts and scores (no index arrays)."""
        return {
            "nodes_a": len(self.nodes_a),
            "nodes_b": len(self.nodes_b),
            "inputs": self.n_inputs,
            "score": self.score,
            "overlap": self.overlap,
            "structure": self.structure,
            "p_value": self.p_value,
            "cycles_a": self.cycles[0],
            "cycles_b": self.cycles[1],
        }

    def __repr__(self) -> str:
        p = "nan" if np.isnan(self.p_value) else f"{self.p_value:.3g}"
        return (
            f"Region({len(self.nodes_a)}+{len(self.nodes_b)} nodes, {self.n_inputs} inputs, "
            f"score={self.score:.3f}, overlap={self.overlap:.3f}, structure={self.structure:.3f}, "
            f"cycles={self.cycles[0]}/{self.cycles[1]}, p={p})"
        )


# -- graph helpers ---------------------------------------------------------------------------
class _G:
    """Adjacency and membership of one graph in the forms the search needs."""

    def __init__(self, graph: MapperGraph):
        self.graph = graph
        n = graph.n_nodes
        self.n = n
        m = graph.membership
        self.indptr = m.indptr
        self.indices = m.indices.astype(np.int64)
        self.sizes = np.diff(m.indptr)
        e = graph.edges
        adj = sp.csr_matrix(
            (
                np.ones(2 * len(e), dtype=np.int8),
                (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]]),
            ),
            shape=(n, n),
        )
        adj.sum_duplicates()
        adj.sort_indices()
        self.adj = adj
        self.edges = e
        self.edge_keys = np.sort(e[:, 0] * n + e[:, 1]) if len(e) else np.zeros(0, dtype=np.int64)

    @property
    def closed2(self) -> sp.csr_matrix:
        """``closed2[i, j] = 1`` when nodes ``i`` and ``j`` are at most two edges apart."""
        if not hasattr(self, "_closed2"):
            closed = (self.adj + sp.identity(self.n, format="csr")).astype(np.float64)
            two = closed @ closed
            two.data[:] = 1.0
            self._closed2 = two.tocsr()
        return self._closed2

    def ball2(self, node: int) -> np.ndarray:
        """The nodes at most two edges from ``node`` (itself included)."""
        c = self.closed2
        return c.indices[c.indptr[node] : c.indptr[node + 1]]

    def members(self, node: int) -> np.ndarray:
        return self.indices[self.indptr[node] : self.indptr[node + 1]]

    def neighbours(self, node: int) -> np.ndarray:
        return self.adj.indices[self.adj.indptr[node] : self.adj.indptr[node + 1]]

    def input_mask(self, nodes, n_inputs: int) -> np.ndarray:
        mask = np.zeros(n_inputs, dtype=bool)
        for v in nodes:
            mask[self.members(v)] = True
        return mask

    def sub_edges(self, nodes: np.ndarray) -> np.ndarray:
        inside = np.zeros(self.n, dtype=bool)
        inside[nodes] = True
        e = self.edges
        return e[inside[e[:, 0]] & inside[e[:, 1]]]

    def has_edges(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        lo, hi = np.minimum(u, v), np.maximum(u, v)
        keys = lo * self.n + hi
        pos = np.searchsorted(self.edge_keys, keys)
        pos = np.minimum(pos, max(len(self.edge_keys) - 1, 0))
        if len(self.edge_keys) == 0:
            return np.zeros(len(keys), dtype=bool)
        return self.edge_keys[pos] == keys


def _labels(n: int, edges: np.ndarray) -> np.ndarray:
    """Connected-component labels (the smallest node of each component) of a small graph,
    by min-label propagation with pointer jumping."""
    lab = np.arange(n)
    if len(edges) == 0:
        return lab
    u, v = edges[:, 0], edges[:, 1]
    while True:
        m = np.minimum(lab[u], lab[v])
        new = lab.copy()
        np.minimum.at(new, u, m)
        np.minimum.at(new, v, m)
        new = new[new]
        if np.array_equal(new, lab):
            return lab
        lab = new


def _ratio(x: int, y: int) -> float:
    """``(1 + min) / (1 + max)``: 1 when equal, smaller the more the counts differ."""
    return (1.0 + min(x, y)) / (1.0 + max(x, y))


class _Side:
    """One side of a region: its nodes, induced edges (local indices), components, cycles."""

    def __init__(self, g: _G, nodes):
        self.g = g
        self.nodes = np.asarray(nodes, dtype=np.int64)
        local = np.full(g.n, -1, dtype=np.int64)
        local[self.nodes] = np.arange(len(self.nodes))
        self.edges = local[g.sub_edges(self.nodes)].reshape(-1, 2)
        self.components = len(np.unique(_labels(len(self.nodes), self.edges)))
        self.cycles = len(self.edges) - len(self.nodes) + self.components


def _map_terms(src: _Side, dst: _Side, sub_c: np.ndarray):
    """How the nodes and edges of ``src`` land on ``dst`` under the coupling ``sub_c``.

    The *partners* of a node ``u`` of ``src`` are the nodes of ``dst`` coupled to it at
    least half as strongly as its best one.

    - An edge ``(u, v)`` is preserved when the partners of ``u`` and of ``v`` share a node
      or an edge (so when ``dst`` is finer, an edge may land on nodes a few steps apart).
    - A node is *unfolded* when its partners all lie within two edges of one node of the
      graph of ``dst``: its inputs stay together on the other side (up to a change of
      resolution). Two separate arms folded onto one arm make the nodes of that arm fail
      this once the arms are more than four edges apart.

    Returns (edges, edges preserved, share of unfolded nodes, sum of the best couplings).
    """
    n, m = len(src.nodes), len(dst.nodes)
    le = src.edges
    if n == 0:
        return len(le), 0, 1.0, 0.0
    if m == 0:
        return len(le), 0, 0.0, 0.0
    best = sub_c.max(axis=1)
    strong = ((sub_c > 0) & (sub_c >= 0.5 * best[:, None])).astype(np.float64)
    de = dst.edges
    adj = sp.csr_matrix(
        (np.ones(2 * len(de)), (np.r_[de[:, 0], de[:, 1]], np.r_[de[:, 1], de[:, 0]])),
        shape=(m, m),
    )
    near = strong + np.asarray(adj @ strong.T).T  # partners and their neighbours
    preserved = 0
    if len(le):
        touch = np.einsum("ij,ij->i", strong[le[:, 0]], near[le[:, 1]])
        preserved = int(np.count_nonzero(touch > 0))
    # closed neighbourhoods in the whole graph (a centre may lie outside the region)
    g = dst.g
    closed = g.closed2[dst.nodes]  # (m, N): node j of dst lies within 2 steps of c
    counts = np.asarray(closed.T @ strong.T).T  # (n, N): partners of u around each node
    n_partners = strong.sum(axis=1)
    mapped = n_partners > 0
    compact = counts.max(axis=1) >= n_partners - 0.5
    unfolded = float(compact[mapped].mean()) if mapped.any() else 0.0
    return len(le), preserved, unfolded, float(best.sum())


def _structure(side_a: _Side, side_b: _Side, sub_c: np.ndarray) -> dict:
    ea, pa, ua, ba = _map_terms(side_a, side_b, sub_c)
    eb, pb, ub, bb = _map_terms(side_b, side_a, sub_c.T)
    edges_preserved = (pa + pb) / (ea + eb) if ea + eb else 1.0
    unfolded = ua * ub
    counts = _ratio(side_a.components, side_b.components) * _ratio(side_a.cycles, side_b.cycles)
    n_nodes = len(side_a.nodes) + len(side_b.nodes)
    return {
        "structure": edges_preserved * unfolded * counts,
        "edges_preserved": edges_preserved,
        "unfolded": unfolded,
        "node_agreement": (ba + bb) / n_nodes if n_nodes else 0.0,
    }


def _sub_coupling(coupling, nodes_a, nodes_b) -> np.ndarray:
    if len(nodes_a) == 0 or len(nodes_b) == 0:
        return np.zeros((len(nodes_a), len(nodes_b)))
    return coupling[nodes_a][:, nodes_b].toarray()


def _evaluate(
    ga: _G, gb: _G, nodes_a, nodes_b, coupling, in_a=None, in_b=None, n_inputs=None
) -> dict:
    side_a, side_b = _Side(ga, nodes_a), _Side(gb, nodes_b)
    if in_a is None:
        in_a = ga.input_mask(side_a.nodes, n_inputs)
    if in_b is None:
        in_b = gb.input_mask(side_b.nodes, n_inputs)
    inter = int(np.count_nonzero(in_a & in_b))
    union = int(np.count_nonzero(in_a | in_b))
    overlap = inter / union if union else 0.0
    out = _structure(side_a, side_b, _sub_coupling(coupling, side_a.nodes, side_b.nodes))
    out.update(
        overlap=overlap,
        score=overlap * out["structure"],
        components=(side_a.components, side_b.components),
        cycles=(side_a.cycles, side_b.cycles),
        in_a=in_a,
        in_b=in_b,
    )
    return out


def _make_region(nodes_a, nodes_b, ev: dict, p_value=float("nan")) -> Region:
    nodes_a = np.sort(np.asarray(nodes_a, dtype=np.int64))
    nodes_b = np.sort(np.asarray(nodes_b, dtype=np.int64))
    return Region(
        nodes_a=nodes_a,
        nodes_b=nodes_b,
        inputs=np.flatnonzero(ev["in_a"] & ev["in_b"]).astype(np.int64),
        overlap=float(ev["overlap"]),
        structure=float(ev["structure"]),
        size=int(min(len(nodes_a), len(nodes_b))),
        score=float(ev["score"]),
        p_value=float(p_value),
        edges_preserved=float(ev["edges_preserved"]),
        unfolded=float(ev["unfolded"]),
        components=ev["components"],
        cycles=ev["cycles"],
        node_agreement=float(ev["node_agreement"]),
    )


# -- growth ------------------------------------------------------------------------------------
def _positions(indptr: np.ndarray, rows: np.ndarray):
    """For CSR rows ``rows``: the owner (index into ``rows``) and the position in the CSR
    arrays of every stored entry, concatenated (no Python loop)."""
    starts = indptr[rows]
    lens = indptr[rows + 1] - starts
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    owner = np.repeat(np.arange(len(rows)), lens)
    before = np.cumsum(lens) - lens
    offsets = np.repeat(starts - before, lens)
    return owner, offsets + np.arange(total)


def _gather(indptr: np.ndarray, indices: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The concatenated ``indices`` of the CSR rows ``rows``."""
    return indices[_positions(indptr, rows)[1]]


class _Grower:
    """Best-first growth of one region from a seed pair.

    Per node it keeps, for the current region, how many of its inputs are new to its side
    (``new``) and how many of those the other side already holds (``new_in_other``), and how
    many of its neighbours are in the region (``k``); a step then scores every candidate move
    with a few vectorised operations.
    """

    def __init__(
        self,
        ga: _G,
        gb: _G,
        coupling,
        coupling_t,
        n_inputs,
        used_a,
        used_b,
        lam,
        closure,
        top_k,
        cycle_ratio,
    ):
        self.ga, self.gb = ga, gb
        self.C, self.CT = coupling, coupling_t
        self.n_inputs = n_inputs
        self.used_a, self.used_b = used_a, used_b
        self.lam, self.closure, self.top_k = lam, closure, top_k
        self.grow_overlap = lam / (1.0 + lam)
        self.cycle_ratio = cycle_ratio
        self.blocked_gain = -np.inf
        self.conflict = False
        self.progress = None
        self.max_fold_checks = 16
        # input -> nodes, per graph
        self.ta = ga.graph.membership.T.tocsr()
        self.tb = gb.graph.membership.T.tocsr()

    def _reset(self):
        ga, gb = self.ga, self.gb
        self.in_a = np.zeros(self.n_inputs, dtype=bool)
        self.in_b = np.zeros(self.n_inputs, dtype=bool)
        self.sa = np.zeros(ga.n, dtype=bool)
        self.sb = np.zeros(gb.n, dtype=bool)
        self.fa = np.zeros(ga.n, dtype=bool)  # frontier masks
        self.fb = np.zeros(gb.n, dtype=bool)
        self.new_a = ga.sizes.astype(np.int64).copy()
        self.new_b = gb.sizes.astype(np.int64).copy()
        self.new_a_in_b = np.zeros(ga.n, dtype=np.int64)
        self.new_b_in_a = np.zeros(gb.n, dtype=np.int64)
        self.k_a = np.zeros(ga.n, dtype=np.int64)
        self.k_b = np.zeros(gb.n, dtype=np.int64)
        self.cyc_a = self.cyc_b = 0
        self.order_a: list[int] = []
        self.order_b: list[int] = []

    def _apply(self, move):
        a, b = move
        if a >= 0:
            self._add(a, True)
        if b >= 0:
            self._add(b, False)

    def run(self, seed_a: int, seed_b: int):
        """Grow from the seed; return the node sets (in the order they were added)."""
        self._reset()
        moves = [(seed_a, seed_b)]
        self._apply(moves[0])
        inter = int(np.count_nonzero(self.in_a & self.in_b))
        sym = int(np.count_nonzero(self.in_a ^ self.in_b))
        objective = inter - self.lam * sym
        best_objective, best_len = objective, 1
        # explore while the explored sets still agree at grow_overlap; keep the best prefix
        while True:
            if self.progress is not None and len(moves) % 200 == 0:
                self.progress(len(self.order_a) + len(self.order_b))
            move, (gain, d_inter, d_sym) = self._best_move()
            if move is None:
                break
            if (inter + d_inter) < self.grow_overlap * (inter + sym + d_inter + d_sym):
                break
            objective += gain
            inter += d_inter
            sym += d_sym
            self._apply(move)
            moves.append(move)
            if objective > best_objective:
                best_objective, best_len = objective, len(moves)
        # a move refused only for its cycles but whose inputs agree: the inputs of this
        # region are arranged differently in the two graphs (e.g. a loop cut open)
        self.conflict = self.blocked_gain > 0
        self.explored_a = np.asarray(self.order_a, dtype=np.int64)
        self.explored_b = np.asarray(self.order_b, dtype=np.int64)
        if best_len < len(moves):
            self._reset()
            for move in moves[:best_len]:
                self._apply(move)
        self._close()
        return np.asarray(self.order_a, dtype=np.int64), np.asarray(self.order_b, dtype=np.int64)

    # bookkeeping
    def _add(self, v: int, side_a: bool):
        if side_a:
            g, inside, front, used, order = self.ga, self.sa, self.fa, self.used_a, self.order_a
            mine, other, t_mine, t_other = self.in_a, self.in_b, self.ta, self.tb
            new_mine, new_mine_in_other = self.new_a, self.new_a_in_b
            new_other_in_mine = self.new_b_in_a
            k = self.k_a
        else:
            g, inside, front, used, order = self.gb, self.sb, self.fb, self.used_b, self.order_b
            mine, other, t_mine, t_other = self.in_b, self.in_a, self.tb, self.ta
            new_mine, new_mine_in_other = self.new_b, self.new_b_in_a
            new_other_in_mine = self.new_a_in_b
            k = self.k_b
        if order:
            if side_a:
                self.cyc_a += int(k[v]) - 1
            else:
                self.cyc_b += int(k[v]) - 1
        inside[v] = True
        front[v] = False
        order.append(int(v))
        nb = g.neighbours(v)
        k[nb] += 1
        front[nb[~inside[nb] & ~used[nb]]] = True
        members = g.members(v)
        x = members[~mine[members]]  # inputs new to this side
        if len(x):
            held = other[x]
            n_mine, n_other = len(new_mine), len(new_other_in_mine)
            nodes = _gather(t_mine.indptr, t_mine.indices, x)
            new_mine -= np.bincount(nodes, minlength=n_mine)
            nodes = _gather(t_mine.indptr, t_mine.indices, x[held])
            new_mine_in_other -= np.bincount(nodes, minlength=n_mine)
            nodes = _gather(t_other.indptr, t_other.indices, x[~held])
            new_other_in_mine += np.bincount(nodes, minlength=n_other)
            mine[x] = True

    def _best_move(self):
        """The admissible move of largest gain, and its (gain, d_inter, d_sym)."""
        lam = self.lam
        fa, fb = np.flatnonzero(self.fa), np.flatnonzero(self.fb)
        # single moves
        d_int_a = self.new_a_in_b[fa]
        d_sym_a = self.new_a[fa] - 2 * d_int_a
        d_int_b = self.new_b_in_a[fb]
        d_sym_b = self.new_b[fb] - 2 * d_int_b
        cand_a = [fa, np.full(len(fb), -1)]
        cand_b = [np.full(len(fa), -1), fb]
        d_int = [d_int_a, d_int_b]
        d_sym = [d_sym_a, d_sym_b]
        # pair moves: every frontier node with its top_k coupled frontier partners
        pa, pb = self._pairs(fa, fb)
        if len(pa):
            xy = self._shared_new(pa, pb)
            da, db = self.new_a_in_b[pa], self.new_b_in_a[pb]
            cand_a.append(pa)
            cand_b.append(pb)
            d_int.append(da + db + xy)
            d_sym.append((self.new_a[pa] - da - xy) + (self.new_b[pb] - db - xy) - da - db)
        ca, cb = np.concatenate(cand_a), np.concatenate(cand_b)
        if len(ca) == 0:
            self.blocked_gain = -np.inf
            return None, (0.0, 0, 0)
        di, ds = np.concatenate(d_int), np.concatenate(d_sym)
        gain = di - lam * ds
        # cycles after the move, and whether their agreement stays acceptable
        cyc_a = self.cyc_a + np.where(ca >= 0, self.k_a[np.maximum(ca, 0)] - 1, 0)
        cyc_b = self.cyc_b + np.where(cb >= 0, self.k_b[np.maximum(cb, 0)] - 1, 0)
        after = (1.0 + np.minimum(cyc_a, cyc_b)) / (1.0 + np.maximum(cyc_a, cyc_b))
        ok = (after >= self.cycle_ratio) | (after >= _ratio(self.cyc_a, self.cyc_b))
        self.blocked_gain = float(gain[~ok].max()) if (~ok).any() else -np.inf
        if not ok.any():
            return None, (0.0, 0, 0)
        idx = np.flatnonzero(ok)
        # largest gain; ties: lowest node of A, then of B (a missing node sorts last)
        big = np.iinfo(np.int64).max
        order = np.lexsort(
            (np.where(cb[idx] < 0, big, cb[idx]), np.where(ca[idx] < 0, big, ca[idx]), -gain[idx])
        )
        for i in idx[order[: self.max_fold_checks]]:
            if self._folds(int(ca[i]), int(cb[i])):
                self.blocked_gain = max(self.blocked_gain, float(gain[i]))
                continue
            return (int(ca[i]), int(cb[i])), (float(gain[i]), int(di[i]), int(ds[i]))
        return None, (0.0, 0, 0)

    # folds
    def _partners(self, v: int, side_a: bool, inside: np.ndarray) -> np.ndarray:
        """Nodes of the other side, within ``inside``, coupled to ``v`` at least half as
        strongly as its best one there."""
        m = self.C if side_a else self.CT
        row = slice(m.indptr[v], m.indptr[v + 1])
        cols, vals = m.indices[row], m.data[row]
        keep = inside[cols]
        cols, vals = cols[keep], vals[keep]
        if len(cols) == 0:
            return cols
        return cols[vals >= 0.5 * vals.max()]

    @staticmethod
    def _compact(g: _G, nodes: np.ndarray, inside: np.ndarray) -> bool:
        """Do ``nodes`` all lie within two edges of one node of the graph?"""
        if len(nodes) <= 1:
            return True
        common = None
        for p in nodes:
            ball = set(g.ball2(p).tolist())
            common = ball if common is None else common & ball
            if not common:
                return False
        return True

    def _folds(self, a: int, b: int) -> bool:
        """Would adding ``a`` and/or ``b`` make a node's partners on the other side spread
        over separate places (two parts of one side folded onto one node of the other)?"""
        sa, sb = self.sa.copy(), self.sb.copy()
        if a >= 0:
            sa[a] = True
        if b >= 0:
            sb[b] = True
        for v, side_a in ((a, True), (b, False)):
            if v < 0:
                continue
            mine, other = (sa, sb) if side_a else (sb, sa)
            g_mine, g_other = (self.ga, self.gb) if side_a else (self.gb, self.ga)
            partners = self._partners(v, side_a, other)
            if not self._compact(g_other, partners, other):
                return True
            for w in partners:
                if not self._compact(g_mine, self._partners(int(w), not side_a, mine), mine):
                    return True
        return False

    def _pairs(self, fa: np.ndarray, fb: np.ndarray):
        """Frontier pairs: each frontier node with its ``top_k`` best-coupled frontier nodes
        of the other side."""
        empty = np.zeros(0, dtype=np.int64)
        if len(fa) == 0 or len(fb) == 0:
            return empty, empty
        out_a, out_b = [], []
        for rows, front, m, flip in ((fa, self.fb, self.C, False), (fb, self.fa, self.CT, True)):
            owner, pos = _positions(m.indptr, rows)
            cols = m.indices[pos]
            keep = front[cols]
            owner, cols, vals = owner[keep], cols[keep], m.data[pos[keep]]
            if len(owner) == 0:
                continue
            order = np.lexsort((cols, -vals, owner))
            owner, cols = owner[order], cols[order]
            starts = np.flatnonzero(np.concatenate(([True], owner[1:] != owner[:-1])))
            lengths = np.diff(np.append(starts, len(owner)))
            rank = np.arange(len(owner)) - np.repeat(starts, lengths)
            keep = rank < self.top_k
            r, c = rows[owner[keep]], cols[keep].astype(np.int64)
            out_a.append(c if flip else r)
            out_b.append(r if flip else c)
        if not out_a:
            return empty, empty
        keys = np.unique(np.concatenate(out_a) * self.gb.n + np.concatenate(out_b))
        return keys // self.gb.n, keys % self.gb.n

    def _shared_new(self, pa: np.ndarray, pb: np.ndarray) -> np.ndarray:
        """For each pair, how many inputs both nodes hold that neither side holds yet."""
        free = ~(self.in_a | self.in_b)
        n = self.n_inputs
        keys = []
        for g, nodes in ((self.ga, pa), (self.gb, pb)):
            owner, pos = _positions(g.indptr, nodes)
            inputs = g.indices[pos]
            keep = free[inputs]
            keys.append(owner[keep] * n + inputs[keep])
        common = np.intersect1d(keys[0], keys[1], assume_unique=True)
        return np.bincount(common // n, minlength=len(pa)).astype(np.int64)

    def _close(self):
        """Add the free neighbours whose inputs the region already holds (share >= closure)."""
        u = self.in_a | self.in_b
        for g, front, side_a in ((self.ga, self.fa, True), (self.gb, self.fb, False)):
            for v in np.flatnonzero(front):
                m = g.members(v)
                inside = self.sa if side_a else self.sb
                if len(m) and u[m].mean() >= self.closure and not inside[v]:
                    self._add(int(v), side_a)


# -- validation --------------------------------------------------------------------------------
def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name}: must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_fraction(value, name, low, high, *, open_low=False, open_high=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
    if ok:
        ok = (value > low if open_low else value >= low) and (
            value < high if open_high else value <= high
        )
    if not ok:
        lb, hb = "(" if open_low else "[", ")" if open_high else "]"
        raise ValueError(f"{name}: must be a number in {lb}{low}, {high}{hb}, got {value!r}")
    return float(value)


def _check_graphs(graph_a, graph_b) -> int:
    return check_same_inputs([graph_a, graph_b], "graph_a, graph_b")


# -- public functions ----------------------------------------------------------------------------
def score_region(
    graph_a: MapperGraph,
    graph_b: MapperGraph,
    nodes_a,
    nodes_b,
    *,
    n_permutations: int = 0,
    random_state=None,
) -> Region:
    """Score a given pair of node sets as a region (with a permutation p-value on request).

    Overlap is the Jaccard index of the inputs of the two sets. Structural agreement is the
    product of four terms in [0, 1], computed on the induced subgraphs and on the
    *partners* of each node: the nodes of the other set whose Jaccard index with it is at
    least half of its best one.

    - edges preserved: the share of the edges of both subgraphs whose two ends have partners
      that share a node or an edge;
    - unfolded: for each direction, the share of nodes whose partners lie within two edges of
      one node of the other graph, the two shares multiplied (two separate arms folded onto
      one arm fail this);
    - components and cycles: ``(1 + min) / (1 + max)`` of the numbers of connected components
      and of independent cycles ``E - V + C`` of the two subgraphs.

    Parameters
    ----------
    graph_a, graph_b : MapperGraph
        Graphs of the same inputs.
    nodes_a, nodes_b : array-like of int
        Node indices (need not be connected).
    n_permutations : int
        Permutations for the p-value (0: ``p_value`` is NaN).
    random_state : int, RandomState or None

    Returns
    -------
    Region
    """
    n_inputs = _check_graphs(graph_a, graph_b)
    n_permutations = _check_int(n_permutations, "n_permutations", 0)
    nodes = []
    for name, g, v in (("nodes_a", graph_a, nodes_a), ("nodes_b", graph_b, nodes_b)):
        arr = np.unique(np.asarray(v, dtype=np.int64).ravel())
        if arr.size and (arr[0] < 0 or arr[-1] >= g.n_nodes):
            raise ValueError(
                f"{name}: node indices must lie in [0, {g.n_nodes}), got {arr[0]}..{arr[-1]}"
            )
        nodes.append(arr)
    ga, gb = _G(graph_a), _G(graph_b)
    coupling = node_coupling(graph_a, graph_b)
    ev = _evaluate(ga, gb, nodes[0], nodes[1], coupling, n_inputs=n_inputs)
    region = _make_region(nodes[0], nodes[1], ev)
    if n_permutations:
        _p_values([region], ga, gb, graph_a, graph_b, n_permutations, random_state, None)
    return region


def find_matching_regions(
    graph_a: MapperGraph,
    graph_b: MapperGraph,
    *,
    min_size: int = 3,
    min_score: float = 0.6,
    n_permutations: int = 100,
    max_regions: int | None = None,
    min_seed: float = 0.5,
    grow_overlap: float = 0.6,
    closure: float = 0.75,
    cycle_ratio: float = 0.75,
    random_state=None,
    progress: ProgressFn | None = None,
) -> list[Region]:
    """Find pairwise disjoint, structurally matching regions of two mapper graphs.

    1. **Seeds**: node pairs ``(a, b)`` that are each other's best match in the Jaccard
       node coupling, with Jaccard at least ``min_seed``, strongest first.
    2. **Growth**: from a seed, best-first moves add one node of A, one node of B, or a
       pair (a frontier node with one of its 3 best-coupled frontier nodes of the other
       side), each adjacent to its side of the region and used by no accepted region. A
       move's gain is the change of ``F = |I_A ∩ I_B| - λ |I_A Δ I_B|`` (``I``: the inputs
       of a side; ``λ = grow_overlap / (1 - grow_overlap)``), so a move gains when the inputs
       it brings agree at a Jaccard index above ``grow_overlap``. A move is admissible when
       the ratio ``(1 + min) / (1 + max)`` of the two sides' independent cycles stays at
       least ``cycle_ratio`` or does not decrease, and when it folds nothing (the nodes it
       touches keep their partners within two edges of one node). The best admissible move is taken even
       at a loss, while the explored sets keep a Jaccard index of at least
       ``grow_overlap``; growth stops when no admissible move is left or that floor would
       be crossed, and the region is cut back to where ``F`` was largest.
    3. **Closure**: every free neighbour whose inputs lie at least ``closure`` within the
       region's inputs joins it (a node that growth refused for its cycles but whose inputs
       the region holds reveals a structural difference, and the score shows it).
    4. **Acceptance**: a region whose growth ended on a move refused only for its cycles
       or for a fold although its inputs agreed is refused. Otherwise it is scored
       (:func:`score_region`) and kept when ``size >= min_size`` and
       ``score >= min_score``; its nodes are then unavailable to later regions. The nodes
       explored for a refused region seed no further region.
    5. **p-values**: ``n_permutations`` times, the input ids of graph B are permuted (columns
       of its membership matrix) and each region's score is recomputed on its node sets;
       ``p = (1 + #{null >= observed}) / (1 + n_permutations)``.

    Parameters
    ----------
    graph_a, graph_b : MapperGraph
        Graphs built on the same inputs.
    min_size : int
        Fewest nodes on each side of a region.
    min_score : float in [0, 1]
        Lowest score kept.
    n_permutations : int
        Permutations for the p-values (0: none, ``p_value`` is NaN).
    max_regions : int, optional
        Stop after this many regions.
    min_seed : float in (0, 1]
        Lowest Jaccard index of a seed pair.
    grow_overlap : float in (0, 1)
        Agreement a growth move needs to gain, and the floor of the explored sets' Jaccard
        index (step 2).
    closure : float in (0.5, 1]
        Share of a neighbour's inputs inside the region for it to join in step 3.
    cycle_ratio : float in [0, 1]
        Cycle agreement a growth move must keep (step 2).
    random_state : int, RandomState or None
        Seeds the permutations.
    progress : callable(fraction, message), optional
        Called after every grown seed, every 200 growth moves and every permutation; raise
        from it to cancel.

    Returns
    -------
    list of Region
        Ranked by score (then size), best first. Regions are connected in both graphs and
        share no node, in either graph.

    Raises
    ------
    TypeError, ValueError
        A graph is not a MapperGraph, the graphs have different ``n_inputs``, or a parameter
        is out of range.
    """
    n_inputs = _check_graphs(graph_a, graph_b)
    min_size = _check_int(min_size, "min_size", 1)
    min_score = _check_fraction(min_score, "min_score", 0.0, 1.0)
    n_permutations = _check_int(n_permutations, "n_permutations", 0)
    if max_regions is not None:
        max_regions = _check_int(max_regions, "max_regions", 1)
    min_seed = _check_fraction(min_seed, "min_seed", 0.0, 1.0, open_low=True)
    grow_overlap = _check_fraction(
        grow_overlap, "grow_overlap", 0.0, 1.0, open_low=True, open_high=True
    )
    closure = _check_fraction(closure, "closure", 0.5, 1.0, open_low=True)
    cycle_ratio = _check_fraction(cycle_ratio, "cycle_ratio", 0.0, 1.0)
    if graph_a.n_nodes == 0 or graph_b.n_nodes == 0:
        return []

    ga, gb = _G(graph_a), _G(graph_b)
    coupling = node_coupling(graph_a, graph_b)
    coupling.sort_indices()
    coupling_t = coupling.T.tocsr()
    coupling_t.sort_indices()
    seeds = _seeds(coupling, coupling_t, min_seed)

    used_a = np.zeros(ga.n, dtype=bool)
    used_b = np.zeros(gb.n, dtype=bool)
    tried_a = np.zeros(ga.n, dtype=bool)
    tried_b = np.zeros(gb.n, dtype=bool)
    lam = grow_overlap / (1.0 - grow_overlap)
    grower = _Grower(
        ga, gb, coupling, coupling_t, n_inputs, used_a, used_b, lam, closure, 3, cycle_ratio
    )
    search_share = 0.8 if n_permutations else 1.0
    regions: list[Region] = []
    for k, (a, b) in enumerate(seeds):
        skip = used_a[a] or used_b[b] or tried_a[a] or tried_b[b]
        if progress is not None and (not skip or k % 100 == 0):
            fraction = search_share * k / len(seeds)
            message = f"seed {k + 1}/{len(seeds)}: {len(regions)} region(s)"
            progress(fraction, message)
            # long growths report too (so that cancelling stays responsive)
            grower.progress = lambda n, _f=fraction, _m=message: progress(
                _f, f"{_m}; growing ({n} nodes)"
            )
        if skip:
            continue
        nodes_a, nodes_b = grower.run(a, b)
        ev = _evaluate(ga, gb, nodes_a, nodes_b, coupling, grower.in_a, grower.in_b)
        if (
            not grower.conflict
            and min(len(nodes_a), len(nodes_b)) >= min_size
            and ev["score"] >= min_score
        ):
            used_a[nodes_a] = True
            used_b[nodes_b] = True
            regions.append(_make_region(nodes_a, nodes_b, ev))
            if max_regions is not None and len(regions) >= max_regions:
                break
        else:
            tried_a[grower.explored_a] = True
            tried_b[grower.explored_b] = True
    if progress is not None:
        progress(search_share, f"{len(regions)} region(s) found")
    regions.sort(key=lambda r: (-r.score, -r.size, int(r.nodes_a[0]), int(r.nodes_b[0])))
    if n_permutations and regions:
        _p_values(
            regions, ga, gb, graph_a, graph_b, n_permutations, random_state, progress, search_share
        )
    if progress is not None:
        progress(1.0, f"{len(regions)} region(s)")
    return regions


def _seeds(
    coupling: sp.csr_matrix, coupling_t: sp.csr_matrix, min_seed: float
) -> list[tuple[int, int]]:
    """Mutually best pairs with Jaccard >= min_seed, strongest first (ties: lower indices)."""
    if coupling.nnz == 0:
        return []
    best_b = _row_argmax(coupling)
    best_a = _row_argmax(coupling_t)
    coo = coupling.tocoo()
    rows, cols, vals = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
    keep = (vals >= min_seed) & (best_b[rows] == cols) & (best_a[cols] == rows)
    rows, cols, vals = rows[keep], cols[keep], vals[keep]
    order = np.lexsort((cols, rows, -vals))
    return [(int(rows[i]), int(cols[i])) for i in order]


def _row_argmax(m: sp.csr_matrix) -> np.ndarray:
    """Column of the largest entry of each row (the lowest such column on ties; -1 if empty)."""
    n = m.shape[0]
    out = np.full(n, -1, dtype=np.int64)
    counts = np.diff(m.indptr)
    nonempty = np.flatnonzero(counts)
    if len(nonempty) == 0:
        return out
    row_of = np.repeat(np.arange(n), counts)
    # sort entries by row, then value descending, then column ascending
    order = np.lexsort((m.indices, -m.data, row_of))
    first = m.indptr[nonempty]
    out[nonempty] = m.indices[order[first]]
    return out


def _p_values(
    regions, ga, gb, graph_a, graph_b, n_permutations, random_state, progress, start=0.0
):
    """Permutation p-values: permute the input ids of graph B, rescore each region on its
    node sets (components and cycles do not change; overlap, edges preserved and folds do)."""
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    n_inputs = graph_a.n_inputs
    ctx = []
    for r in regions:
        side_a, side_b = _Side(ga, r.nodes_a), _Side(gb, r.nodes_b)
        a_rows = graph_a.membership[r.nodes_a].astype(np.float64)
        b_rows = graph_b.membership[r.nodes_b].tocsr()
        in_a = ga.input_mask(r.nodes_a, n_inputs)
        in_b_idx = np.flatnonzero(gb.input_mask(r.nodes_b, n_inputs))
        size_a = np.diff(a_rows.indptr).astype(np.float64)
        size_b = np.diff(b_rows.indptr).astype(np.float64)
        ctx.append((side_a, side_b, a_rows, b_rows, in_a, in_b_idx, size_a, size_b))
    exceed = np.zeros(len(regions), dtype=np.int64)
    for t in range(n_permutations):
        perm = rng.permutation(n_inputs)  # input j of B becomes input perm[j]
        for i, (side_a, side_b, a_rows, b_rows, in_a, in_b_idx, size_a, size_b) in enumerate(ctx):
            shared = int(np.count_nonzero(in_a[perm[in_b_idx]]))
            union = int(np.count_nonzero(in_a)) + len(in_b_idx) - shared
            overlap = shared / union if union else 0.0
            # structure <= 1, so the null score cannot reach the observed one unless the
            # overlap does; only then is the (costlier) structure recomputed
            if overlap < regions[i].score - 1e-12:
                continue
            bp = sp.csr_matrix(
                (np.ones(len(b_rows.indices)), perm[b_rows.indices], b_rows.indptr),
                shape=b_rows.shape,
            )
            inter = (a_rows @ bp.T).toarray()
            sub_c = inter / (size_a[:, None] + size_b[None, :] - inter)
            score = overlap * _structure(side_a, side_b, sub_c)["structure"]
            if score >= regions[i].score - 1e-12:
                exceed[i] += 1
        if progress is not None:
            progress(
                start + (1 - start) * (t + 1) / n_permutations,
                f"permutation {t + 1}/{n_permutations}",
            )
    for i, r in enumerate(regions):
        r.p_value = float((1 + exceed[i]) / (1 + n_permutations))
