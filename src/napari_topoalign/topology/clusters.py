"""Clusters read off H0: single-linkage stages, cluster flow across layers, heatmap
dendrograms, blob graphs and cluster quality.

The single-linkage clustering of a layer at threshold ``t`` is the set of connected
components of its minimum spanning tree's edges of length ``<= t``; the H0 deaths are exactly
the thresholds at which it changes. :func:`cluster_stages` picks a few such thresholds per
layer (HOLE's stages); :func:`cluster_flow` follows the inputs from the clusters of one layer
to those of the next (a Sankey diagram).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._utils.params import Param, declare_params
from .._utils.progress import report
from .._utils.validation import check_array, check_int, check_real, check_vector
from .diagrams import Diagrams

__all__ = [
    "clusters_at",
    "Stages",
    "cluster_stages",
    "Sankey",
    "cluster_flow",
    "HeatmapDendrogram",
    "heatmap_dendrogram",
    "BlobGraph",
    "blob_graph",
    "cluster_quality",
    "mst_class_structure",
    "STAGE_ORDER",
]

#: Names of the stages, from the smallest threshold to the largest.
STAGE_ORDER = ("fine", "labels", "one")


def _check_diagrams(d, name="diagrams") -> Diagrams:
    if not isinstance(d, Diagrams):
        raise TypeError(f"{name}: expected Diagrams (from persistence()), got {type(d).__name__}")
    return d


def clusters_at(diagrams: Diagrams, threshold: float) -> np.ndarray:
    """Single-linkage cluster of every input at ``threshold``: components of the MST edges
    of length ``<= threshold``, numbered by decreasing size (ties by smallest member)."""
    d = _check_diagrams(diagrams)
    t = check_real(threshold, "threshold")
    n = d.n_points
    keep = d.mst_weights <= t
    e = d.mst_edges[keep]
    g = sp.coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    _, lab = connected_components(g, directed=False)
    return _renumber(lab)


def _renumber(lab: np.ndarray) -> np.ndarray:
    """Labels renumbered 0..k-1 by decreasing size, ties by first member."""
    uniq, first, inv, counts = np.unique(
        lab, return_index=True, return_inverse=True, return_counts=True
    )
    order = np.lexsort((first, -counts))
    rank = np.empty(len(uniq), dtype=np.int64)
    rank[order] = np.arange(len(uniq))
    return rank[inv]


def _coverage(lab: np.ndarray, min_size: int) -> float:
    counts = np.bincount(lab)
    return float(counts[counts >= min_size].sum()) / len(lab)


@dataclass
class Stages:
    """The stages of one layer: a table (``stage``, ``threshold``, ``n_clusters``,
    ``n_large`` (clusters of at least ``min_size``), ``coverage`` (share of inputs in
    them), ``ari`` and ``nmi`` against the labels) and the cluster of each input per stage."""

    table: pd.DataFrame
    labels: dict
    min_size: int = 1

    def __getitem__(self, stage: str) -> np.ndarray:
        if stage not in self.labels:
            raise KeyError(f"stage: unknown stage {stage!r}; known: {list(self.labels)}")
        return self.labels[stage]

    @property
    def names(self) -> list[str]:
        return list(self.table["stage"])

    def threshold(self, stage: str) -> float:
        row = self.table[self.table["stage"] == stage]
        if row.empty:
            raise KeyError(f"stage: unknown stage {stage!r}; known: {self.names}")
        return float(row["threshold"].iloc[0])

    def to_dict(self) -> dict:
        return {
            "table": self.table,
            "labels": {k: np.asarray(v) for k, v in self.labels.items()},
            "min_size": int(self.min_size),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Stages:
        table = data["table"]
        if not isinstance(table, pd.DataFrame):
            table = pd.DataFrame(table)
        return cls(
            table,
            {k: np.asarray(v, dtype=np.int64) for k, v in data["labels"].items()},
            int(data.get("min_size", 1)),
        )


def _default_min_size(n: int) -> int:
    return max(2, int(round(0.01 * n)))


@declare_params(
    n_intermediate=Param(
        2, "int", low=0, high=20, help="stages between the labels stage and one cluster"
    ),
    min_size=Param(
        None,
        "int",
        low=1,
        none_ok=True,
        help="smallest cluster that counts (None: 1% of the inputs)",
    ),
    min_coverage=Param(
        0.5,
        "float",
        low=0.0,
        high=1.0,
        low_open=True,
        help="the fine stage: smallest threshold whose clusters of min_size cover this share",
    ),
    max_candidates=Param(
        300, "int", low=1, high=100_000, help="cluster counts tried for the labels stage"
    ),
)
def cluster_stages(
    diagrams: Diagrams,
    labels=None,
    *,
    n_intermediate: int = 2,
    min_size: int | None = None,
    min_coverage: float = 0.5,
    max_candidates: int = 300,
) -> Stages:
    """HOLE's stages of the single-linkage clustering of one layer (thresholds taken among
    the H0 deaths):

    - ``"fine"``: the smallest threshold at which the clusters of at least ``min_size``
      inputs hold ``min_coverage`` of the inputs (below it, most inputs are in tiny
      clusters);
    - ``"labels"`` (with ``labels``): the threshold whose clustering is closest to the
      labels by the adjusted Rand index, among the ``2 .. max_candidates + 1`` cluster cuts
      at the largest deaths and the fine stage;
    - ``"mid1" .. "midK"``: ``n_intermediate`` thresholds evenly spaced between the labels
      stage (the fine stage without labels) and the one-cluster stage, in the rank of the
      H0 deaths;
    - ``"one"``: the largest death: one cluster.

    Returns :class:`Stages` (in increasing threshold).
    """
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    d = _check_diagrams(diagrams)
    n = d.n_points
    if n < 2:
        raise ValueError("diagrams: need at least two inputs for clusters")
    if labels is not None:
        labels = check_vector(labels, "labels", n)
    n_intermediate = check_int(n_intermediate, "n_intermediate", minimum=0)
    min_size = (
        _default_min_size(n) if min_size is None else check_int(min_size, "min_size", minimum=1)
    )
    min_coverage = check_real(min_coverage, "min_coverage", low=0.0, high=1.0, low_open=True)
    max_candidates = check_int(max_candidates, "max_candidates", minimum=1)
    w = d.mst_weights  # ascending

    # fine: binary search on the rank of the deaths (coverage grows with the threshold)
    lo, hi = 0, len(w) - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if _coverage(clusters_at(d, w[mid]), min_size) >= min_coverage:
            hi = mid
        else:
            lo = mid + 1
    ranks = {"fine": lo}
    chosen = {"fine": clusters_at(d, w[lo])}
    base = lo
    if labels is not None:
        cand = sorted({r for r in range(max(lo, len(w) - 1 - max_candidates), len(w) - 1)} | {lo})
        best_r, best_ari, best_lab = None, -np.inf, None
        for r in cand:
            lab = clusters_at(d, w[r])
            a = adjusted_rand_score(labels, lab)
            if a > best_ari + 1e-12:
                best_r, best_ari, best_lab = r, a, lab
        ranks["labels"] = best_r
        chosen["labels"] = best_lab
        base = best_r
    top = len(w) - 1
    mids = np.unique(np.round(np.linspace(base, top, n_intermediate + 2)[1:-1]).astype(int))
    for j, r in enumerate(mids.tolist(), start=1):
        if base < r < top:
            ranks[f"mid{j}"] = r
            chosen[f"mid{j}"] = clusters_at(d, w[r])
    ranks["one"] = top
    chosen["one"] = np.zeros(n, dtype=np.int64)
    rows = []
    for stage in sorted(ranks, key=lambda s: (ranks[s], s != "labels")):
        lab = chosen[stage]
        counts = np.bincount(lab)
        rows.append(
            {
                "stage": stage,
                "threshold": float(w[ranks[stage]]),
                "n_clusters": int(counts.size),
                "n_large": int((counts >= min_size).sum()),
                "coverage": _coverage(lab, min_size),
                "ari": float(adjusted_rand_score(labels, lab)) if labels is not None else np.nan,
                "nmi": float(normalized_mutual_info_score(labels, lab))
                if labels is not None
                else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    return Stages(table, {s: chosen[s] for s in table["stage"]}, min_size)


# -- cluster flow -------------------------------------------------------------------------------
@dataclass
class Sankey:
    """The flow of the inputs through the clusters of consecutive layers.

    Attributes
    ----------
    layers : list of str
    nodes : DataFrame
        One row per (layer, cluster): ``layer``, ``column`` (the layer's position),
        ``cluster`` (-1: the clusters smaller than ``min_size`` of that layer, pooled),
        ``size``, ``label`` (majority label) and ``purity``.
    links : DataFrame
        ``source``, ``target`` (node rows), ``column`` (of the source), ``count``.
    node_of_input : ndarray of shape (n_layers, n_inputs)
        The node of every input in every layer: the inputs of a link are those whose nodes in
        the two columns are its ends, so the flows conserve the inputs by construction.
    """

    layers: list
    nodes: pd.DataFrame
    links: pd.DataFrame
    node_of_input: np.ndarray
    stage: str = ""
    min_size: int = 1

    def inputs_of_node(self, node: int) -> np.ndarray:
        node = check_int(node, "node", minimum=0, maximum=len(self.nodes) - 1)
        col = int(self.nodes["column"].iloc[node])
        return np.flatnonzero(self.node_of_input[col] == node)

    def inputs_of_link(self, link: int) -> np.ndarray:
        link = check_int(link, "link", minimum=0, maximum=len(self.links) - 1)
        row = self.links.iloc[link]
        col = int(row["column"])
        return np.flatnonzero(
            (self.node_of_input[col] == int(row["source"]))
            & (self.node_of_input[col + 1] == int(row["target"]))
        )

    def to_dict(self) -> dict:
        return {
            "layers": list(self.layers),
            "nodes": self.nodes,
            "links": self.links,
            "node_of_input": np.asarray(self.node_of_input),
            "stage": self.stage,
            "min_size": int(self.min_size),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Sankey:
        return cls(
            list(data["layers"]),
            pd.DataFrame(data["nodes"]),
            pd.DataFrame(data["links"]),
            np.asarray(data["node_of_input"], dtype=np.int64),
            str(data.get("stage", "")),
            int(data.get("min_size", 1)),
        )


def _majority(labels, members):
    if labels is None or members.size == 0:
        return None, np.nan
    vals, counts = np.unique(np.asarray(labels)[members], return_counts=True)
    k = int(np.argmax(counts))
    v = vals[k]
    return (v.item() if hasattr(v, "item") else v), float(counts[k]) / members.size


@declare_params(
    min_size=Param(
        None,
        "int",
        low=1,
        none_ok=True,
        help="clusters smaller than this are pooled per layer (None: 1% of the inputs)",
    )
)
def cluster_flow(
    clusterings: dict, labels=None, *, min_size: int | None = None, stage: str = ""
) -> Sankey:
    """The Sankey diagram of ``clusterings`` (an ordered dict layer -> cluster label of every
    input, e.g. one stage of :func:`cluster_stages` per layer): a node per cluster of at
    least ``min_size`` inputs plus one pooled node of the smaller ones per layer, a link per
    pair of nodes of consecutive layers that share inputs."""
    if not isinstance(clusterings, dict) or not clusterings:
        raise ValueError("clusterings: expected a non-empty dict layer -> cluster labels")
    layers = list(clusterings)
    first = np.asarray(clusterings[layers[0]]).ravel()
    n = first.size
    labs = [
        np.asarray(check_vector(clusterings[name], f"clusterings[{name!r}]", n)).astype(np.int64)
        for name in layers
    ]
    if labels is not None:
        labels = check_vector(labels, "labels", n)
    min_size = (
        _default_min_size(n) if min_size is None else check_int(min_size, "min_size", minimum=1)
    )
    node_rows = []
    node_of_input = np.empty((len(layers), n), dtype=np.int64)
    for col, (name, lab) in enumerate(zip(layers, labs)):
        lab = _renumber(lab)
        counts = np.bincount(lab)
        big = np.flatnonzero(counts >= min_size)
        for c in big.tolist():
            members = np.flatnonzero(lab == c)
            node_of_input[col, members] = len(node_rows)
            maj, pur = _majority(labels, members)
            node_rows.append(
                {
                    "layer": name,
                    "column": col,
                    "cluster": c,
                    "size": int(members.size),
                    "label": maj,
                    "purity": pur,
                }
            )
        small = np.flatnonzero(counts[lab] < min_size)
        if small.size:
            node_of_input[col, small] = len(node_rows)
            maj, pur = _majority(labels, small)
            node_rows.append(
                {
                    "layer": name,
                    "column": col,
                    "cluster": -1,
                    "size": int(small.size),
                    "label": maj,
                    "purity": pur,
                }
            )
    link_rows = []
    for col in range(len(layers) - 1):
        pairs, counts = np.unique(
            np.c_[node_of_input[col], node_of_input[col + 1]], axis=0, return_counts=True
        )
        for (s, t), c in zip(pairs.tolist(), counts.tolist()):
            link_rows.append({"source": int(s), "target": int(t), "column": col, "count": int(c)})
    nodes = pd.DataFrame(
        node_rows, columns=["layer", "column", "cluster", "size", "label", "purity"]
    )
    links = pd.DataFrame(link_rows, columns=["source", "target", "column", "count"])
    return Sankey(layers, nodes, links, node_of_input, stage, min_size)


# -- heatmap dendrogram ---------------------------------------------------------------------------
@dataclass
class HeatmapDendrogram:
    """The single-linkage dendrogram of (a sample of) one layer and its distance matrix
    ordered by the dendrogram's leaves.

    ``inputs``: the inputs shown (ascending); ``linkage``: scipy linkage matrix over them;
    ``order``: the leaf order (positions into ``inputs``); ``distances``: float32 distance
    matrix in that order; ``labels``: the labels of ``inputs[order]`` (or None).
    """

    inputs: np.ndarray
    linkage: np.ndarray
    order: np.ndarray
    distances: np.ndarray
    labels: np.ndarray | None = None
    layer: str = ""

    def inputs_in_rows(self, start: int, stop: int) -> np.ndarray:
        """The inputs of the heatmap rows ``start:stop`` (in the displayed order)."""
        return self.inputs[self.order[start:stop]]

    def to_dict(self) -> dict:
        return {
            "inputs": self.inputs,
            "linkage": self.linkage,
            "order": self.order,
            "distances": self.distances,
            "labels": self.labels,
            "layer": self.layer,
        }

    @classmethod
    def from_dict(cls, data: dict) -> HeatmapDendrogram:
        lab = data.get("labels")
        return cls(
            np.asarray(data["inputs"], dtype=np.int64),
            np.asarray(data["linkage"], dtype=np.float64),
            np.asarray(data["order"], dtype=np.int64),
            np.asarray(data["distances"], dtype=np.float32),
            None if lab is None else np.asarray(lab),
            str(data.get("layer", "")),
        )


@declare_params(
    max_points=Param(
        600, "int", low=2, high=5000, help="inputs shown (a stratified sample above it)"
    ),
    random_state=Param(0, "int", low=0, none_ok=True, help="seed of the sample"),
)
def heatmap_dendrogram(
    X,
    labels=None,
    *,
    metric: str = "euclidean",
    max_points: int = 600,
    random_state=0,
    layer: str = "",
) -> HeatmapDendrogram:
    """Single linkage of the rows of ``X`` (a random sample of ``max_points`` when there are
    more, stratified by label) and the distance matrix ordered by its dendrogram."""
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import pdist, squareform

    from .._utils.validation import check_random_state

    X = check_array(X, "X", min_rows=2)
    n = X.shape[0]
    max_points = check_int(max_points, "max_points", minimum=2)
    if labels is not None:
        labels = np.asarray(check_vector(labels, "labels", n))
    if n > max_points:
        rng = check_random_state(random_state)
        if labels is not None:
            from sklearn.model_selection import train_test_split

            try:
                idx, _ = train_test_split(
                    np.arange(n),
                    train_size=max_points,
                    stratify=labels,
                    random_state=rng.randint(2**31 - 1),
                )
            except ValueError:  # a class with a single member
                idx = rng.choice(n, max_points, replace=False)
        else:
            idx = rng.choice(n, max_points, replace=False)
        idx = np.sort(idx)
    else:
        idx = np.arange(n)
    dist = pdist(X[idx], metric=metric)
    Z = linkage(dist, method="single")
    order = leaves_list(Z)
    D = squareform(dist).astype(np.float32)[np.ix_(order, order)]
    lab = None if labels is None else labels[idx][order]
    return HeatmapDendrogram(idx.astype(np.int64), Z, order.astype(np.int64), D, lab, layer)


# -- blob graph -----------------------------------------------------------------------------------
@dataclass
class BlobGraph:
    """Clusters of one layer at one threshold, as blobs in a 2-D projection.

    ``table``: one row per cluster: ``cluster``, ``size``, ``x``, ``y`` (PCA of the
    layer, cluster centroid), ``label`` (majority), ``purity``, ``outlier`` (fewer than
    ``min_size`` inputs); ``edges``/``weights``: the minimum spanning tree contracted to the
    clusters (the edge that joins two clusters first, by length); ``cluster_of_input``.
    """

    table: pd.DataFrame
    edges: np.ndarray
    weights: np.ndarray
    cluster_of_input: np.ndarray
    threshold: float = 0.0
    layer: str = ""

    def inputs_of_blob(self, cluster: int) -> np.ndarray:
        return np.flatnonzero(self.cluster_of_input == int(cluster))

    def to_dict(self) -> dict:
        return {
            "table": self.table,
            "edges": self.edges,
            "weights": self.weights,
            "cluster_of_input": self.cluster_of_input,
            "threshold": float(self.threshold),
            "layer": self.layer,
        }

    @classmethod
    def from_dict(cls, data: dict) -> BlobGraph:
        return cls(
            pd.DataFrame(data["table"]),
            np.asarray(data["edges"], dtype=np.int64).reshape(-1, 2),
            np.asarray(data["weights"], dtype=np.float64),
            np.asarray(data["cluster_of_input"], dtype=np.int64),
            float(data.get("threshold", 0.0)),
            str(data.get("layer", "")),
        )


def blob_graph(
    X,
    diagrams: Diagrams,
    threshold: float,
    labels=None,
    *,
    min_size: int | None = None,
    random_state=0,
    layer: str = "",
) -> BlobGraph:
    """The clusters of ``X`` at ``threshold`` (single linkage, from ``diagrams``' MST) as
    blobs at their centroids in the first two principal components of ``X``, sized by
    count, with the majority label and its purity; clusters of fewer than ``min_size``
    inputs (default: 1 % of the inputs) are flagged as outliers."""
    from sklearn.decomposition import PCA

    X = check_array(X, "X", min_rows=2)
    d = _check_diagrams(diagrams)
    if d.n_points != X.shape[0]:
        raise ValueError(f"diagrams: computed on {d.n_points} inputs, X has {X.shape[0]} rows")
    n = X.shape[0]
    if labels is not None:
        labels = check_vector(labels, "labels", n)
    min_size = (
        _default_min_size(n) if min_size is None else check_int(min_size, "min_size", minimum=1)
    )
    lab = clusters_at(d, threshold)
    k = int(lab.max()) + 1
    n_comp = min(2, X.shape[1])
    Y = PCA(n_components=n_comp, random_state=random_state).fit_transform(X)
    if n_comp == 1:
        Y = np.c_[Y, np.zeros(n)]
    counts = np.bincount(lab, minlength=k)
    cx = np.bincount(lab, weights=Y[:, 0], minlength=k) / counts
    cy = np.bincount(lab, weights=Y[:, 1], minlength=k) / counts
    rows = []
    for c in range(k):
        maj, pur = _majority(labels, np.flatnonzero(lab == c))
        rows.append(
            {
                "cluster": c,
                "size": int(counts[c]),
                "x": float(cx[c]),
                "y": float(cy[c]),
                "label": maj,
                "purity": pur,
                "outlier": bool(counts[c] < min_size),
            }
        )
    # contracted tree: MST edges between different clusters (each joins two clusters)
    e = d.mst_edges
    cu, cv = lab[e[:, 0]], lab[e[:, 1]]
    cross = cu != cv
    ce = np.sort(np.c_[cu[cross], cv[cross]], axis=1)
    cw = d.mst_weights[cross]
    return BlobGraph(pd.DataFrame(rows), ce.astype(np.int64), cw, lab, float(threshold), layer)


# -- cluster quality --------------------------------------------------------------------------------
def mst_class_structure(diagrams: Diagrams, labels) -> dict:
    """How the classes sit in H0: of the minimum spanning tree's edges (one per finite H0
    death), the share that join two different labels (``mst_cross_share``: at least
    ``(n_classes - 1) / (n - 1)``, reached when every class is one cluster that the tree
    enters once) and the median length of those over the median length of the edges inside
    a class (``mst_cross_ratio``: large when the classes are separated by gaps)."""
    d = _check_diagrams(diagrams)
    y = np.asarray(check_vector(labels, "labels", d.n_points))
    e = d.mst_edges
    cross = y[e[:, 0]] != y[e[:, 1]]
    w = d.mst_weights
    inside = np.median(w[~cross]) if (~cross).any() else np.nan
    ratio = float(np.median(w[cross]) / inside) if cross.any() and inside > 0 else np.nan
    return {"mst_cross_share": float(cross.mean()) if len(e) else 0.0, "mst_cross_ratio": ratio}


@declare_params(
    sample_size=Param(2000, "int", low=10, none_ok=True, help="inputs sampled for the silhouette"),
    random_state=Param(0, "int", low=0, none_ok=True, help="seed of the silhouette sample"),
)
def cluster_quality(
    representations: dict,
    labels,
    *,
    stages: dict | None = None,
    diagrams: dict | None = None,
    sample_size: int | None = 2000,
    random_state=0,
    progress=None,
) -> pd.DataFrame:
    """Class separation per layer (rows, in the order given): silhouette, Calinski-Harabasz
    and Davies-Bouldin of the labels in each layer (scikit-learn), and, with ``stages``
    (layer -> :class:`Stages`), the ARI and NMI of the single-linkage clustering of the
    ``"labels"`` stage against the labels, its threshold relative to the one-cluster
    threshold, and its number of large clusters. With ``diagrams`` (layer ->
    :class:`Diagrams`), the H0 structure of the classes (:func:`mst_class_structure`):
    ``mst_cross_share``, the share of the minimum spanning tree's edges (H0 deaths) that join
    two classes, and ``mst_cross_ratio``, the median length of those over the median length
    of the edges inside a class."""
    from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

    if not isinstance(representations, dict) or not representations:
        raise ValueError("representations: expected a non-empty dict name -> array")
    rows = []
    names = list(representations)
    for j, name in enumerate(names):
        report(progress, j / len(names), f"quality of {name}")
        X = check_array(representations[name], f"representations[{name!r}]", min_rows=2)
        y = np.asarray(check_vector(labels, "labels", X.shape[0]))
        row = {"layer": name}
        if np.unique(y).size >= 2:
            ss = None if sample_size is None or X.shape[0] <= sample_size else int(sample_size)
            row["silhouette"] = float(
                silhouette_score(X, y, sample_size=ss, random_state=random_state)
            )
            row["calinski_harabasz"] = float(calinski_harabasz_score(X, y))
            row["davies_bouldin"] = float(davies_bouldin_score(X, y))
        if stages is not None and name in stages:
            st = stages[name]
            t = st.table.set_index("stage")
            if "labels" in t.index:
                row["ari"] = float(t.loc["labels", "ari"])
                row["nmi"] = float(t.loc["labels", "nmi"])
                row["labels_threshold_rel"] = float(
                    t.loc["labels", "threshold"] / t.loc["one", "threshold"]
                )
                row["labels_n_large"] = int(t.loc["labels", "n_large"])
        if diagrams is not None and name in diagrams:
            row.update(mst_class_structure(diagrams[name], y))
        rows.append(row)
    report(progress, 1.0, "quality")
    return pd.DataFrame(rows).set_index("layer")
