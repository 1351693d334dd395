"""The data model shared by every stage.

Plain data only: NumPy arrays, SciPy sparse matrices, pandas frames and small dataclasses.
Nothing here imports napari or Qt.

- :class:`Representations`: the shared inputs and one ``(n_inputs, n_features)`` array per
  model or layer.
- :class:`MapperGraph`: one mapper graph (membership, edges, Jaccard weights, node table).
- :class:`Layout`: node positions per graph in one shared frame.
- :class:`Correspondence`: node coupling and matching regions between two graphs.

The session object that holds all of these by name is :class:`napari_topoalign.Comparison`
(``session.py``); it lives in its own module because it orchestrates every stage, while this
module stays a leaf that every stage can import.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = [
    "Representations",
    "MapperGraph",
    "Layout",
    "Correspondence",
    "check_representation",
]


def check_representation(X: Any, name: str = "X", *, min_rows: int = 1) -> np.ndarray:
    """Return ``X`` as a finite 2-D float array, or raise an error that names it.

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
        ``X`` is not numeric.
    ValueError
        ``X`` is not 2-D, is empty, has fewer than ``min_rows`` rows, or holds NaN or
        infinite values (the first offending row is named).
    """
    try:
        arr = np.asarray(X)
    except Exception as exc:  # pragma: no cover - exotic inputs
        raise TypeError(f"{name}: cannot be read as an array ({exc})") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(f"{name}: expected numeric values, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(
            f"{name}: expected a 2-D array of shape (n_inputs, n_features), got {arr.ndim}-D "
            f"with shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name}: is empty (shape {arr.shape})")
    if arr.shape[0] < min_rows:
        raise ValueError(f"{name}: has {arr.shape[0]} rows, needs at least {min_rows}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    finite = np.isfinite(arr)
    if not finite.all():
        bad_rows = np.flatnonzero(~finite.all(axis=1))
        row = int(bad_rows[0])
        kind = "NaN" if np.isnan(arr[row]).any() else "infinite"
        raise ValueError(
            f"{name}: row {row} holds {kind} values ({len(bad_rows)} row(s) are not finite)"
        )
    return arr


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
            raise ValueError("arrays: expected a non-empty mapping of name -> (n_inputs, n_features) array")
        checked: dict[str, np.ndarray] = {}
        n = None
        first = None
        for key, value in self.arrays.items():
            if not isinstance(key, str) or not key:
                raise ValueError(f"arrays: representation names must be non-empty strings, got {key!r}")
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
        arr = np.asarray(value)
        if arr.ndim != 1 or arr.shape[0] != n:
            raise ValueError(f"{name}: expected shape ({n},) (one per input), got {arr.shape}")
        return arr

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
        table["majority_label"] = np.asarray(majority, dtype=labels.dtype) if n_nodes else labels[:0]
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
        self.membership = sp.csr_matrix(self.membership, dtype=bool)
        self.membership.sort_indices()
        self.edges = np.asarray(self.edges, dtype=np.int64).reshape(-1, 2)
        self.edge_weights = np.asarray(self.edge_weights, dtype=np.float64).reshape(-1)
        if len(self.edge_weights) != len(self.edges):
            raise ValueError(
                f"edge_weights: has {len(self.edge_weights)} entries for {len(self.edges)} edges"
            )
        if len(self.nodes) != self.n_nodes:
            raise ValueError(f"nodes: has {len(self.nodes)} rows for {self.n_nodes} nodes")
        if len(self.edges) and (self.edges.min() < 0 or self.edges.max() >= self.n_nodes):
            raise ValueError(f"edges: node indices must lie in [0, {self.n_nodes})")

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
        membership = sp.csr_matrix(membership, dtype=bool)
        edges, weights = _jaccard_edges(membership, min_intersection)
        table = node_table(membership, lens=lens, cover_element=cover_element, labels=labels)
        return cls(membership, edges, weights, table, dict(params or {}), name)

    @classmethod
    def empty(cls, n_inputs: int, *, params: dict[str, Any] | None = None, name: str = "") -> MapperGraph:
        """A graph with no nodes over ``n_inputs`` inputs."""
        return cls.from_membership(sp.csr_matrix((0, n_inputs), dtype=bool), params=params, name=name)

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
        if not 0 <= node < self.n_nodes:
            raise IndexError(f"node {node} out of range for a graph with {self.n_nodes} nodes")
        return m.indices[m.indptr[node] : m.indptr[node + 1]].astype(np.int64)

    def nodes_of_inputs(self, inputs) -> np.ndarray:
        """The nodes that hold at least one of ``inputs``, sorted."""
        inputs = np.asarray(inputs, dtype=np.int64).ravel()
        if inputs.size == 0 or self.n_nodes == 0:
            return np.zeros(0, dtype=np.int64)
        mask = np.zeros(self.n_inputs, dtype=bool)
        mask[inputs] = True
        hits = self.membership @ mask.astype(np.int32)
        return np.flatnonzero(np.asarray(hits).ravel() > 0)

    def inputs_of_nodes(self, nodes) -> np.ndarray:
        """The union of the inputs held by ``nodes``, sorted."""
        nodes = np.asarray(nodes, dtype=np.int64).ravel()
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

        g = nx.Graph(name=self.name, **{k: v for k, v in self.params.items() if _is_scalar(v)})
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
        meta = {k: v for k, v in self.params.items() if _is_scalar(v)}
        return {"nodes": nodes, "links": links, "simplices": simplices, "meta_data": meta, "meta_nodes": {}}

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
        if "nodes" not in graph:
            raise ValueError("graph: not a KeplerMapper graph dictionary (no 'nodes' key)")
        node_ids = list(graph["nodes"])
        rows, cols = [], []
        for i, key in enumerate(node_ids):
            members = np.asarray(graph["nodes"][key], dtype=np.int64)
            if members.size and (members.min() < 0 or members.max() >= n_inputs):
                raise ValueError(
                    f"graph: node {key!r} holds input indices outside [0, {n_inputs})"
                )
            rows.append(np.full(members.size, i))
            cols.append(members)
        data_rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        data_cols = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        membership = sp.csr_matrix(
            (np.ones(len(data_rows), dtype=bool), (data_rows, data_cols)),
            shape=(len(node_ids), n_inputs),
        )
        meta = dict(graph.get("meta_data", {}) or {})
        if min_intersection is None:
            min_intersection = int(meta.get("nerve_min_intersection", 1) or 1)
        cubes = np.array([_cube_of(k) for k in node_ids], dtype=np.int64)
        params = {"source": "kmapper", **{k: v for k, v in meta.items() if _is_scalar(v)}}
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
                "params": {k: _plain_value(v) for k, v in self.params.items() if _is_scalar(v)},
            },
            "nodes": nodes,
            "links": links,
        }

    @classmethod
    def from_node_link(cls, data: Mapping[str, Any]) -> MapperGraph:
        """Inverse of :meth:`to_node_link`."""
        try:
            info = data["graph"]
            n_inputs = int(info["n_inputs"])
            node_records = sorted(data["nodes"], key=lambda r: r["id"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"node-link data: missing field {exc}") from None
        rows = [np.full(len(r["members"]), i) for i, r in enumerate(node_records)]
        cols = [np.asarray(r["members"], dtype=np.int64) for r in node_records]
        membership = sp.csr_matrix(
            (
                np.ones(sum(len(c) for c in cols), dtype=bool),
                (np.concatenate(rows) if rows else [], np.concatenate(cols) if cols else []),
            ),
            shape=(len(node_records), n_inputs),
        )
        table = pd.DataFrame(
            [{k: v for k, v in r.items() if k not in ("id", "members")} for r in node_records],
            index=pd.RangeIndex(len(node_records), name="node"),
        )
        if table.empty:
            table = pd.DataFrame({"size": np.zeros(len(node_records), dtype=np.int64)})
            table.index.name = "node"
        links = data.get("links", data.get("edges", []))
        edges = np.array([[lk["source"], lk["target"]] for lk in links], dtype=np.int64).reshape(-1, 2)
        weights = np.array([lk.get("weight", np.nan) for lk in links], dtype=np.float64)
        edges.sort(axis=1)
        order = np.lexsort((edges[:, 1], edges[:, 0])) if len(edges) else np.zeros(0, dtype=np.int64)
        return cls(
            membership,
            edges[order],
            weights[order],
            table,
            dict(info.get("params", {})),
            str(info.get("name", "")),
        )


def _cube_of(key: Any) -> int:
    text = str(key)
    if text.startswith("cube") and "_cluster" in text:
        try:
            return int(text[4 : text.index("_cluster")])
        except ValueError:
            return -1
    return -1


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, np.integer, np.floating, np.bool_)) or value is None


def _plain_value(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def _plain(record: Mapping[str, Any]) -> dict[str, Any]:
    return {str(k): _plain_value(v) for k, v in record.items()}


@dataclass(eq=False)
class Layout:
    """Node positions of several graphs in one shared coordinate frame.

    Attributes
    ----------
    positions : dict of str to ndarray of shape (n_nodes, 2)
        Positions by graph name, in the shared frame (panel offsets included).
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
        self.positions = {k: np.asarray(v, dtype=np.float64).reshape(-1, 2) for k, v in self.positions.items()}
        for k in self.positions:
            self.offsets[k] = np.asarray(self.offsets.get(k, np.zeros(2)), dtype=np.float64).reshape(2)

    def centered(self, name: str) -> np.ndarray:
        """Positions of graph ``name`` with its panel offset removed."""
        return self.positions[name] - self.offsets[name]


@dataclass(eq=False)
class Correspondence:
    """What matches between two graphs.

    Attributes
    ----------
    graph_a, graph_b : str
        Names of the two graphs.
    coupling : scipy.sparse.csr_matrix of shape (n_nodes_a, n_nodes_b)
        Shared-input overlap between every node of A and every node of B.
    regions : list
        The matching regions (``napari_topoalign.align.Region``), ranked best first.
    params : dict
        The parameters that produced them.
    """

    graph_a: str
    graph_b: str
    coupling: sp.csr_matrix
    regions: Sequence[Any] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
