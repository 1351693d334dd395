"""Motif queries: where a small structural pattern occurs in a graph, and whether another
graph of the same inputs keeps it.

A *motif* is a small pattern: a loop, a branch, a flare, an unbranched path, a star, a
clique (the built-ins, kept in the registry :data:`MOTIFS`), or a pattern the user gives as
a networkx graph or an edge list (matched by subgraph isomorphism). :func:`find_motifs`
lists the instances of one motif in one graph; :func:`compare_motifs` lists the instances
in two graphs of the same inputs and says, for each, whether the other graph keeps it
("preserved"), breaks it ("broken") or holds an instance the first one lacks ("new").

Definitions of the built-ins (``deg`` is the degree in the whole graph; an *arm* of a node
``c`` is the walk that leaves ``c`` through one neighbour and goes on through nodes of
degree 2 until it reaches a node of another degree, its *end*; the arm's length is its
number of edges, and an arm that comes back to ``c`` is a loop, not an arm):

- ``loop``: a cycle of a minimum cycle basis whose length lies in
  ``[min_length, max_length]``. A minimum cycle basis has one cycle per independent loop of
  the graph (``E - V + C`` of them), each as short as possible, so two loops that share a
  path count as two, not three. It is computed per biconnected component with Horton's
  candidate cycles (a breadth-first tree from every node of degree >= 3, each non-tree edge
  closing one candidate), kept greedily in order of length when independent over GF(2);
  with ``max_length`` only candidates up to that length are needed, which keeps the search
  local and fast.
- ``branch``: a node of degree >= 3 with at least ``min_arms`` arms of length
  >= ``min_arm_length``; the instance is the node and those arms (their ends included).
- ``flare``: a node of degree >= 3 with at least ``min_arms`` arms of length
  >= ``min_arm_length`` that end in leaves (degree-1 nodes): tendrils with free ends.
- ``path``: a maximal unbranched chain: a walk whose inner nodes have degree 2 and whose
  two ends do not (leaves or junctions, the ends included), with length in
  ``[min_length, max_length]``.
- ``star``: a node with at least ``min_spokes`` leaf neighbours; the instance is the node
  and those leaves.
- ``clique``: a maximal clique with ``min_size`` to ``max_size`` nodes.

Every search is bounded by a time limit and a count limit: the generators check the clock
inside their loops (also inside networkx's matcher and clique search), and when a limit cuts
the search the result says so (``truncated`` and ``reason``). Nothing hangs.

Users add motifs with ``MOTIFS.register(name, fn)``: ``fn(graph, check, **params)`` takes a
``networkx.Graph`` on nodes ``0 .. n-1`` and a ``check(fraction=None)`` callable to call
often (it raises when the time is up), and yields ``(nodes, edges, center)`` triples
(``center`` is -1 when the motif has none); declare its parameters with
:func:`~napari_topoalign._utils.params.declare_params`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._utils.params import Param, Registry, check_params, declare_params, param_specs
from .._utils.progress import ProgressFn, check_progress
from .._utils.validation import check_bool, check_int, check_real

__all__ = [
    "MOTIFS",
    "MotifInstance",
    "MotifResult",
    "MotifComparison",
    "find_motifs",
    "compare_motifs",
    "counterpart_nodes",
    "crossing_shares",
    "pattern_from_paths",
    "as_pattern",
    "motif_params",
]

MOTIFS = Registry("motif")

#: The statuses of :func:`compare_motifs`.
STATUSES = ("preserved", "broken", "new")


class _TimeUp(Exception):
    """Raised by a search budget's ``check`` when the time limit has passed."""


# --------------------------------------------------------------------------------------------
# results
# --------------------------------------------------------------------------------------------
@dataclass(eq=False)
class MotifInstance:
    """One instance of a motif in a graph.

    Attributes
    ----------
    nodes : ndarray of int64
        The node indices, in the motif's order: a loop in cycle order, a path from end to
        end, a branch / flare / star centre first and then its arms, a clique sorted, a user
        pattern in the order of the pattern's nodes.
    edges : ndarray of int64, shape (k, 2)
        The edges of the graph the instance uses (each ``(i, j)`` with ``i < j``, sorted).
    center : int
        The centre node (branch, flare, star), or -1.
    """

    nodes: np.ndarray
    edges: np.ndarray
    center: int = -1

    def __post_init__(self) -> None:
        self.nodes = np.asarray(self.nodes, dtype=np.int64).reshape(-1)
        e = np.sort(np.asarray(self.edges, dtype=np.int64).reshape(-1, 2), axis=1)
        self.edges = np.unique(e, axis=0) if len(e) else e
        self.center = int(self.center)

    @property
    def size(self) -> int:
        return len(self.nodes)

    def key(self) -> tuple[frozenset, frozenset]:
        """``(node set, edge set)``: two instances with the same key are the same instance."""
        return frozenset(self.nodes.tolist()), frozenset(map(tuple, self.edges.tolist()))

    def to_dict(self) -> dict[str, Any]:
        return {"nodes": self.nodes.copy(), "edges": self.edges.copy(), "center": self.center}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MotifInstance:
        return cls(
            np.asarray(data["nodes"]), np.asarray(data["edges"]), int(data.get("center", -1))
        )

    def __repr__(self) -> str:
        return f"MotifInstance(nodes={self.nodes.tolist()}, {len(self.edges)} edges)"


@dataclass(eq=False)
class MotifResult:
    """The instances of one motif in one graph.

    Attributes
    ----------
    motif : str
        The motif's name (``"pattern"`` for a user pattern).
    instances : list of MotifInstance
        Each instance once (up to the motif's automorphisms), in the order found.
    params : dict
        The motif's parameters as used (defaults filled in).
    truncated : bool
        True when a limit cut the search: there may be more instances.
    reason : str
        ``""``, ``"time_limit"`` or ``"max_instances"``.
    elapsed : float
        Seconds spent.
    n_nodes : int
        Nodes of the graph searched.
    pattern : ndarray of shape (k, 2) or None
        The user pattern's edges (on nodes ``0 .. m-1``), for ``motif == "pattern"``.
    graph : str
        The name of the graph searched.
    """

    motif: str
    instances: list[MotifInstance] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    truncated: bool = False
    reason: str = ""
    elapsed: float = 0.0
    n_nodes: int = 0
    pattern: np.ndarray | None = None
    graph: str = ""

    def __len__(self) -> int:
        return len(self.instances)

    def __iter__(self):
        return iter(self.instances)

    def __getitem__(self, k: int) -> MotifInstance:
        return self.instances[k]

    def node_sets(self) -> list[frozenset[int]]:
        """Every instance as a frozenset of node indices."""
        return [frozenset(i.nodes.tolist()) for i in self.instances]

    def to_dict(self) -> dict[str, Any]:
        return {
            "motif": self.motif,
            "instances": [i.to_dict() for i in self.instances],
            "params": _plain_params(self.params),
            "truncated": bool(self.truncated),
            "reason": self.reason,
            "elapsed": float(self.elapsed),
            "n_nodes": int(self.n_nodes),
            "pattern": None if self.pattern is None else np.asarray(self.pattern, dtype=np.int64),
            "graph": self.graph,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MotifResult:
        pattern = data.get("pattern")
        return cls(
            motif=str(data["motif"]),
            instances=[MotifInstance.from_dict(d) for d in data.get("instances", [])],
            params=dict(data.get("params", {})),
            truncated=bool(data.get("truncated", False)),
            reason=str(data.get("reason", "")),
            elapsed=float(data.get("elapsed", 0.0)),
            n_nodes=int(data.get("n_nodes", 0)),
            pattern=None
            if pattern is None
            else np.asarray(pattern, dtype=np.int64).reshape(-1, 2),
            graph=str(data.get("graph", "")),
        )

    def __repr__(self) -> str:
        cut = f", truncated ({self.reason})" if self.truncated else ""
        return f"MotifResult({self.motif!r}: {len(self.instances)} instance(s){cut})"


def _plain_params(params: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in params.items():
        if isinstance(v, np.generic):
            v = v.item()
        if v is None or isinstance(v, (bool, int, float, str)):
            out[k] = v
        else:
            out[k] = repr(v)
    return out


# --------------------------------------------------------------------------------------------
# the search budget
# --------------------------------------------------------------------------------------------
class _Budget:
    """The clock of one search: ``check()`` raises :class:`_TimeUp` after the deadline and
    reports progress now and then (the progress callback may raise ``Cancelled``)."""

    def __init__(self, time_limit: float, progress: ProgressFn | None, label: str):
        self.start = time.perf_counter()
        self.deadline = self.start + time_limit
        self.time_limit = time_limit
        self.progress = progress
        self.label = label
        self._next_report = self.start + 0.1
        self.fraction = 0.0

    def check(self, fraction: float | None = None) -> None:
        now = time.perf_counter()
        if fraction is not None:
            self.fraction = float(fraction)
        if now > self.deadline:
            raise _TimeUp
        if self.progress is not None and now >= self._next_report:
            self._next_report = now + 0.1
            self.progress(min(max(self.fraction, 0.0), 0.99), f"{self.label}: searching")

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start


# --------------------------------------------------------------------------------------------
# graphs
# --------------------------------------------------------------------------------------------
def _as_nx(graph) -> tuple[Any, str]:
    """``(networkx.Graph on nodes 0..n-1, name)`` of a MapperGraph or a networkx graph (whose
    nodes are numbered in the order of ``graph.nodes``)."""
    import networkx as nx

    from ..model import MapperGraph

    if isinstance(graph, MapperGraph):
        g = nx.Graph()
        g.add_nodes_from(range(graph.n_nodes))
        e = graph.edges
        g.add_edges_from(map(tuple, e[e[:, 0] != e[:, 1]].tolist()))
        return g, graph.name
    if isinstance(graph, nx.Graph):
        nodes = list(graph.nodes)
        if nodes != list(range(len(nodes))):
            graph = nx.relabel_nodes(graph, {v: i for i, v in enumerate(nodes)}, copy=True)
        g = nx.Graph()
        g.add_nodes_from(range(len(nodes)))
        g.add_edges_from((a, b) for a, b in graph.edges() if a != b)
        return g, str(graph.graph.get("name", ""))
    raise TypeError(
        f"graph: expected a MapperGraph or a networkx graph, got {type(graph).__name__}"
    )


def as_pattern(motif) -> Any:
    """A user pattern as a ``networkx.Graph`` on nodes ``0 .. m-1`` (in the order given).

    ``motif`` is a networkx graph or an edge list (pairs of hashable node names; an array
    of shape (k, 2)). Self-loops and isolated nodes of a networkx graph are kept out of the
    edges; the pattern needs at least one edge.
    """
    import networkx as nx

    if isinstance(motif, nx.Graph):
        nodes = list(motif.nodes)
        pairs = [(a, b) for a, b in motif.edges() if a != b]
    else:
        try:
            pairs = [tuple(p) for p in motif]
        except TypeError:
            raise TypeError(
                f"motif: expected a motif name, a networkx graph or an edge list, got {type(motif).__name__}"
            ) from None
        if any(len(p) != 2 for p in pairs):
            raise ValueError("motif: an edge list needs pairs of nodes, e.g. [(0, 1), (1, 2)]")
        nodes = []
        seen = set()
        for a, b in pairs:
            for v in (a, b):
                v = v.item() if isinstance(v, np.generic) else v
                if v not in seen:
                    seen.add(v)
                    nodes.append(v)
        pairs = [
            (
                a.item() if isinstance(a, np.generic) else a,
                b.item() if isinstance(b, np.generic) else b,
            )
            for a, b in pairs
            if a != b
        ]
    if not pairs:
        raise ValueError("motif: the pattern has no edges")
    index = {v: i for i, v in enumerate(nodes)}
    g = nx.Graph()
    g.add_nodes_from(range(len(nodes)))
    g.add_edges_from((index[a], index[b]) for a, b in pairs)
    return g


def pattern_from_paths(positions, paths, *, max_distance: float | None = None) -> np.ndarray:
    """The edge list of a pattern drawn as polylines over the nodes of a graph.

    Every vertex of every path is snapped to its nearest node; consecutive vertices give
    the pattern's edges (a vertex that snaps to the same node as the previous one is
    skipped). The result is on the graph's node indices, ready for :func:`find_motifs`.

    Parameters
    ----------
    positions : array-like of shape (n_nodes, 2)
        Node positions, in the coordinates of the paths.
    paths : sequence of array-like of shape (k, 2)
        The drawn polylines.
    max_distance : float, optional
        Vertices farther than this from every node are refused with an error.

    Returns
    -------
    ndarray of shape (m, 2), int64
        Unique edges ``(i, j)``, ``i < j``.
    """
    from scipy.spatial import cKDTree

    pos = np.asarray(positions, dtype=np.float64).reshape(-1, 2)
    if len(pos) == 0:
        raise ValueError("positions: the graph has no nodes to snap the pattern to")
    tree = cKDTree(pos)
    edges = []
    for k, path in enumerate(paths):
        pts = np.asarray(path, dtype=np.float64).reshape(-1, 2)
        dist, idx = tree.query(pts)
        if max_distance is not None and len(dist) and dist.max() > max_distance:
            raise ValueError(
                f"paths[{k}]: a vertex lies {dist.max():.3g} from the nearest node "
                f"(max_distance {max_distance:.3g}); draw the pattern over the nodes"
            )
        prev = None
        for v in idx.tolist():
            if prev is not None and v != prev:
                edges.append((min(v, prev), max(v, prev)))
            prev = v
    if not edges:
        raise ValueError("paths: the drawn pattern joins no two different nodes")
    return np.unique(np.asarray(edges, dtype=np.int64), axis=0)


# --------------------------------------------------------------------------------------------
# built-in motifs
# --------------------------------------------------------------------------------------------
def _edge(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _path_edges(nodes: Sequence[int]) -> list[tuple[int, int]]:
    return [_edge(a, b) for a, b in zip(nodes[:-1], nodes[1:])]


@MOTIFS.register("loop", help="a cycle of a minimum cycle basis, length in a range")
@declare_params(
    min_length=Param(3, "int", low=3, high=100_000, help="shortest loop (number of edges)"),
    max_length=Param(
        None,
        "int",
        low=3,
        high=100_000,
        none_ok=True,
        help="longest loop (None: any); a bound keeps the search local and fast",
    ),
)
def loop(graph, check: Callable, *, min_length: int = 3, max_length: int | None = None):
    """Cycles of a minimum cycle basis with ``min_length <= length <= max_length``."""
    if max_length is not None and max_length < min_length:
        raise ValueError(f"max_length: must be >= min_length ({min_length}), got {max_length}")
    yield from _short_basis_cycles(graph, check, min_length, max_length)


def _short_basis_cycles(graph, check, min_length, max_length):
    import networkx as nx

    limit = np.inf if max_length is None else int(max_length)
    blocks = [b for b in nx.biconnected_component_edges(graph)]
    blocks = [b for b in blocks if len(b) >= 3]
    total = sum(len(b) for b in blocks) or 1
    done = 0
    for block in blocks:
        check(done / total)
        done += len(block)
        yield from _block_basis(graph, block, check, min_length, limit)


def _block_basis(graph, block_edges, check, min_length, limit):
    """Minimum-cycle-basis cycles of one biconnected block, shortest first, up to ``limit``."""
    edges = sorted(_edge(a, b) for a, b in block_edges)
    eid = {e: k for k, e in enumerate(edges)}
    adj: dict[int, list[int]] = {}
    for a, b in edges:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    for v in adj:
        adj[v].sort()
    nodes = sorted(adj)
    rank = len(edges) - len(nodes) + 1
    if rank <= 0:
        return
    roots = [v for v in nodes if len(adj[v]) >= 3]
    if not roots:  # the block is one simple cycle
        cycle = _walk_cycle(adj, nodes[0])
        if min_length <= len(cycle) <= limit:
            yield cycle, _path_edges(cycle + [cycle[0]]), -1
        return
    basis: dict[int, int] = {}
    found = 0
    # without a length bound, candidates are generated in stages of doubling length, so that
    # the shortest loops come out (and a time limit keeps them) before the long ones
    if np.isfinite(limit):
        stages = [int(limit)]
    else:
        stages = []
        bound = 8
        while bound < len(nodes):
            stages.append(bound)
            bound *= 2
        stages.append(len(nodes))
    done_up_to = 0
    for bound in stages:
        candidates = _horton_candidates(adj, roots, eid, bound, done_up_to, check)
        check()
        for k, (bits, length, cyc) in enumerate(candidates):
            if k % 256 == 0:
                check()
            v = bits
            while v:
                p = v.bit_length() - 1
                b = basis.get(p)
                if b is None:
                    break
                v ^= b
            if not v:
                continue
            basis[v.bit_length() - 1] = v
            found += 1
            if min_length <= length <= limit:
                cyc = _rotate(list(cyc))
                yield cyc, _path_edges(cyc + [cyc[0]]), -1
            if found == rank:
                return
        done_up_to = bound


def _horton_candidates(adj, roots, eid, bound: int, shorter: int, check) -> list:
    """Horton's candidate cycles of length in ``(shorter, bound]``: from a breadth-first
    tree of every root, each non-tree edge ``(x, y)`` whose ends lie in different subtrees
    of the root closes the cycle ``root .. x, y .. root``. Returned once each, as
    ``(edge bitset, length, nodes in order)``, shortest first."""
    depth_limit = bound // 2
    candidates: dict[int, tuple[int, tuple[int, ...]]] = {}
    for r_i, root in enumerate(roots):
        if r_i % 16 == 0:
            check()
        parent = {root: root}
        depth = {root: 0}
        branch = {root: -1}
        order = [root]
        head = 0
        while head < len(order):
            x = order[head]
            head += 1
            dx = depth[x]
            if dx >= depth_limit:
                continue
            for y in adj[x]:
                if y not in depth:
                    depth[y] = dx + 1
                    parent[y] = x
                    branch[y] = y if x == root else branch[x]
                    order.append(y)
        # every non-tree edge between two reached nodes in different branches
        for x in order:
            dx = depth[x]
            bx = branch[x]
            for y in adj[x]:
                if y <= x or y not in depth or parent.get(x) == y or parent.get(y) == x:
                    continue
                if bx == branch[y] or bx == -1 or branch[y] == -1:
                    continue
                length = dx + depth[y] + 1
                if length > bound or length <= shorter:
                    continue
                px = [x]
                while px[-1] != root:
                    px.append(parent[px[-1]])
                py = [y]
                while py[-1] != root:
                    py.append(parent[py[-1]])
                cyc = px[::-1] + py[:-1]  # root .. x, y .. (child of root)
                bits = 0
                for e in _path_edges(cyc + [root]):
                    bits |= 1 << eid[e]
                if bits not in candidates:
                    candidates[bits] = (length, tuple(cyc))
        if len(candidates) > 5_000_000:  # pragma: no cover - memory guard
            raise _TimeUp
    ordered = sorted(candidates.items(), key=lambda kv: (kv[1][0], kv[1][1]))
    return [(bits, length, cyc) for bits, (length, cyc) in ordered]


def _rotate(cycle: list[int]) -> list[int]:
    """The cycle started at its smallest node, in the direction of its smaller neighbour."""
    k = cycle.index(min(cycle))
    c = cycle[k:] + cycle[:k]
    if len(c) > 2 and c[-1] < c[1]:
        c = [c[0]] + c[1:][::-1]
    return c


def _walk_cycle(adj, start) -> list[int]:
    cyc = [start]
    prev, cur = None, start
    while True:
        nxt = [y for y in adj[cur] if y != prev]
        if not nxt:
            return cyc
        y = nxt[0] if prev is not None else min(adj[cur])
        if y == start:
            return _rotate(cyc)
        cyc.append(y)
        prev, cur = cur, y


def _arms(graph, c: int, check) -> list[tuple[list[int], int, bool]]:
    """The arms of node ``c``: ``(nodes after c up to the end, length, ends in a leaf)``;
    arms that come back to ``c`` are left out."""
    adj = graph.adj
    out = []
    for u in sorted(adj[c]):
        chain = [u]
        prev, cur = c, u
        back = False
        while len(adj[cur]) == 2:
            a, b = adj[cur]
            nxt = b if a == prev else a
            if nxt == c:
                back = True
                break
            chain.append(nxt)
            prev, cur = cur, nxt
            if len(chain) % 4096 == 0:
                check()
        if back:
            continue
        out.append((chain, len(chain), len(adj[cur]) == 1))
    return out


def _arm_motif(graph, check, min_arms, min_arm_length, leaves_only):
    n = graph.number_of_nodes()
    for k, c in enumerate(sorted(v for v, d in graph.degree() if d >= 3)):
        if k % 64 == 0:
            check(k / max(n, 1))
        arms = [
            a
            for a in _arms(graph, c, check)
            if a[1] >= min_arm_length and (a[2] or not leaves_only)
        ]
        if len(arms) < min_arms:
            continue
        nodes = [c]
        edges = []
        for chain, _, _ in arms:
            nodes.extend(chain)
            edges.extend(_path_edges([c] + chain))
        # an arm's end may be another arm's end (two arms to the same junction): once
        seen = set()
        nodes = [v for v in nodes if not (v in seen or seen.add(v))]
        yield nodes, edges, c


@MOTIFS.register("branch", help="a node of degree >= 3 with long arms")
@declare_params(
    min_arms=Param(3, "int", low=3, high=10_000, help="arms of at least min_arm_length needed"),
    min_arm_length=Param(
        2, "int", low=1, high=100_000, help="shortest arm (edges of an unbranched walk)"
    ),
)
def branch(graph, check: Callable, *, min_arms: int = 3, min_arm_length: int = 2):
    """A node of degree >= 3 with at least ``min_arms`` arms of ``min_arm_length`` edges."""
    yield from _arm_motif(graph, check, min_arms, min_arm_length, leaves_only=False)


@MOTIFS.register("flare", help="a branch whose arms end in leaves")
@declare_params(
    min_arms=Param(
        2, "int", low=1, high=10_000, help="leaf-ending arms of at least min_arm_length needed"
    ),
    min_arm_length=Param(
        2, "int", low=1, high=100_000, help="shortest arm (edges of an unbranched walk)"
    ),
)
def flare(graph, check: Callable, *, min_arms: int = 2, min_arm_length: int = 2):
    """A node of degree >= 3 with at least ``min_arms`` arms of ``min_arm_length`` edges or
    more that end in leaves."""
    yield from _arm_motif(graph, check, min_arms, min_arm_length, leaves_only=True)


@MOTIFS.register("path", help="a maximal unbranched chain")
@declare_params(
    min_length=Param(3, "int", low=1, high=100_000, help="shortest chain (edges)"),
    max_length=Param(
        None, "int", low=1, high=100_000, none_ok=True, help="longest chain (None: any)"
    ),
)
def path(graph, check: Callable, *, min_length: int = 3, max_length: int | None = None):
    """Maximal chains (inner nodes of degree 2, ends of another degree) of ``min_length`` to
    ``max_length`` edges."""
    if max_length is not None and max_length < min_length:
        raise ValueError(f"max_length: must be >= min_length ({min_length}), got {max_length}")
    limit = np.inf if max_length is None else max_length
    n = graph.number_of_nodes()
    for k, s in enumerate(sorted(v for v, d in graph.degree() if d != 2 and d > 0)):
        if k % 64 == 0:
            check(k / max(n, 1))
        for chain, length, _ in _arms(graph, s, check):
            end = chain[-1]
            if end < s or not (min_length <= length <= limit):
                continue  # each chain once, from its smaller end (a chain s..s came back: not an arm)
            nodes = [s] + chain
            yield nodes, _path_edges(nodes), -1


@MOTIFS.register("star", help="a node with many leaf neighbours")
@declare_params(
    min_spokes=Param(3, "int", low=2, high=100_000, help="leaf neighbours needed"),
)
def star(graph, check: Callable, *, min_spokes: int = 3):
    """A node with at least ``min_spokes`` neighbours of degree 1 (the instance: the node and
    those leaves)."""
    adj = graph.adj
    n = graph.number_of_nodes()
    for k, c in enumerate(range(n)):
        if k % 1024 == 0:
            check(k / max(n, 1))
        if len(adj[c]) < min_spokes:
            continue
        leaves = sorted(u for u in adj[c] if len(adj[u]) == 1)
        if len(leaves) >= min_spokes and not (len(leaves) == 1 and len(adj[c]) == 1):
            yield [c] + leaves, [_edge(c, u) for u in leaves], c


@MOTIFS.register("clique", help="a maximal clique")
@declare_params(
    min_size=Param(4, "int", low=3, high=100_000, help="fewest nodes"),
    max_size=Param(None, "int", low=3, high=100_000, none_ok=True, help="most nodes (None: any)"),
)
def clique(graph, check: Callable, *, min_size: int = 4, max_size: int | None = None):
    """Maximal cliques of ``min_size`` to ``max_size`` nodes."""
    import networkx as nx

    if max_size is not None and max_size < min_size:
        raise ValueError(f"max_size: must be >= min_size ({min_size}), got {max_size}")
    core = nx.k_core(graph, min_size - 1) if graph.number_of_edges() else graph
    check()
    for k, members in enumerate(nx.find_cliques(core)):
        if k % 64 == 0:
            check()
        if len(members) < min_size or (max_size is not None and len(members) > max_size):
            continue
        members = sorted(members)
        edges = [(a, b) for i, a in enumerate(members) for b in members[i + 1 :]]
        yield members, edges, -1


# --------------------------------------------------------------------------------------------
# user patterns
# --------------------------------------------------------------------------------------------
def _match_order(pattern) -> list[tuple[int, int, list[int], list[int]]]:
    """The order in which pattern nodes are matched: each step is ``(pattern node, anchor,
    mapped neighbours, mapped non-neighbours)``; the anchor (-1 for none) is a mapped
    neighbour whose image's neighbours are the candidates. Most-constrained first."""
    padj = {v: set(pattern.adj[v]) for v in pattern.nodes}
    left = set(padj)
    order: list[int] = []
    while left:
        mapped = set(order)
        v = max(sorted(left), key=lambda u: (len(padj[u] & mapped), len(padj[u])))
        order.append(v)
        left.remove(v)
    steps = []
    for k, v in enumerate(order):
        before = order[:k]
        nbrs = [u for u in before if u in padj[v]]
        non = [u for u in before if u not in padj[v]]
        steps.append((v, nbrs[0] if nbrs else -1, nbrs, non))
    return steps


def _subgraph_matches(graph, pattern, check, induced: bool):
    """Every injective map of the pattern's nodes into the graph's that keeps the pattern's
    edges (and, when ``induced``, its non-edges too), as a list of images in pattern-node
    order. Backtracking over the most constrained pattern node first, candidates drawn from
    the neighbours of an already matched node, filtered by degree; the clock is checked at
    every step."""
    adj = [set(graph.adj[v]) for v in range(graph.number_of_nodes())]
    deg = [len(a) for a in adj]
    pdeg = {v: pattern.degree(v) for v in pattern.nodes}
    steps = _match_order(pattern)
    m = len(steps)
    image: dict[int, int] = {}
    used: set[int] = set()
    all_nodes = range(len(adj))
    calls = [0]

    def extend(k):
        calls[0] += 1
        if calls[0] & 255 == 0:
            check()
        v, anchor, nbrs, non = steps[k]
        need = pdeg[v]
        pool = adj[image[anchor]] if anchor >= 0 else all_nodes
        for w in pool:
            if w in used or deg[w] < need:
                continue
            aw = adj[w]
            ok = True
            for u in nbrs:
                if image[u] not in aw:
                    ok = False
                    break
            if ok and induced:
                for u in non:
                    if image[u] in aw:
                        ok = False
                        break
            if not ok:
                continue
            image[v] = w
            used.add(w)
            if k + 1 == m:
                yield [image[i] for i in range(m)]
            else:
                yield from extend(k + 1)
            used.discard(w)
            del image[v]
            if anchor < 0 and k == 0:
                check()

    yield from extend(0)


@declare_params(
    induced=Param(
        True,
        "bool",
        help="match induced subgraphs (no extra edges among the matched nodes); off: any subgraph (monomorphism)",
    ),
)
def _pattern(graph, check: Callable, *, pattern, induced: bool = True):
    """Instances of a user pattern by subgraph isomorphism (induced) or monomorphism."""
    p_edges = list(pattern.edges())
    for nodes in _subgraph_matches(graph, pattern, check, induced):
        yield nodes, [_edge(nodes[a], nodes[b]) for a, b in p_edges], -1


def motif_params(motif) -> dict[str, Param]:
    """The parameter specs of a motif: a built-in name, a registered callable, or a user
    pattern (a networkx graph or an edge list) whose only parameter is ``induced``."""
    if isinstance(motif, str) or (callable(motif) and not _is_pattern(motif)):
        return param_specs(MOTIFS.get(motif))
    return param_specs(_pattern)


def _is_pattern(motif) -> bool:
    import networkx as nx

    return isinstance(motif, nx.Graph) or (not isinstance(motif, str) and not callable(motif))


# --------------------------------------------------------------------------------------------
# find_motifs
# --------------------------------------------------------------------------------------------
@declare_params(
    time_limit=Param(
        10.0, "float", low=0.0, high=86_400.0, low_open=True, help="seconds the search may take"
    ),
    max_instances=Param(10_000, "int", low=1, high=10_000_000, help="most instances listed"),
)
def find_motifs(
    graph,
    motif,
    *,
    time_limit: float = 10.0,
    max_instances: int = 10_000,
    progress: ProgressFn | None = None,
    **params,
) -> MotifResult:
    """Find the instances of a motif in a graph.

    Parameters
    ----------
    graph : MapperGraph or networkx.Graph
        The graph (a networkx graph's nodes are numbered in the order of ``graph.nodes``).
    motif : str, networkx.Graph, edge list or callable
        A built-in motif (``MOTIFS.names()``: ``"loop"``, ``"branch"``, ``"flare"``,
        ``"path"``, ``"star"``, ``"clique"``), a user pattern (a networkx graph, or a list of
        node pairs), or a motif generator (see the module docstring).
    time_limit : float
        Seconds the search may take; when they run out the search stops and the result is
        flagged ``truncated`` with ``reason == "time_limit"``.
    max_instances : int
        The most instances listed; when there are more, ``reason == "max_instances"``.
    progress : callable(fraction, message), optional
        Called now and then; raise from it (``Cancelled``) to stop.
    **params
        The motif's parameters (``motif_params(motif)`` lists them with their defaults);
        for a user pattern, ``induced`` (default True: the matched nodes have exactly the
        pattern's edges among them; False: at least them, by subgraph monomorphism).

    Returns
    -------
    MotifResult
        Each instance once: instances with the same node set and edge set are one (so a
        pattern is not listed once per automorphism).

    Raises
    ------
    TypeError, ValueError
        An unknown motif or parameter, a bad value (the message names it).
    """
    time_limit = check_real(time_limit, "time_limit", low=0.0, high=86_400.0, low_open=True)
    max_instances = check_int(max_instances, "max_instances", minimum=1)
    progress = check_progress(progress)
    g, name = _as_nx(graph)
    pattern_edges = None
    if isinstance(motif, str) or (callable(motif) and not _is_pattern(motif)):
        fn = MOTIFS.get(motif)
        label = motif if isinstance(motif, str) else getattr(motif, "__name__", "motif")
        used = _defaults(fn)
        used.update(check_params(fn, params))
        run = lambda check: fn(g, check, **used)  # noqa: E731
    else:
        pattern = as_pattern(motif)
        label = "pattern"
        used = _defaults(_pattern)
        used.update(check_params(_pattern, params))
        pattern_edges = np.asarray(sorted(_edge(a, b) for a, b in pattern.edges()), dtype=np.int64)
        run = lambda check: _pattern(g, check, pattern=pattern, **used)  # noqa: E731
    budget = _Budget(time_limit, progress, label)
    instances: list[MotifInstance] = []
    seen: set = set()
    truncated, reason = False, ""
    try:
        for nodes, edges, center in run(budget.check):
            inst = MotifInstance(
                np.asarray(nodes, dtype=np.int64),
                np.asarray(edges, dtype=np.int64).reshape(-1, 2),
                center,
            )
            key = inst.key()
            if key in seen:
                budget.check()
                continue
            if len(instances) >= max_instances:
                truncated, reason = True, "max_instances"
                break
            seen.add(key)
            instances.append(inst)
            budget.check()
    except _TimeUp:
        truncated, reason = True, "time_limit"
    progress(
        1.0, f"{label}: {len(instances)} instance(s)" + (f", cut by {reason}" if truncated else "")
    )
    return MotifResult(
        motif=label,
        instances=instances,
        params=used,
        truncated=truncated,
        reason=reason,
        elapsed=budget.elapsed,
        n_nodes=g.number_of_nodes(),
        pattern=pattern_edges,
        graph=name,
    )


def _defaults(fn) -> dict[str, Any]:
    return {k: p.default for k, p in param_specs(fn).items()}


# --------------------------------------------------------------------------------------------
# counterparts and crossings
# --------------------------------------------------------------------------------------------
def _check_nodes(nodes, n: int, name: str) -> np.ndarray:
    arr = np.asarray(nodes, dtype=np.int64).reshape(-1)
    if len(arr) and (arr.min() < 0 or arr.max() >= n):
        raise ValueError(
            f"{name}: node indices must lie in [0, {n}), got {arr.min()}..{arr.max()}"
        )
    return arr


def _input_mask(graph, nodes) -> np.ndarray:
    mask = np.zeros(graph.n_inputs, dtype=bool)
    if len(nodes):
        mask[graph.inputs_of_nodes(nodes)] = True
    return mask


def counterpart_nodes(graph, nodes, other, *, min_share: float = 0.5, coupling=None) -> np.ndarray:
    """The nodes of ``other`` that hold the inputs of ``nodes`` of ``graph``.

    A node of ``other`` belongs to the counterpart when at least ``min_share`` of its own
    inputs are inputs of the instance (so big nodes that merely touch it stay out), and each
    instance node adds its best-coupled node of ``other`` (largest Jaccard index in
    :func:`~napari_topoalign.align.node_coupling`), so that no instance node is left without
    a counterpart while its inputs are held by ``other``.

    Returns
    -------
    ndarray of int64, sorted
    """
    from .coupling import check_same_inputs, node_coupling

    check_same_inputs([graph, other], "graph, other")
    min_share = check_real(min_share, "min_share", low=0.0, high=1.0)
    nodes = _check_nodes(nodes, graph.n_nodes, "nodes")
    if len(nodes) == 0 or other.n_nodes == 0:
        return np.zeros(0, dtype=np.int64)
    mask = _input_mask(graph, nodes)
    held = np.asarray(other.membership @ mask.astype(np.int64)).ravel()
    sizes = np.diff(other.membership.indptr)
    keep = (held > 0) & (held >= min_share * np.maximum(sizes, 1))
    if coupling is None:
        coupling = node_coupling(graph, other)
    sub = sp.csr_matrix(coupling)[nodes]
    for r in range(sub.shape[0]):
        lo, hi = sub.indptr[r], sub.indptr[r + 1]
        if hi > lo:
            keep[sub.indices[lo + int(np.argmax(sub.data[lo:hi]))]] = True
    return np.flatnonzero(keep).astype(np.int64)


def crossing_shares(
    graph, nodes, other, *, counterpart=None, min_share: float = 0.5, coupling=None
) -> np.ndarray:
    """For each node of an instance, the share of its inputs that leave the instance's
    region in the other graph.

    The counterpart (:func:`counterpart_nodes`, unless given) is split into connected
    pieces of ``other``; the *main* piece is the one holding most of the instance's inputs.
    An input of an instance node *leaves* when no node of the main piece holds it (it lies
    in another piece, i.e. another region of the other model, or in no node at all). The
    share of node ``i`` is its leaving inputs over its inputs: 0 where the inputs stay
    together (a solid membrane wall), up to 1 (a wide pore).

    Returns
    -------
    ndarray of float64, shape (len(nodes),)
    """
    from .._utils.graph import connected_components

    nodes = _check_nodes(nodes, graph.n_nodes, "nodes")
    if counterpart is None:
        counterpart = counterpart_nodes(
            graph, nodes, other, min_share=min_share, coupling=coupling
        )
    counterpart = _check_nodes(counterpart, other.n_nodes, "counterpart")
    shares = np.zeros(len(nodes), dtype=np.float64)
    if len(nodes) == 0:
        return shares
    mask = _input_mask(graph, nodes)
    kept = np.zeros(graph.n_inputs, dtype=bool)
    if len(counterpart):
        is_cp = np.zeros(other.n_nodes, dtype=bool)
        is_cp[counterpart] = True
        e = other.edges
        sub = e[is_cp[e[:, 0]] & is_cp[e[:, 1]]] if len(e) else e
        local = np.full(other.n_nodes, -1, dtype=np.int64)
        local[counterpart] = np.arange(len(counterpart))
        n_comp, label = connected_components(len(counterpart), local[sub] if len(sub) else sub)
        best_count, best_inputs = -1, None
        for c in range(n_comp):
            held = other.inputs_of_nodes(counterpart[label == c])
            count = int(mask[held].sum())
            if count > best_count:
                best_count, best_inputs = count, held
        kept[best_inputs] = True
    for k, v in enumerate(nodes):
        members = graph.node_members(int(v))
        if len(members):
            shares[k] = float((~kept[members]).mean())
    return shares


# --------------------------------------------------------------------------------------------
# compare_motifs
# --------------------------------------------------------------------------------------------
@dataclass(eq=False)
class MotifComparison:
    """The result of :meth:`napari_topoalign.Comparison.query_motif`: the instances in both
    graphs and the comparison table (see :func:`compare_motifs`)."""

    motif: str
    graph_a: str
    graph_b: str
    result_a: MotifResult
    result_b: MotifResult
    table: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def truncated(self) -> bool:
        return bool(self.result_a.truncated or self.result_b.truncated)

    def counts(self) -> dict[str, int]:
        """Rows per status."""
        vc = self.table["status"].value_counts() if len(self.table) else {}
        return {s: int(vc.get(s, 0)) for s in STATUSES}

    def to_dict(self) -> dict[str, Any]:
        table = self.table.copy()
        for col in ("nodes", "counterpart_nodes"):
            if col in table:
                table[col] = [" ".join(map(str, t)) for t in table[col]]
        return {
            "motif": self.motif,
            "graph_a": self.graph_a,
            "graph_b": self.graph_b,
            "result_a": self.result_a.to_dict(),
            "result_b": self.result_b.to_dict(),
            "table": table,
            "params": _plain_params(self.params),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MotifComparison:
        table = pd.DataFrame(data["table"]).copy()
        for col in ("nodes", "counterpart_nodes"):
            if col in table:
                table[col] = [tuple(int(x) for x in str(s).split()) for s in table[col]]
        return cls(
            motif=str(data["motif"]),
            graph_a=str(data["graph_a"]),
            graph_b=str(data["graph_b"]),
            result_a=MotifResult.from_dict(data["result_a"]),
            result_b=MotifResult.from_dict(data["result_b"]),
            table=table,
            params=dict(data.get("params", {})),
        )

    def __repr__(self) -> str:
        c = self.counts()
        cut = ", truncated" if self.truncated else ""
        return (
            f"MotifComparison({self.motif!r}, {self.graph_a!r} vs {self.graph_b!r}: "
            f"{c['preserved']} preserved, {c['broken']} broken, {c['new']} new{cut})"
        )


def _instance_inputs(graph, result: MotifResult) -> sp.csr_matrix:
    rows, cols = [], []
    for k, inst in enumerate(result.instances):
        ins = graph.inputs_of_nodes(inst.nodes)
        rows.append(np.full(len(ins), k))
        cols.append(ins)
    r = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix((np.ones(len(r)), (r, c)), shape=(len(result.instances), graph.n_inputs))


COLUMNS = (
    "rank",
    "status",
    "graph",
    "instance",
    "nodes",
    "n_nodes",
    "n_inputs",
    "counterpart_graph",
    "counterpart_instance",
    "counterpart_nodes",
    "match",
    "crossing",
)


@declare_params(
    min_match=Param(
        0.5,
        "float",
        low=0.0,
        high=1.0,
        low_open=True,
        help="Jaccard index of two instances' inputs above which they are one motif kept by both graphs",
    ),
    min_share=Param(
        0.5,
        "float",
        low=0.0,
        high=1.0,
        help="a node of the other graph is in an instance's counterpart when this share of its inputs are the instance's",
    ),
    time_limit=Param(
        10.0,
        "float",
        low=0.0,
        high=86_400.0,
        low_open=True,
        help="seconds for each graph's search",
    ),
    max_instances=Param(
        10_000, "int", low=1, high=10_000_000, help="most instances listed per graph"
    ),
)
def compare_motifs(
    graph_a,
    graph_b,
    motif,
    *,
    min_match: float = 0.5,
    min_share: float = 0.5,
    time_limit: float = 10.0,
    max_instances: int = 10_000,
    progress: ProgressFn | None = None,
    return_results: bool = False,
    **params,
):
    """Compare the instances of a motif in two graphs of the same inputs.

    The motif is searched in both graphs (:func:`find_motifs`, each search bounded by
    ``time_limit`` and ``max_instances``). Two instances, one in each graph, *match* when the
    Jaccard index of their inputs (the union of their nodes' inputs) is at least
    ``min_match``; matches are made one to one, best first. Then every instance of A is
    ``"preserved"`` (its match in B is its counterpart instance) or ``"broken"`` (B has no
    instance there), and every instance of B without a match is ``"new"``. Each instance of
    either graph appears in exactly one row (a preserved B instance as the counterpart of its
    A row).

    Parameters
    ----------
    graph_a, graph_b : MapperGraph
        Graphs built on the same inputs.
    motif : str, networkx.Graph or edge list
        As for :func:`find_motifs`.
    min_match, min_share : float
        See above and :func:`counterpart_nodes`.
    time_limit, max_instances : float, int
        Limits of each graph's search.
    progress : callable(fraction, message), optional
    return_results : bool
        Also return the two :class:`MotifResult` (``(table, result_a, result_b)``).
    **params
        The motif's parameters.

    Returns
    -------
    pandas.DataFrame
        One row per instance, ranked by the number of inputs involved (most first), with
        columns ``rank``, ``status``, ``graph`` (where the row's instance lies), ``instance``
        (its index in that graph's result), ``nodes`` (tuple), ``n_nodes``, ``n_inputs``
        (inputs of the instance and of its counterpart instance), ``counterpart_graph``,
        ``counterpart_instance`` (-1 when none), ``counterpart_nodes`` (tuple: the matched
        instance's nodes, else the nodes of the other graph that hold the instance's inputs,
        see :func:`counterpart_nodes`), ``match`` (the Jaccard index of the two instances'
        inputs, else the best one found, 0 if none) and ``crossing`` (the share of the
        instance's inputs that leave its main region in the other graph, see
        :func:`crossing_shares`). ``table.attrs`` holds ``truncated_a``/``truncated_b`` and
        the reasons.
    """
    from .coupling import check_same_inputs, node_coupling

    check_same_inputs([graph_a, graph_b], "graph_a, graph_b")
    min_match = check_real(min_match, "min_match", low=0.0, high=1.0, low_open=True)
    min_share = check_real(min_share, "min_share", low=0.0, high=1.0)
    return_results = check_bool(return_results, "return_results")
    progress = check_progress(progress)
    from .._utils.progress import sub_progress

    name_a, name_b = graph_a.name or "a", graph_b.name or "b"
    if name_a == name_b:
        name_a, name_b = f"{name_a} (a)", f"{name_b} (b)"
    res_a = find_motifs(
        graph_a,
        motif,
        time_limit=time_limit,
        max_instances=max_instances,
        progress=sub_progress(progress, 0.0, 0.45, name_a),
        **params,
    )
    res_b = find_motifs(
        graph_b,
        motif,
        time_limit=time_limit,
        max_instances=max_instances,
        progress=sub_progress(progress, 0.45, 0.9, name_b),
        **params,
    )
    progress(0.9, "matching instances")
    ia = _instance_inputs(graph_a, res_a)
    ib = _instance_inputs(graph_b, res_b)
    inter = (ia @ ib.T).tocoo()
    size_a = np.asarray(ia.sum(axis=1)).ravel()
    size_b = np.asarray(ib.sum(axis=1)).ravel()
    jac = inter.data / np.maximum(size_a[inter.row] + size_b[inter.col] - inter.data, 1)
    best_a = np.zeros(len(res_a), dtype=np.float64)
    best_b = np.zeros(len(res_b), dtype=np.float64)
    np.maximum.at(best_a, inter.row, jac)
    np.maximum.at(best_b, inter.col, jac)
    order = np.lexsort((inter.col, inter.row, -jac))
    match_a = np.full(len(res_a), -1, dtype=np.int64)
    match_b = np.full(len(res_b), -1, dtype=np.int64)
    score_a = np.zeros(len(res_a))
    for k in order:
        if jac[k] < min_match:
            break
        i, j = int(inter.row[k]), int(inter.col[k])
        if match_a[i] < 0 and match_b[j] < 0:
            match_a[i], match_b[j], score_a[i] = j, i, jac[k]
    coupling_ab = node_coupling(graph_a, graph_b)
    coupling_ba = coupling_ab.T.tocsr()
    rows = []
    for i, inst in enumerate(res_a.instances):
        j = int(match_a[i])
        if j >= 0:
            cp = res_b.instances[j].nodes
            n_in = int(
                len(np.union1d(graph_a.inputs_of_nodes(inst.nodes), graph_b.inputs_of_nodes(cp)))
            )
            status, match = "preserved", float(score_a[i])
        else:
            cp = counterpart_nodes(
                graph_a, inst.nodes, graph_b, min_share=min_share, coupling=coupling_ab
            )
            n_in = int(size_a[i])
            status, match = "broken", float(best_a[i])
        rows.append(
            (status, name_a, i, inst, n_in, name_b, j, cp, match, graph_a, graph_b, coupling_ab)
        )
    for j, inst in enumerate(res_b.instances):
        if match_b[j] >= 0:
            continue
        cp = counterpart_nodes(
            graph_b, inst.nodes, graph_a, min_share=min_share, coupling=coupling_ba
        )
        rows.append(
            (
                "new",
                name_b,
                j,
                inst,
                int(size_b[j]),
                name_a,
                -1,
                cp,
                float(best_b[j]),
                graph_b,
                graph_a,
                coupling_ba,
            )
        )
    records = []
    for status, g, k, inst, n_in, cg, ck, cp, match, own, oth, coup in rows:
        shares = crossing_shares(own, inst.nodes, oth, min_share=min_share, coupling=coup)
        sizes = np.diff(own.membership.indptr)[inst.nodes]
        crossing = float((shares * sizes).sum() / max(sizes.sum(), 1))
        records.append(
            {
                "status": status,
                "graph": g,
                "instance": k,
                "nodes": tuple(int(v) for v in inst.nodes),
                "n_nodes": int(len(inst.nodes)),
                "n_inputs": n_in,
                "counterpart_graph": cg,
                "counterpart_instance": int(ck),
                "counterpart_nodes": tuple(int(v) for v in np.asarray(cp).tolist()),
                "match": match,
                "crossing": crossing,
            }
        )
    table = pd.DataFrame.from_records(records, columns=[c for c in COLUMNS if c != "rank"])
    if len(table):
        status_order = table["status"].map({s: k for k, s in enumerate(STATUSES)})
        table = (
            table.assign(_s=status_order)
            .sort_values(
                ["n_inputs", "_s", "graph", "instance"],
                ascending=[False, True, True, True],
                kind="stable",
            )
            .drop(columns="_s")
            .reset_index(drop=True)
        )
    table.insert(0, "rank", np.arange(1, len(table) + 1, dtype=np.int64))
    for col in ("instance", "n_nodes", "n_inputs", "counterpart_instance"):
        table[col] = table[col].astype(np.int64)
    for col in ("match", "crossing"):
        table[col] = table[col].astype(np.float64)
    table.attrs.update(
        {
            "motif": res_a.motif,
            "graph_a": name_a,
            "graph_b": name_b,
            "truncated_a": res_a.truncated,
            "truncated_b": res_b.truncated,
            "reason_a": res_a.reason,
            "reason_b": res_b.reason,
        }
    )
    progress(1.0, f"{len(table)} instance(s) compared")
    if return_results:
        return table, res_a, res_b
    return table
