"""Clustering inside cover elements.

The named clusterers are kept in the registry :data:`CLUSTERERS`: name -> factory
``fn(eps, min_samples, random_state)`` returning an object with ``fit_predict(X)`` (label -1
is noise; a scikit-learn clusterer, for instance). Add your own with
:func:`register_clusterer` (a factory, or an estimator object that is cloned for every cover
element).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._utils.params import Registry
from .._utils.validation import check_random_state

#: name -> factory ``fn(eps, min_samples, random_state) -> estimator with fit_predict``
CLUSTERERS = Registry("clusterer")


def register_clusterer(name: str, fn: Any = None, *, help: str = "", replace: bool = False):
    """Register a clusterer under ``name``: a factory ``fn(eps, min_samples, random_state)``
    returning an object with ``fit_predict``, or such an object itself (cloned with
    :func:`sklearn.base.clone` for every cover element, ``random_state`` set when it has
    one). Usable as a decorator for factories."""
    if fn is not None and hasattr(fn, "fit_predict") and not isinstance(fn, type):
        template = fn

        def factory(eps, min_samples, random_state, _t=template):
            from sklearn.base import clone

            est = clone(_t)
            if random_state is not None and "random_state" in est.get_params():
                est.set_params(random_state=random_state)
            return est

        doc = help or f"{type(template).__name__} (registered object)"
        return CLUSTERERS.register(name, factory, help=doc, replace=replace)
    return CLUSTERERS.register(name, fn, help=help, replace=replace)


def make_clusterer(name: str, eps: float | None, min_samples: int, random_state=None):
    """The estimator of the registered clusterer ``name``."""
    if name not in CLUSTERERS:
        raise ValueError(
            f"clusterer: unknown clusterer {name!r}; choose one of {CLUSTERERS.names()} "
            "or pass a scikit-learn clusterer object (add one with register_clusterer)"
        )
    est = CLUSTERERS.get(name)(eps, min_samples, random_state)
    if not hasattr(est, "fit_predict"):
        raise TypeError(
            f"clusterer {name!r}: its factory returned {type(est).__name__}, which has no fit_predict"
        )
    return est


class SingleLinkage:
    """Single linkage cut at distance ``eps`` (see :func:`single_linkage_labels`)."""

    def __init__(self, eps: float, min_samples: int):
        self.eps = eps
        self.min_samples = min_samples

    def fit_predict(self, X, y=None):
        return single_linkage_labels(np.asarray(X), self.eps, self.min_samples)


def _dbscan_factory(eps, min_samples, random_state):
    from sklearn.cluster import DBSCAN

    return DBSCAN(eps=eps, min_samples=min_samples)


CLUSTERERS.register("dbscan", _dbscan_factory, help="DBSCAN(eps, min_samples); exact fast path")
CLUSTERERS.register(
    "single",
    lambda eps, min_samples, random_state: SingleLinkage(eps, min_samples),
    help="single linkage cut at eps; components smaller than min_samples are noise",
)


def knee_eps(
    X: np.ndarray, min_samples: int = 3, *, max_queries: int = 2000, random_state=None
) -> float:
    """Choose DBSCAN's ``eps`` from the knee of the sorted k-NN distances.

    The rule: take ``k = min_samples`` (DBSCAN counts the point itself, so this is the
    distance to the ``(min_samples - 1)``-th other point); compute every queried input's
    k-NN distance to all of ``X`` (at most ``max_queries`` inputs, drawn with
    ``random_state``); sort them ascending; rescale index and distance to ``[0, 1]``; the knee
    is the point farthest below the straight line from the first to the last point, and its
    distance is ``eps``. This is the "elbow" of Ester et al.'s sorted k-distance plot, found as
    Satopaa et al.'s Kneedle does for a convex increasing curve.
    """
    from sklearn.neighbors import NearestNeighbors

    from .._utils.validation import check_array, check_int

    X = check_array(X, "X")
    min_samples = check_int(min_samples, "min_samples", minimum=1)
    max_queries = check_int(max_queries, "max_queries", minimum=1)
    n = X.shape[0]
    k = int(min(max(min_samples, 2), n))
    if n > max_queries:
        queries = np.sort(check_random_state(random_state).choice(n, max_queries, replace=False))
    else:
        queries = np.arange(n)
    nn = NearestNeighbors(n_neighbors=k).fit(X)
    dist, _ = nn.kneighbors(X[queries])
    kd = np.sort(dist[:, -1])
    positive = kd[kd > 0]
    if positive.size == 0:
        return 1e-12
    if kd[-1] - kd[0] <= 0 or len(kd) < 3:
        return float(kd[-1])
    x = np.linspace(0.0, 1.0, len(kd))
    y = (kd - kd[0]) / (kd[-1] - kd[0])
    gap = x - y  # distance below the chord y = x (up to a constant factor)
    eps = float(kd[int(np.argmax(gap))])
    return eps if eps > 0 else float(positive[0])


def single_linkage_labels(X: np.ndarray, eps: float, min_samples: int) -> np.ndarray:
    """Single-linkage clusters cut at distance ``eps``: the connected components of the graph
    joining inputs at most ``eps`` apart. Components with fewer than ``min_samples`` inputs are
    noise (label -1). Labels are numbered in order of each component's first input."""
    from scipy.sparse.csgraph import connected_components
    from sklearn.neighbors import radius_neighbors_graph

    n = X.shape[0]
    if n == 1:
        return np.array([0 if min_samples <= 1 else -1])
    graph = radius_neighbors_graph(X, eps, mode="connectivity", include_self=False)
    _, comp = connected_components(graph, directed=False)
    sizes = np.bincount(comp)
    # renumber components in order of first appearance, noise for small ones
    _, first = np.unique(comp, return_index=True)
    order = np.argsort(first)
    rank = np.empty_like(order)
    big = sizes[order] >= min_samples
    rank[order[big]] = np.arange(big.sum())
    rank[order[~big]] = -1
    return rank[comp]


def min_cluster_samples(clusterer) -> int:
    """KeplerMapper's rule for the fewest inputs an element needs before it is clustered: the
    clusterer's ``n_clusters``, ``min_cluster_size`` or ``min_samples`` (first integer found),
    else 2."""
    params = clusterer.get_params() if hasattr(clusterer, "get_params") else {}
    for key in ("n_clusters", "min_cluster_size", "min_samples"):
        value = params.get(key)
        if value and isinstance(value, int):
            return value
    return 2
