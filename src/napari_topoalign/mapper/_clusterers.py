"""Clusterers for cover elements beyond KeplerMapper's DBSCAN with one global ``eps``.

One ``eps`` for the whole representation (the knee rule of :func:`.cluster.knee_eps`) is the
radius at which the bulk of the inputs is dense. Inside a cover element of a dense stretch of
the lens that radius joins everything into one cluster, and the graph becomes a path of one
node per interval. The clusterers here adapt to each element instead:

* :class:`ElementDBSCAN` (``eps="per_element"``): DBSCAN whose ``eps`` is chosen in every
  element by the knee rule on that element's own k-NN distances.
* :class:`ElementHDBSCAN` (``clusterer="hdbscan"``): scikit-learn's HDBSCAN per element
  (density-based, no radius to choose; ``min_cluster_size`` scales with the element).
* :class:`GapSingleLinkage` (``clusterer="single_gap"``): single linkage on each element, cut
  where the histogram of merge heights first has an empty bin (the rule of Singh, Memoli &
  Carlsson's Mapper paper, 2007), small clusters as noise.
* :class:`KNNComponents` (``clusterer="knn"``): connected components of the mutual
  k-nearest-neighbour graph of each element, small components as noise.

All are scikit-learn estimators (``fit_predict``, ``get_params``), so they also work as
``clusterer=`` objects and in KeplerMapper. Label ``-1`` is noise.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

__all__ = [
    "ElementDBSCAN",
    "ElementHDBSCAN",
    "GapSingleLinkage",
    "KNNComponents",
]


def _renumber(labels: np.ndarray, sizes_min: int) -> np.ndarray:
    """Labels renumbered in order of first appearance, groups smaller than ``sizes_min``
    (and -1) as noise."""
    labels = np.asarray(labels, dtype=np.int64)
    out = np.full(len(labels), -1, dtype=np.int64)
    ok = labels >= 0
    if not ok.any():
        return out
    vals, first, counts = np.unique(labels[ok], return_index=True, return_counts=True)
    keep = counts >= sizes_min
    order = np.argsort(first[keep])
    rank = {int(v): r for r, v in enumerate(vals[keep][order])}
    out[ok] = [rank.get(int(v), -1) for v in labels[ok]]
    return out


class ElementDBSCAN(ClusterMixin, BaseEstimator):
    """DBSCAN with ``eps`` from the knee rule on this element's own k-NN distances.

    Parameters
    ----------
    min_samples : int
        DBSCAN's ``min_samples`` (the point itself counts).
    scale : float
        ``eps`` = ``scale`` x the element's knee distance.
    """

    def __init__(self, min_samples: int = 3, scale: float = 1.0):
        self.min_samples = min_samples
        self.scale = scale

    def fit_predict(self, X, y=None):
        from sklearn.cluster import DBSCAN

        from .cluster import knee_eps

        X = np.asarray(X)
        if len(X) < self.min_samples:
            return np.full(len(X), -1, dtype=np.int64)
        eps = self.scale * knee_eps(X, self.min_samples)
        self.eps_ = float(eps)
        self.labels_ = DBSCAN(eps=max(eps, 1e-12), min_samples=self.min_samples).fit_predict(X)
        return self.labels_


class ElementHDBSCAN(ClusterMixin, BaseEstimator):
    """scikit-learn's HDBSCAN on one element.

    Parameters
    ----------
    min_samples : int
        HDBSCAN's ``min_samples`` (core distance neighbours).
    min_cluster_fraction : float
        ``min_cluster_size`` = max(``min_samples``, this share of the element's inputs).
    cluster_selection_method : {"eom", "leaf"}
    """

    def __init__(
        self,
        min_samples: int = 5,
        min_cluster_fraction: float = 0.05,
        cluster_selection_method: str = "eom",
    ):
        self.min_samples = min_samples
        self.min_cluster_fraction = min_cluster_fraction
        self.cluster_selection_method = cluster_selection_method

    def fit_predict(self, X, y=None):
        from sklearn.cluster import HDBSCAN

        X = np.asarray(X)
        n = len(X)
        mcs = max(2, int(self.min_samples), int(np.ceil(self.min_cluster_fraction * n)))
        if n < mcs:
            return np.full(n, -1, dtype=np.int64)
        est = HDBSCAN(
            min_cluster_size=mcs,
            min_samples=min(int(self.min_samples), n - 1) if n > 1 else None,
            cluster_selection_method=self.cluster_selection_method,
            allow_single_cluster=True,
            copy=True,
        )
        self.labels_ = est.fit_predict(X)
        return self.labels_


class GapSingleLinkage(ClusterMixin, BaseEstimator):
    """Single linkage cut at the first empty bin of the histogram of merge heights.

    The merge heights of the single-linkage tree (the edge lengths of the minimum spanning
    tree) are put into ``n_bins`` equal bins; the tree is cut at the left edge of the first
    empty bin (no cut when no bin is empty: one cluster). Clusters smaller than
    ``min_samples`` are noise.
    """

    def __init__(self, min_samples: int = 3, n_bins: int = 10):
        self.min_samples = min_samples
        self.n_bins = n_bins

    def fit_predict(self, X, y=None):
        from scipy.cluster.hierarchy import fcluster, linkage

        X = np.asarray(X, dtype=np.float64)
        n = len(X)
        if n < 2:
            return _renumber(np.zeros(n), self.min_samples)
        Z = linkage(X, method="single")
        h = Z[:, 2]
        counts, edges = np.histogram(h, bins=self.n_bins)
        empty = np.flatnonzero(counts == 0)
        cut = edges[empty[0]] if len(empty) else h.max() * (1 + 1e-9) + 1e-12
        labels = fcluster(Z, t=cut, criterion="distance") - 1
        self.cut_ = float(cut)
        self.labels_ = _renumber(labels, self.min_samples)
        return self.labels_


class KNNComponents(ClusterMixin, BaseEstimator):
    """Connected components of the mutual k-nearest-neighbour graph of one element.

    Parameters
    ----------
    n_neighbors : int
        ``k``; two inputs are joined when each is among the other's ``k`` nearest.
    min_samples : int
        Components with fewer inputs are noise.
    """

    def __init__(self, n_neighbors: int = 10, min_samples: int = 3):
        self.n_neighbors = n_neighbors
        self.min_samples = min_samples

    def fit_predict(self, X, y=None):
        from scipy.sparse.csgraph import connected_components
        from sklearn.neighbors import kneighbors_graph

        X = np.asarray(X)
        n = len(X)
        k = min(int(self.n_neighbors), n - 1)
        if k < 1:
            return _renumber(np.zeros(n), self.min_samples)
        A = kneighbors_graph(X, k, mode="connectivity", include_self=False)
        M = A.minimum(A.T)
        _, comp = connected_components(M, directed=False)
        self.labels_ = _renumber(comp, self.min_samples)
        return self.labels_


def _register():
    """Add the clusterers of this module to :data:`~.cluster.CLUSTERERS`. Their factories
    carry ``uses_eps = False``: ``build_mapper`` then computes no global ``eps`` for them."""
    from .cluster import CLUSTERERS, register_clusterer

    def factory(make, help):
        def fn(eps, min_samples, random_state):
            return make(min_samples)

        fn.uses_eps = False
        fn.__doc__ = help
        return fn

    named = {
        "knn": (
            lambda m: KNNComponents(n_neighbors=5, min_samples=m),
            "components of the mutual 5-nearest-neighbour graph of each element; no eps",
        ),
        "hdbscan": (
            lambda m: ElementHDBSCAN(min_samples=m),
            "scikit-learn HDBSCAN per element (min_cluster_size 5 % of the element); no eps",
        ),
        "dbscan_local": (
            lambda m: ElementDBSCAN(min_samples=m),
            "DBSCAN with eps from the knee rule within each element",
        ),
        "single_gap": (
            lambda m: GapSingleLinkage(min_samples=m),
            "single linkage cut at the first empty bin of the merge heights; no eps",
        ),
    }
    for name, (make, help) in named.items():
        if name not in CLUSTERERS:
            register_clusterer(name, factory(make, help), help=help)


_register()


#: the clusterers that adapt to each cover element (no global eps); ``cover="auto"`` gives
#: them equal-count intervals
ADAPTIVE = ("knn", "hdbscan", "dbscan_local", "single_gap")
#: what ``clusterer="auto"`` means when no ``eps`` is given (chosen by measurement on the
#: digits and MiniLM samples, docs/mapper.md "Defaults")
AUTO_CLUSTERER = "knn"


def resolve_auto(clusterer, cover, eps):
    """The clusterer and cover that ``"auto"`` stands for.

    ``clusterer="auto"``: ``"dbscan"`` when ``eps`` is given (KeplerMapper's DBSCAN with that
    radius), else :data:`AUTO_CLUSTERER`. ``cover="auto"``: ``"balanced"`` for a clusterer that
    adapts to each element (:data:`ADAPTIVE`), else ``"uniform"`` (KeplerMapper's cover), so
    that explicit DBSCAN settings give KeplerMapper's graph.
    """
    if isinstance(clusterer, str) and clusterer == "auto":
        clusterer = "dbscan" if eps is not None else AUTO_CLUSTERER
    if isinstance(cover, str) and cover == "auto":
        cover = "balanced" if isinstance(clusterer, str) and clusterer in ADAPTIVE else "uniform"
    return clusterer, cover


def _register_auto():
    from .cluster import CLUSTERERS, register_clusterer
    from .cover import COVERS, balanced_cover, register_cover

    if "auto" not in CLUSTERERS:

        def auto(eps, min_samples, random_state):
            return KNNComponents(n_neighbors=5, min_samples=min_samples)

        auto.uses_eps = False
        register_clusterer(
            "auto", auto, help="'knn' when eps is not given, else 'dbscan' with that eps"
        )
    if "auto" not in COVERS:
        register_cover(
            "auto",
            balanced_cover,
            help="'balanced' for the adaptive clusterers, else 'uniform' (KeplerMapper's)",
        )


_register_auto()
