"""The data model shared by every stage.

Plain data only: NumPy arrays, SciPy sparse matrices, pandas frames and small dataclasses.
Nothing here imports napari or Qt.

- :class:`Representations`: the shared inputs and one ``(n_inputs, n_features)`` array per
  model or layer.
- :class:`MapperGraph`: one mapper graph (membership, edges, Jaccard weights, node table).
- :class:`Layout`: node positions per graph in one shared frame.
- :class:`Correspondence`: node coupling and matching regions between two graphs.
- :class:`Region`: one matching region (node sets of both graphs, scores, p-value, what differs).

The session object that holds all of these by name is :class:`napari_topoalign.Comparison`
(``session.py``); it lives in its own module because it orchestrates every stage, while this
module stays a leaf that every stage can import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ._utils.validation import check_array, check_index_array, check_int, check_vector

__all__ = [
    "Representations",
    "MapperGraph",
    "Layout",
    "Correspondence",
    "Region",
    "check_representation",
]


def check_representation(X: Any, name: str = "X", *, min_rows: int = 1) -> np.ndarray:
    """Return ``X`` as a finite 2-D float array, or raise an error that names it.

    :func:`napari_topoalign._utils.validation.check_array` with ``dtype="float"``: pandas
    frames and lists are converted, booleans and integers become float64, float16 becomes
    float32, longdouble becomes float64; sparse and masked arrays, strings, objects that are
    not numbers, complex numbers and dates are refused.

    Parameters
    ----------
    X : array-like of shape (n_inputs, n_features)
    name : str
        How the error messages call this array.
    min_rows : int
        The fewest rows accepted.

    Raises
    ------
    TypeError
        ``X`` is not numeric (or sparse, or masked).
    ValueError
        ``X`` is not 2-D, is empty, has fewer than ``min_rows`` rows, or holds NaN or
        infinite values (the first offending row is named).
    """
    return check_array(X, name, ndim=2, min_rows=min_rows)


@dataclass(eq=False)
class Representations:
    """The shared inputs and, by name, one representation array per model or layer.

    Parameters
    ----------
    arrays : mapping of str to array-like of shape (n_inputs, n_features)
        One array per model or layer; every array has the same rows in the same order.
    ids : array-like of shape (n_inputs,), optional
        Input identifiers; default ``0 .. n_inputs-1``.
    labels : array-like of shape (n_inputs,), optional
        A class label per input (used for node purity and colouring).
    texts : sequence of str, optional
        The inputs as text (sentences, words).
    images : array of shape (n_inputs, H, W) or (n_inputs, H, W, C), optional
        The inputs as images.
    """

    arrays: dict[str, np.ndarray]
    ids: np.ndarray | None = None
    labels: np.ndarray | None = None
    texts: list[str] | None = None
    images: np.ndarray | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.arrays, Mapping) or len(self.arrays) == 0:
            raise ValueError(
                "arrays: expected a non-empty mapping of name -> (n_inputs, n_features) array"
            )
        checked: dict[str, np.ndarray] = {}
        n = None
        first = None
        for key, value in self.arrays.items():
            if not isinstance(key, str) or not key:
                raise ValueError(
                    f"arrays: representation names must be non-empty strings, got {key!r}"
                )
            arr = check_representation(value, f"representation {key!r}")
            if n is None:
                n, first = arr.shape[0], key
            elif arr.shape[0] != n:
                raise ValueError(
                    f"representation {key!r}: has {arr.shape[0]} rows but representation "
                    f"{first!r} has {n}; every representation must have one row per input"
                )
            checked[key] = arr
        self.arrays = checked
        self.ids = self._check_vector(self.ids, "ids", n, default=np.arange(n))
        if len(np.unique(self.ids)) != n:
            raise ValueError("ids: input ids must be unique")
        self.labels = self._check_vector(self.labels, "labels", n)
        if self.texts is not None:
            texts = [str(t) for t in self.texts]
            if len(texts) != n:
                raise ValueError(f"texts: has {len(texts)} entries, expected {n} (one per input)")
            self.texts = texts
        if self.images is not None:
            images = np.asarray(self.images)
            if images.ndim not in (3, 4) or images.shape[0] != n:
                raise ValueError(
                    f"images: expected shape ({n}, H, W) or ({n}, H, W, C), got {images.shape}"
                )
            self.images = images

    @staticmethod
    def _check_vector(value, name: str, n: int, default=None):
        if value is None:
            return default
        if hasattr(value, "to_numpy") and not isinstance(value, np.ndarray):
            value = value.to_numpy()
        return check_vector(value, name, n)

    @property
    def names(self) -> list[str]:
        """The representation names, in order."""
        return list(self.arrays)

    @property
    def n_inputs(self) -> int:
        return next(iter(self.arrays.values())).shape[0]

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.arrays[name]
        except KeyError:
            raise KeyError(f"no representation named {name!r}; known: {self.names}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.arrays

    def __len__(self) -> int:
        return len(self.arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {v.shape[1]}-d" for k, v in self.arrays.items())
        return f"Representations({self.n_inputs} inputs; {shapes})"


def _jaccard_edges(membership: sp.csr_matrix, min_intersection: int = 1):
    """Edges of the nerve and their Jaccard weights, from one sparse product."""
    m = membership.astype(np.int32)
    inter = sp.triu(m @ m.T, k=1).tocoo()
    keep = inter.data >= min_intersection
    rows, cols, shared = inter.row[keep], inter.col[keep], inter.data[keep]
    order = np.lexsort((cols, rows))
    rows, cols, shared = rows[order], cols[order], shared[order]
    sizes = np.asarray(membership.sum(axis=1)).ravel()
    union = sizes[rows] + sizes[cols] - shared
    edges = np.column_stack([rows, cols]).astype(np.int64).reshape(-1, 2)
    weights = (shared / np.maximum(union, 1)).astype(np.float64)
    return edges, weights


def node_table(
    membership: sp.csr_matrix,
    *,
    lens: np.ndarray | None = None,
    cover_element: np.ndarray | None = None,
    labels: np.ndarray | None = None,
) -> pd.DataFrame:
    """The node table of a mapper graph.

    Columns: ``size``; ``lens_mean`` (1-D lens) or ``lens_mean_0``/``lens_mean_1`` (2-D lens)
    when ``lens`` is given; ``cover_element`` when given; ``majority_label`` and ``purity``
    (share of the node's inputs with the majority label) when ``labels`` are given.
    """
    membership = sp.csr_matrix(membership, dtype=bool)
    n_nodes = membership.shape[0]
    sizes = np.diff(membership.indptr).astype(np.int64)
    table: dict[str, Any] = {"size": sizes}
    if lens is not None and n_nodes:
        lens = np.asarray(lens, dtype=np.float64)
        lens2 = lens.reshape(len(lens), -1)
        sums = membership.astype(np.float64) @ lens2
        means = sums / np.maximum(sizes, 1)[:, None]
        if lens2.shape[1] == 1:
            table["lens_mean"] = means[:, 0]
        else:
            for j in range(lens2.shape[1]):
                table[f"lens_mean_{j}"] = means[:, j]
    elif lens is not None:
        table["lens_mean"] = np.zeros(0)
    if cover_element is not None:
        table["cover_element"] = np.asarray(cover_element, dtype=np.int64)
    if labels is not None:
        labels = np.asarray(labels)
        majority = []
        purity = np.zeros(n_nodes)
        for i in range(n_nodes):
            members = membership.indices[membership.indptr[i] : membership.indptr[i + 1]]
            values, counts = np.unique(labels[members], return_counts=True)
            j = int(np.argmax(counts))
            majority.append(values[j])
            purity[i] = counts[j] / max(len(members), 1)
        table["majority_label"] = (
            np.asarray(majority, dtype=labels.dtype) if n_nodes else labels[:0]
        )
        table["purity"] = purity
    return pd.DataFrame(table, index=pd.RangeIndex(n_nodes, name="node"))


@dataclass(eq=False)
class MapperGraph:
    """A mapper graph over ``n_inputs`` shared inputs.

    Attributes
    ----------
    membership : scipy.sparse.csr_matrix of bool, shape (n_nodes, n_inputs)
        ``membership[i, j]`` is True when input ``j`` belongs to node ``i``.
    edges : ndarray of int64, shape (n_edges, 2)
        Node index pairs ``(i, j)`` with ``i < j``, sorted.
    edge_weights : ndarray of float64, shape (n_edges,)
        Jaccard index of the two nodes' inputs.
    nodes : pandas.DataFrame
        The node table, one row per node (see :func:`node_table`).
    params : dict
        The parameters that built the graph.
    name : str
        The representation the graph was built from.
    """

    membership: sp.csr_matrix
    edges: np.ndarray
    edge_weights: np.ndarray
    nodes: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    name: str = ""

    def __post_init__(self) -> None:
        self.membership = _check_membership(self.membership)
        self.edges = _check_edge_array(self.edges, self.n_nodes)
        w = self.edge_weights
        try:
            w = np.asarray(w, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"edge_weights: expected numbers, got {exc}") from None
        if len(w) != len(self.edges):
            raise ValueError(f"edge_weights: has {len(w)} entries for {len(self.edges)} edges")
        bad = ~np.isfinite(w) | (w < 0) | (w > 1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"edge_weights: must be Jaccard indices in [0, 1], got {w[i]!r} for edge {i} "
                f"({int(self.edges[i, 0])}, {int(self.edges[i, 1])})"
            )
        self.edge_weights = w
        if not isinstance(self.nodes, pd.DataFrame):
            raise TypeError(
                f"nodes: expected a pandas DataFrame (the node table), got {type(self.nodes).__name__}"
            )
        if len(self.nodes) != self.n_nodes:
            raise ValueError(f"nodes: has {len(self.nodes)} rows for {self.n_nodes} nodes")
        if "size" in self.nodes and self.n_nodes:
            sizes = np.diff(self.membership.indptr)
            given = pd.to_numeric(self.nodes["size"], errors="coerce").to_numpy()
            if not np.array_equal(given, sizes):
                i = int(np.flatnonzero(given != sizes)[0])
                raise ValueError(
                    f"nodes: the size column says node {i} holds {given[i]!r} inputs, its "
                    f"membership holds {int(sizes[i])}"
                )
        if not isinstance(self.params, Mapping):
            raise TypeError(f"params: expected a dict, got {type(self.params).__name__}")
        self.params = dict(self.params)
        if not isinstance(self.name, str):
            raise TypeError(
                f"name: expected a string, got {type(self.name).__name__} {self.name!r}"
            )

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_membership(
        cls,
        membership,
        *,
        min_intersection: int = 1,
        lens: np.ndarray | None = None,
        cover_element: np.ndarray | None = None,
        labels: np.ndarray | None = None,
        params: dict[str, Any] | None = None,
        name: str = "",
    ) -> MapperGraph:
        """Build a graph from its membership matrix: the nerve and node table are derived."""
        membership = _check_membership(membership)
        n_nodes, n_inputs = membership.shape
        min_intersection = check_int(min_intersection, "min_intersection", minimum=1)
        if lens is not None:
            lens = check_array(lens, "lens", ndim=None, min_rows=0)
            if lens.ndim not in (1, 2) or lens.shape[0] != n_inputs:
                raise ValueError(
                    f"lens: expected shape ({n_inputs},) or ({n_inputs}, 2) (one value per input), got {lens.shape}"
                )
        if cover_element is not None:
            cover_element = np.asarray(cover_element)
            if cover_element.shape != (n_nodes,):
                raise ValueError(
                    f"cover_element: expected shape ({n_nodes},) (one per node), got {cover_element.shape}"
                )
        if labels is not None:
            labels = check_vector(labels, "labels", n_inputs)
        edges, weights = _jaccard_edges(membership, min_intersection)
        table = node_table(membership, lens=lens, cover_element=cover_element, labels=labels)
        return cls(membership, edges, weights, table, dict(params or {}), name)

    @classmethod
    def empty(
        cls, n_inputs: int, *, params: dict[str, Any] | None = None, name: str = ""
    ) -> MapperGraph:
        """A graph with no nodes over ``n_inputs`` inputs."""
        n_inputs = check_int(n_inputs, "n_inputs", minimum=0)
        return cls.from_membership(
            sp.csr_matrix((0, n_inputs), dtype=bool), params=params, name=name
        )

    # -- basic properties -------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        return self.membership.shape[0]

    @property
    def n_inputs(self) -> int:
        return self.membership.shape[1]

    @property
    def n_edges(self) -> int:
        return len(self.edges)

    def node_members(self, node: int) -> np.ndarray:
        """The input indices held by ``node``, sorted."""
        m = self.membership
        node = check_int(node, "node")
        if not 0 <= node < self.n_nodes:
            raise IndexError(
                f"node: {node} is out of range [0, {self.n_nodes}) for a graph with {self.n_nodes} nodes"
            )
        return m.indices[m.indptr[node] : m.indptr[node + 1]].astype(np.int64)

    def nodes_of_inputs(self, inputs) -> np.ndarray:
        """The nodes that hold at least one of ``inputs``, sorted."""
        inputs = check_index_array(inputs, "inputs", self.n_inputs)
        if inputs.size == 0 or self.n_nodes == 0:
            return np.zeros(0, dtype=np.int64)
        mask = np.zeros(self.n_inputs, dtype=bool)
        mask[inputs] = True
        hits = self.membership @ mask.astype(np.int32)
        return np.flatnonzero(np.asarray(hits).ravel() > 0)

    def inputs_of_nodes(self, nodes) -> np.ndarray:
        """The union of the inputs held by ``nodes``, sorted."""
        nodes = check_index_array(nodes, "nodes", self.n_nodes)
        if nodes.size == 0:
            return np.zeros(0, dtype=np.int64)
        return np.unique(self.membership[nodes].indices).astype(np.int64)

    def node_sets(self) -> list[frozenset[int]]:
        """Every node as a frozenset of input indices (handy for comparisons)."""
        return [frozenset(self.node_members(i).tolist()) for i in range(self.n_nodes)]

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        return f"MapperGraph({label}{self.n_nodes} nodes, {self.n_edges} edges, {self.n_inputs} inputs)"

    # -- converters -------------------------------------------------------------------------
    def to_networkx(self):
        """A ``networkx.Graph``: node attributes from the node table plus ``members``;
        edge attribute ``weight`` (Jaccard)."""
        import networkx as nx

        g = nx.Graph(
            name=self.name, **{k: _plain_value(v) for k, v in self.params.items() if _is_plain(v)}
        )
        records = self.nodes.to_dict(orient="records")
        for i, rec in enumerate(records):
            g.add_node(i, members=self.node_members(i).tolist(), **_plain(rec))
        g.add_weighted_edges_from(
            (int(a), int(b), float(w)) for (a, b), w in zip(self.edges, self.edge_weights)
        )
        return g

    def to_kmapper(self) -> dict[str, Any]:
        """KeplerMapper's graph dictionary (``nodes``, ``links``, ``simplices``, ``meta_data``).

        Node ids are ``"cube{cover_element}_cluster{k}"`` as KeplerMapper names them.
        """
        ids = self._kmapper_ids()
        nodes = {ids[i]: self.node_members(i).tolist() for i in range(self.n_nodes)}
        links: dict[str, list[str]] = {}
        for a, b in self.edges:
            links.setdefault(ids[a], []).append(ids[b])
        simplices = [[i] for i in ids] + [[ids[a], ids[b]] for a, b in self.edges]
        meta = {k: _plain_value(v) for k, v in self.params.items() if _is_plain(v)}
        # KeplerMapper's own key, read back by from_kmapper (edges are rebuilt with it)
        meta["nerve_min_intersection"] = int(self.params.get("min_intersection", 1) or 1)
        return {
            "nodes": nodes,
            "links": links,
            "simplices": simplices,
            "meta_data": meta,
            "meta_nodes": {},
        }

    def _kmapper_ids(self) -> list[str]:
        if "cover_element" in self.nodes:
            cubes = self.nodes["cover_element"].to_numpy()
        else:
            cubes = np.zeros(self.n_nodes, dtype=np.int64)
        ids, seen = [], {}
        for c in cubes:
            k = seen.get(int(c), 0)
            seen[int(c)] = k + 1
            ids.append(f"cube{int(c)}_cluster{k}")
        return ids

    @classmethod
    def from_kmapper(
        cls,
        graph: Mapping[str, Any],
        n_inputs: int,
        *,
        labels: np.ndarray | None = None,
        lens: np.ndarray | None = None,
        min_intersection: int | None = None,
        name: str = "",
    ) -> MapperGraph:
        """Build from KeplerMapper's graph dictionary (the output of ``KeplerMapper.map``).

        Nodes keep the dictionary's order. Edges are recomputed from the membership with the
        dictionary's ``nerve_min_intersection`` (default 1), which reproduces KeplerMapper's
        links exactly.
        """
        if not isinstance(graph, Mapping):
            raise TypeError(
                f"graph: expected KeplerMapper's graph dictionary, got {type(graph).__name__}"
            )
        if "nodes" not in graph:
            raise ValueError("graph: not a KeplerMapper graph dictionary (no 'nodes' key)")
        n_inputs = check_int(n_inputs, "n_inputs", minimum=0)
        if not isinstance(graph["nodes"], Mapping):
            raise TypeError(
                f"graph['nodes']: expected a dict of node id -> member list, got {type(graph['nodes']).__name__}"
            )
        node_ids = list(graph["nodes"])
        cols = [
            _members_of(graph["nodes"][key], f"graph: node {key!r}", n_inputs) for key in node_ids
        ]
        membership = _membership_from_lists(cols, n_inputs)
        links = graph.get("links", {}) or {}
        if not isinstance(links, Mapping):
            raise TypeError(
                f"graph['links']: expected a dict of node id -> linked ids, got {type(links).__name__}"
            )
        known = set(node_ids)
        for src, targets in links.items():
            if src not in known:
                raise ValueError(f"graph['links']: link from unknown node {src!r}")
            for t in targets if isinstance(targets, (list, tuple)) else [targets]:
                if t not in known:
                    raise ValueError(f"graph['links']: link {src!r} -> unknown node {t!r}")
                if t == src:
                    raise ValueError(f"graph['links']: node {src!r} is linked to itself")
        meta = graph.get("meta_data", {}) or {}
        meta = dict(meta) if isinstance(meta, Mapping) else {}
        if min_intersection is None:
            value = meta.get("nerve_min_intersection", meta.get("min_intersection", 1))
            min_intersection = check_int(
                1 if value is None else value, "meta_data['nerve_min_intersection']", minimum=1
            )
        else:
            min_intersection = check_int(min_intersection, "min_intersection", minimum=1)
        if labels is not None:
            labels = check_vector(labels, "labels", n_inputs)
        if lens is not None:
            lens = check_array(lens, "lens", ndim=None)
            if lens.ndim not in (1, 2) or lens.shape[0] != n_inputs:
                raise ValueError(
                    f"lens: expected shape ({n_inputs},) or ({n_inputs}, 2), got {lens.shape}"
                )
        cubes = np.array([_cube_of(k) for k in node_ids], dtype=np.int64)
        params = {
            "source": "kmapper",
            **{k: _plain_value(v) for k, v in meta.items() if _is_plain(v)},
        }
        params["min_intersection"] = min_intersection
        return cls.from_membership(
            membership,
            min_intersection=min_intersection,
            lens=lens,
            cover_element=cubes,
            labels=labels,
            params=params,
            name=name,
        )

    def to_node_link(self) -> dict[str, Any]:
        """Node-link data (``networkx.node_link_data`` layout), JSON-serialisable."""
        nodes = []
        for i, rec in enumerate(self.nodes.to_dict(orient="records")):
            nodes.append({"id": i, "members": self.node_members(i).tolist(), **_plain(rec)})
        links = [
            {"source": int(a), "target": int(b), "weight": float(w)}
            for (a, b), w in zip(self.edges, self.edge_weights)
        ]
        return {
            "directed": False,
            "multigraph": False,
            "graph": {
                "name": self.name,
                "n_inputs": self.n_inputs,
                "params": {k: _plain_value(v) for k, v in self.params.items() if _is_plain(v)},
            },
            "nodes": nodes,
            "links": links,
        }

    @classmethod
    def from_node_link(cls, data: Mapping[str, Any]) -> MapperGraph:
        """Inverse of :meth:`to_node_link`.

        Checks what it reads: ``n_inputs``; node ids (unique; integers ``0..n-1`` in any
        order, or any other hashable ids kept in the order given); members (whole numbers in
        ``[0, n_inputs)``, no duplicates; ``1.5`` is refused, not truncated); a ``size``
        that matches the members; links between known nodes, no self links, no duplicates;
        weights in ``[0, 1]`` (a missing weight is the Jaccard index of the two nodes)."""
        if not isinstance(data, Mapping):
            raise TypeError(f"data: expected node-link data (a dict), got {type(data).__name__}")
        missing = [k for k in ("graph", "nodes") if k not in data]
        if missing:
            raise ValueError(f"node-link data: missing field(s) {missing}")
        info = data["graph"]
        if not isinstance(info, Mapping) or "n_inputs" not in info:
            raise ValueError("node-link data: missing field 'n_inputs' in 'graph'")
        n_inputs = check_int(info["n_inputs"], "node-link data: graph['n_inputs']", minimum=0)
        records = data["nodes"]
        if not isinstance(records, (list, tuple)) or not all(
            isinstance(r, Mapping) for r in records
        ):
            raise TypeError("node-link data: 'nodes' must be a list of node records (dicts)")
        for r in records:
            if "id" not in r or "members" not in r:
                raise ValueError(
                    f"node-link data: a node record lacks 'id' or 'members': {_short(r)}"
                )
        ids = [r["id"] for r in records]
        try:
            unique = len(set(ids)) == len(ids)
        except TypeError:
            raise TypeError(
                "node-link data: node ids must be hashable (integers or strings)"
            ) from None
        if not unique:
            dup = next(i for i in ids if ids.count(i) > 1)
            raise ValueError(f"node-link data: node id {dup!r} appears more than once")
        int_ids = all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in ids)
        if int_ids:
            records = sorted(records, key=lambda r: int(r["id"]))
        position = {r["id"]: k for k, r in enumerate(records)}
        cols = [
            _members_of(r["members"], f"node-link data: node {r['id']!r}", n_inputs)
            for r in records
        ]
        for r, c in zip(records, cols):
            if "size" in r and not (_is_number(r["size"]) and r["size"] == len(c)):
                raise ValueError(
                    f"node-link data: node {r['id']!r} has size {r['size']!r} but {len(c)} members"
                )
        membership = _membership_from_lists(cols, n_inputs)
        table = pd.DataFrame(
            [{k: v for k, v in r.items() if k not in ("id", "members")} for r in records],
            index=pd.RangeIndex(len(records), name="node"),
        )
        if "size" not in table:
            table.insert(0, "size", np.array([len(c) for c in cols], dtype=np.int64))
        links = data.get("links", data.get("edges", []))
        if not isinstance(links, (list, tuple)) or not all(
            isinstance(lk, Mapping) for lk in links
        ):
            raise TypeError("node-link data: 'links' must be a list of link records (dicts)")
        pairs, weights = [], []
        for lk in links:
            if "source" not in lk or "target" not in lk:
                raise ValueError(
                    f"node-link data: a link lacks 'source' or 'target': {_short(lk)}"
                )
            try:
                a, b = position[lk["source"]], position[lk["target"]]
            except (KeyError, TypeError):
                raise ValueError(
                    f"node-link data: link {_short(lk)} names an unknown node"
                ) from None
            if a == b:
                raise ValueError(f"node-link data: node {lk['source']!r} is linked to itself")
            pairs.append((min(a, b), max(a, b)))
            weights.append(lk.get("weight", None))
        edges = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        if len(set(pairs)) != len(pairs):
            dup = next(p for p in pairs if pairs.count(p) > 1)
            raise ValueError(
                f"node-link data: the link between nodes {dup} appears more than once"
            )
        if any(w is None for w in weights):
            sets = [set(c.tolist()) for c in cols]
            weights = [
                (len(sets[a] & sets[b]) / max(len(sets[a] | sets[b]), 1)) if w is None else w
                for (a, b), w in zip(pairs, weights)
            ]
        for (a, b), w in zip(pairs, weights):
            if not _is_number(w):
                raise TypeError(
                    f"node-link data: link ({a}, {b}) has weight {w!r}, expected a number"
                )
        weights = np.array(weights, dtype=np.float64)
        order = (
            np.lexsort((edges[:, 1], edges[:, 0])) if len(edges) else np.zeros(0, dtype=np.int64)
        )
        params = info.get("params", {}) or {}
        if not isinstance(params, Mapping):
            raise TypeError(
                f"node-link data: graph['params'] must be a dict, got {type(params).__name__}"
            )
        return cls(
            membership,
            edges[order],
            weights[order],
            table,
            dict(params),
            str(info.get("name", "")),
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _is_number(value: Any) -> bool:
    import numbers

    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _members_of(value: Any, what: str, n_inputs: int) -> np.ndarray:
    """The member list of one node: whole numbers in ``[0, n_inputs)``, no duplicates,
    sorted (a list of 1.5 or "3" is refused, not truncated)."""
    if isinstance(value, (str, bytes)) or isinstance(value, Mapping):
        raise TypeError(f"{what}: members must be a list of input indices, got {_short(value)}")
    if isinstance(value, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in value):
        raise TypeError(f"{what}: members must be input indices, got a boolean")
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged
        raise TypeError(f"{what}: members must be a flat list of input indices ({exc})") from None
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.ndim != 1:
        raise ValueError(
            f"{what}: members must be a flat list of input indices, got shape {arr.shape}"
        )
    if arr.dtype.kind == "b":
        raise TypeError(f"{what}: members must be input indices, got booleans")
    if arr.dtype.kind == "O":
        if not all(_is_number(v) for v in arr):
            bad = next(v for v in arr if not _is_number(v))
            raise TypeError(f"{what}: members must be input indices, got {bad!r}")
        arr = arr.astype(np.float64)
    if arr.dtype.kind == "f":
        whole = np.isfinite(arr) & (arr == np.round(arr))
        if not whole.all():
            raise ValueError(
                f"{what}: members must be whole numbers, got {arr[~whole][0].item()!r}"
            )
        arr = arr.astype(np.int64)
    elif arr.dtype.kind not in "iu":
        raise TypeError(f"{what}: members must be input indices, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    if arr.min() < 0 or arr.max() >= n_inputs:
        bad = int(arr[(arr < 0) | (arr >= n_inputs)][0])
        raise ValueError(f"{what}: holds input index {bad}, outside [0, {n_inputs})")
    arr = np.sort(arr)
    if len(arr) > 1 and (arr[1:] == arr[:-1]).any():
        dup = int(arr[1:][arr[1:] == arr[:-1]][0])
        raise ValueError(f"{what}: holds input {dup} more than once")
    return arr


def _membership_from_lists(cols: list[np.ndarray], n_inputs: int) -> sp.csr_matrix:
    lengths = np.array([len(c) for c in cols], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    indices = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    return sp.csr_matrix(
        (np.ones(len(indices), dtype=bool), indices, indptr), shape=(len(cols), n_inputs)
    )


def _check_membership(membership: Any) -> sp.csr_matrix:
    """The membership as a sorted boolean CSR matrix; values other than 0/1, NaN, negative
    or fractional entries are refused (no truncation to True)."""
    if sp.issparse(membership):
        m = sp.csr_matrix(membership)
        data = m.data
    else:
        arr = check_array(
            membership, "membership", ndim=2, min_rows=0, min_cols=0, dtype=None, finite=False
        )
        m = None
        data = arr.ravel()
    if data.dtype.kind not in "biuf":
        raise TypeError(f"membership: expected a boolean (0/1) matrix, got dtype {data.dtype}")
    if data.dtype.kind != "b" and data.size and not np.isin(data, (0, 1)).all():
        bad = data[~np.isin(data, (0, 1))][0]
        raise ValueError(f"membership: entries must be 0/1 (or booleans), got {bad.item()!r}")
    m = sp.csr_matrix(m if m is not None else arr, dtype=bool)
    m.eliminate_zeros()
    m.sort_indices()
    return m


def _check_edge_array(edges: Any, n_nodes: int) -> np.ndarray:
    """Edges as an ``(E, 2)`` int64 array of node indices in range, no self loops, no
    duplicates (either direction)."""
    if edges is None:
        edges = np.zeros((0, 2), dtype=np.int64)
    arr = np.asarray(edges)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"edges: expected shape (n_edges, 2), got {arr.shape}")
    if arr.dtype.kind == "b" or arr.dtype.kind not in "iuf":
        raise TypeError(f"edges: expected integer node indices, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        whole = np.isfinite(arr) & (arr == np.round(arr))
        if not whole.all():
            raise ValueError(
                f"edges: node indices must be whole numbers, got {arr[~whole][0].item()!r}"
            )
    arr = arr.astype(np.int64)
    if arr.min() < 0 or arr.max() >= n_nodes:
        raise ValueError(
            f"edges: node indices must lie in [0, {n_nodes}), got {int(arr[(arr < 0) | (arr >= n_nodes)][0])}"
        )
    loops = arr[:, 0] == arr[:, 1]
    if loops.any():
        raise ValueError(
            f"edges: edge {int(np.flatnonzero(loops)[0])} joins node {int(arr[loops][0, 0])} to itself"
        )
    key = np.sort(arr, axis=1)
    _, first, counts = np.unique(key, axis=0, return_index=True, return_counts=True)
    if (counts > 1).any():
        dup = key[first[counts > 1][0]]
        raise ValueError(f"edges: the edge ({int(dup[0])}, {int(dup[1])}) appears more than once")
    return arr


def _cube_of(key: Any) -> int:
    text = str(key)
    if text.startswith("cube") and "_cluster" in text:
        try:
            return int(text[4 : text.index("_cluster")])
        except ValueError:
            return -1
    return -1


def _is_scalar(value: Any) -> bool:
    return (
        isinstance(value, (str, int, float, bool, np.integer, np.floating, np.bool_))
        or value is None
    )


def _is_plain(value: Any) -> bool:
    """A scalar, or a (nested) list/tuple of scalars: what the converters keep of ``params``."""
    if isinstance(value, (list, tuple)):
        return all(_is_plain(v) for v in value)
    return _is_scalar(value)


def _plain_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain_value(v) for v in value]
    return value


def _plain(record: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): _plain_value(v) for k, v in record.items()}


@dataclass(eq=False)
class Layout:
    """Node positions of several graphs in one shared coordinate frame, by graph name.

    The one layout type of the package: :func:`~napari_topoalign.align.joint_layout`
    returns it, :meth:`Comparison.align_layout <napari_topoalign.Comparison.align_layout>`
    keeps it on the session, the quality measures and the viewer read it. The graphs keep
    their order (the order they were laid out in), and a graph is found by its name or by
    its position in that order::

        >>> layout = joint_layout({"layer3": g3, "layer4": g4})   # doctest: +SKIP
        >>> layout.names                                          # doctest: +SKIP
        ['layer3', 'layer4']
        >>> layout["layer4"] is layout[1]                         # doctest: +SKIP
        True
        >>> layout.centered("layer4")     # without its panel offset  # doctest: +SKIP

    It behaves as a read-only mapping of graph name -> ``(n_nodes, 2)`` positions (``len``,
    ``in``, iteration over the names, :meth:`keys`, :meth:`values`, :meth:`items`), and
    integer indices (``0 <= i < len(layout)``; negative or fractional indices are refused)
    give the graph at that position.

    Attributes
    ----------
    positions : dict of str to ndarray of shape (n_nodes, 2)
        Positions by graph name, in the shared frame (panel offsets included), in graph order.
    offsets : dict of str to ndarray of shape (2,)
        The panel offset of each graph (zero for an overlay); ``positions - offset`` gives
        the position in the common frame used to compare graphs.
    params : dict
        The parameters that produced the layout.
    """

    positions: dict[str, np.ndarray]
    offsets: dict[str, np.ndarray] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.positions, Mapping):
            raise TypeError(
                f"positions: expected a dict of graph name -> (n_nodes, 2) array, got {type(self.positions).__name__}"
            )
        if not isinstance(self.offsets, Mapping):
            raise TypeError(
                f"offsets: expected a dict of graph name -> (2,) array, got {type(self.offsets).__name__}"
            )
        if not isinstance(self.params, Mapping):
            raise TypeError(f"params: expected a dict, got {type(self.params).__name__}")
        positions = {}
        for k, v in self.positions.items():
            if not isinstance(k, str):
                raise TypeError(
                    f"positions: graph names must be strings, got {type(k).__name__} {k!r}"
                )
            arr = np.asarray(v) if np.size(v) == 0 else check_array(v, f"positions[{k!r}]", ndim=2)
            if arr.size == 0:
                arr = np.zeros((0, 2))
            if arr.ndim != 2 or arr.shape[1] != 2:
                raise ValueError(f"positions[{k!r}]: expected shape (n_nodes, 2), got {arr.shape}")
            positions[k] = np.asarray(arr, dtype=np.float64)
        unknown = [k for k in self.offsets if k not in positions]
        if unknown:
            raise KeyError(f"offsets: for unknown graph(s) {unknown}; known: {list(positions)}")
        offsets = {}
        for k in positions:
            o = check_array(self.offsets.get(k, np.zeros(2)), f"offsets[{k!r}]", ndim=1)
            if o.shape != (2,):
                raise ValueError(f"offsets[{k!r}]: expected shape (2,), got {o.shape}")
            offsets[k] = np.asarray(o, dtype=np.float64)
        self.positions = positions
        self.offsets = offsets
        self.params = dict(self.params)

    # -- names and indices ------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """The graph names, in graph order."""
        return list(self.positions)

    def name_of(self, key: str | int) -> str:
        """The graph name that ``key`` (a name, or an index ``0 <= i < len(self)``) stands for."""
        if isinstance(key, str):
            if key not in self.positions:
                raise KeyError(f"layout: no graph named {key!r}; known: {self.names}")
            return key
        if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
            raise TypeError(
                f"layout: a graph is a name (str) or an index (int), got {type(key).__name__} {key!r}"
            )
        i = check_int(key, "index", minimum=0)
        if i >= len(self.positions):
            raise IndexError(
                f"layout: index {i} out of range for {len(self.positions)} graph(s) {self.names}"
            )
        return self.names[i]

    def __getitem__(self, key: str | int) -> np.ndarray:
        """Positions (panel offsets included) of the graph ``key`` (name or index)."""
        return self.positions[self.name_of(key)]

    def __len__(self) -> int:
        return len(self.positions)

    def __iter__(self):
        return iter(self.positions)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.positions

    def __bool__(self) -> bool:  # a layout is there even when it holds no graph
        return True

    def keys(self):
        return self.positions.keys()

    def values(self):
        return self.positions.values()

    def items(self):
        return self.positions.items()

    def offset(self, key: str | int) -> np.ndarray:
        """The panel offset of graph ``key`` (name or index)."""
        return self.offsets[self.name_of(key)]

    def centered(self, key: str | int) -> np.ndarray:
        """Positions of graph ``key`` (name or index) with its panel offset removed (the
        common frame in which the graphs are compared)."""
        name = self.name_of(key)
        return self.positions[name] - self.offsets[name]

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n!r}: {len(p)}" for n, p in self.positions.items())
        how = self.params.get("method") or self.params.get("arrangement") or "layout"
        return f"Layout({how}; nodes by graph {{{sizes}}})"

    # -- session file -----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Plain data (graph names in order, arrays, params) for the session file."""
        return {
            "names": self.names,
            "positions": [self.positions[n] for n in self.positions],
            "offsets": [self.offsets[n] for n in self.positions],
            "params": dict(self.params),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Layout:
        """Inverse of :meth:`to_dict`; also takes the ``positions``/``offsets`` dicts by name
        of sessions saved before :meth:`to_dict` existed."""
        if not isinstance(data, Mapping):
            raise TypeError(f"layout: expected a dict, got {type(data).__name__}")
        if "positions" not in data:
            raise KeyError("layout: the dict has no 'positions'")
        positions, offsets = data["positions"], data.get("offsets") or {}
        if "names" in data:
            names = list(data["names"])
            if not isinstance(positions, Mapping):
                if len(positions) != len(names):
                    raise ValueError(
                        f"layout: {len(names)} names for {len(positions)} position arrays"
                    )
                positions = dict(zip(names, positions))
            if not isinstance(offsets, Mapping):
                if len(offsets) != len(names):
                    raise ValueError(f"layout: {len(names)} names for {len(offsets)} offsets")
                offsets = dict(zip(names, offsets))
        return cls(positions, offsets, dict(data.get("params") or {}))


@dataclass(eq=False)
class Correspondence:
    """What matches between two graphs.

    Attributes
    ----------
    graph_a, graph_b : str
        Names of the two graphs.
    coupling : scipy.sparse.csr_matrix of shape (n_nodes_a, n_nodes_b)
        Shared-input overlap between every node of A and every node of B.
    regions : list of Region
        The matching regions (:class:`Region`), ranked best first.
    params : dict
        The parameters that produced them.
    """

    graph_a: str
    graph_b: str
    coupling: sp.csr_matrix
    regions: list[Region] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)


#: What a region can state besides "preserved" (B compared with A).
REGION_DIFFERENCES = (
    "cycles lost",
    "cycles gained",
    "split",
    "merged",
    "rearranged",
    "inputs elsewhere",
)


def _pair(value) -> tuple:
    return tuple(value)


@dataclass(eq=False)
class Region:
    """One matching region: a node set of graph A, a node set of graph B, and what they share.

    Made by :func:`napari_topoalign.align.find_matching_regions` (the method and every score
    are described in ``docs/regions.md``). A region is either *preserved* (its two node sets
    hold the same inputs in the same structure) or states what differs, read from B's side:
    ``"cycles lost"`` / ``"cycles gained"`` (the two subgraphs have different numbers of
    independent cycles once their triangles and 4-cycles are filled), ``"split"`` (inputs that one node or one edge of A holds together
    lie in separate places of B, or B's subgraph has more components), ``"merged"`` (the
    reverse),
    ``"rearranged"`` (the two node sets hold largely the same inputs, but their nodes do not
    correspond), ``"inputs elsewhere"`` (a large part of the inputs of one side are not held
    by the other side).

    Attributes
    ----------
    nodes_a, nodes_b : ndarray of int64
        Sorted node indices of graph A and of graph B.
    inputs : ndarray of int64
        The shared inputs: held by a node of ``nodes_a`` and by a node of ``nodes_b``.
    kind : {"preserved", "changed"}
    differences : tuple of str
        What differs (empty for a preserved region), most telling first (see above).
    score : float in [0, 1]
        ``overlap * matched * structure``; 1 for a graph against itself.
    overlap : float in [0, 1]
        Jaccard index of the inputs of ``nodes_a`` and of ``nodes_b``.
    matched : float in [0, 1]
        Share of those inputs (their union) that lie in a strongly coupled pair of nodes of
        the region (a pair that holds a substantial share of one of its nodes).
    matched_inputs : ndarray of int64
        Those inputs.
    structure : float in [0, 1]
        Agreement of the two subgraphs: ``(1 + min) / (1 + max)`` of their components and of
        their cycles, times the shares of nodes not folded and of edges not torn.
    p_value : float
        Permutation p-value, corrected for the regions reported and for the search (single-
        step max-T over ``n_permutations`` relabellings of B's inputs; NaN without
        permutations).
    statistic : float
        The tested statistic: the most inputs the region's strong pairs hold in one
        component of the strong product of the two graphs.
    components, cycles, folds, torn : tuple of int
        For A and for B: connected components of the subgraph, its independent cycles once
        triangles and 4-cycles are filled, nodes whose inputs go to separate places of the other graph, and edges
        whose two ends land apart in the other graph.
    elsewhere : tuple of float
        Share of the inputs of A's side not held by B's side, and the reverse.
    """

    nodes_a: np.ndarray
    nodes_b: np.ndarray
    inputs: np.ndarray
    kind: str = "preserved"
    differences: tuple = ()
    score: float = 0.0
    overlap: float = 0.0
    matched: float = 0.0
    structure: float = 1.0
    p_value: float = float("nan")
    statistic: float = 0.0
    matched_inputs: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    components: tuple = (0, 0)
    cycles: tuple = (0, 0)
    folds: tuple = (0, 0)
    torn: tuple = (0, 0)
    elsewhere: tuple = (0.0, 0.0)

    def __post_init__(self) -> None:
        self.nodes_a = np.asarray(self.nodes_a, dtype=np.int64).ravel()
        self.nodes_b = np.asarray(self.nodes_b, dtype=np.int64).ravel()
        self.inputs = np.asarray(self.inputs, dtype=np.int64).ravel()
        self.matched_inputs = np.asarray(self.matched_inputs, dtype=np.int64).ravel()
        if self.kind not in ("preserved", "changed"):
            raise ValueError(f"kind: expected 'preserved' or 'changed', got {self.kind!r}")
        self.differences = tuple(str(d) for d in self.differences)
        unknown = [d for d in self.differences if d not in REGION_DIFFERENCES]
        if unknown:
            raise ValueError(f"differences: unknown {unknown}; known: {list(REGION_DIFFERENCES)}")
        self.components = _pair(int(c) for c in self.components)
        self.cycles = _pair(int(c) for c in self.cycles)
        self.folds = _pair(int(c) for c in self.folds)
        self.torn = _pair(int(c) for c in self.torn)
        self.elsewhere = _pair(float(c) for c in self.elsewhere)

    @property
    def n_inputs(self) -> int:
        """Number of shared inputs."""
        return len(self.inputs)

    @property
    def size(self) -> int:
        """``min(len(nodes_a), len(nodes_b))``."""
        return int(min(len(self.nodes_a), len(self.nodes_b)))

    @property
    def preserved(self) -> bool:
        return self.kind == "preserved"

    @property
    def description(self) -> str:
        """``"preserved"`` or the differences joined by commas."""
        return "preserved" if self.preserved else ", ".join(self.differences)

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (lists, floats, ints, str; a missing p-value is None)."""
        return {
            "nodes_a": [int(i) for i in self.nodes_a],
            "nodes_b": [int(i) for i in self.nodes_b],
            "inputs": [int(i) for i in self.inputs],
            "kind": self.kind,
            "differences": list(self.differences),
            "score": float(self.score),
            "overlap": float(self.overlap),
            "matched": float(self.matched),
            "structure": float(self.structure),
            "p_value": None if np.isnan(self.p_value) else float(self.p_value),
            "statistic": float(self.statistic),
            "matched_inputs": [int(i) for i in self.matched_inputs],
            "components": list(self.components),
            "cycles": list(self.cycles),
            "folds": list(self.folds),
            "torn": list(self.torn),
            "elsewhere": list(self.elsewhere),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Region:
        """Inverse of :meth:`to_dict`."""
        if not isinstance(data, Mapping):
            raise TypeError(
                f"data: expected a mapping from Region.to_dict(), got {type(data).__name__}"
            )
        missing = [k for k in ("nodes_a", "nodes_b", "inputs") if k not in data]
        if missing:
            raise ValueError(f"data: missing key(s) {missing} of a Region")
        p = data.get("p_value")
        return cls(
            nodes_a=np.asarray(data["nodes_a"], dtype=np.int64),
            nodes_b=np.asarray(data["nodes_b"], dtype=np.int64),
            inputs=np.asarray(data["inputs"], dtype=np.int64),
            kind=str(data.get("kind", "preserved")),
            differences=tuple(data.get("differences", ())),
            score=float(data.get("score", 0.0)),
            overlap=float(data.get("overlap", 0.0)),
            matched=float(data.get("matched", 0.0)),
            structure=float(data.get("structure", 1.0)),
            p_value=float("nan") if p is None else float(p),
            statistic=float(data.get("statistic", 0.0)),
            matched_inputs=np.asarray(data.get("matched_inputs", ()), dtype=np.int64),
            components=tuple(data.get("components", (0, 0))),
            cycles=tuple(data.get("cycles", (0, 0))),
            folds=tuple(data.get("folds", (0, 0))),
            torn=tuple(data.get("torn", (0, 0))),
            elsewhere=tuple(data.get("elsewhere", (0.0, 0.0))),
        )

    def summary(self) -> dict[str, Any]:
        """One table row: counts, scores and what the region is (no index arrays)."""
        return {
            "nodes_a": len(self.nodes_a),
            "nodes_b": len(self.nodes_b),
            "inputs": self.n_inputs,
            "what": self.description,
            "score": self.score,
            "overlap": self.overlap,
            "matched": self.matched,
            "structure": self.structure,
            "p_value": self.p_value,
            "cycles_a": self.cycles[0],
            "cycles_b": self.cycles[1],
            "components_a": self.components[0],
            "components_b": self.components[1],
        }

    def __repr__(self) -> str:
        p = "nan" if np.isnan(self.p_value) else f"{self.p_value:.3g}"
        return (
            f"Region({self.description}: {len(self.nodes_a)}+{len(self.nodes_b)} nodes, "
            f"{self.n_inputs} inputs, score={self.score:.3f}, overlap={self.overlap:.3f}, "
            f"matched={self.matched:.3f}, cycles={self.cycles[0]}/{self.cycles[1]}, p={p})"
        )
