"""Clustering inside cover elements."""

from __future__ import annotations

import numpy as np

CLUSTERERS = ("dbscan", "single")


def knee_eps(X: np.ndarray, min_samples: int = 3, *, max_queries: int = 2000, random_state=None) -> float:
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
    from sklearn.utils import check_random_state

    X = np.asarray(X)
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
