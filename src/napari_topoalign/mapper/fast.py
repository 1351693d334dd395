"""Clustering of all cover elements (the engine's hot loop).

Three paths, all giving exactly the nodes of clustering every element on its own with
scikit-learn (KeplerMapper's loop):

* DBSCAN (``clusterer="dbscan"`` or a plain euclidean ``sklearn.cluster.DBSCAN``) on a 1-D
  lens whose elements are contiguous in lens order (uniform and balanced covers): the
  eps-neighbour graph is computed once for all elements and each element is clustered from
  its induced subgraph (:mod:`._dbscan`). With the L2-norm lens, pairs whose norms differ by
  more than ``eps`` are skipped (the norm is 1-Lipschitz).
* DBSCAN otherwise (2-D lenses): the same exact graph-based DBSCAN per element.
* Any other clusterer: scikit-learn per element, in ``n_jobs`` threads.
"""

from __future__ import annotations

import numpy as np

from .._utils.parallel import limit_blas, map_with_progress
from . import _dbscan


def _n_threads(n_jobs):
    """Threads for ``n_jobs`` (``None``: 1; otherwise :func:`~napari_topoalign._utils.parallel.n_threads`)."""
    from .._utils.parallel import n_threads

    return 1 if n_jobs is None else n_threads(n_jobs)


def cluster_elements(
    X,
    elements,
    *,
    clusterer,
    eps,
    min_samples,
    min_points,
    n_jobs=None,
    random_state=None,
    progress=None,
    lens=None,
    lens_is_l2norm=False,
    sqnorms=None,
    method="auto",
):
    """Cluster every cover element.

    Parameters
    ----------
    X : ndarray (n, d)
    elements : list of int arrays
        Input indices of every cover element (ascending).
    clusterer, eps, min_samples
        As in :func:`~napari_topoalign.mapper.build_mapper`.
    min_points : int
        Elements with fewer inputs are not clustered (KeplerMapper's rule).
    n_jobs : int or None
        Threads (``None``: 1, ``-1``: all cores).
    lens : ndarray (n,) or (n, 2), optional
        The lens values; a 1-D lens enables the shared-graph DBSCAN path.
    lens_is_l2norm : bool
        ``lens`` is the L2 norm of the rows of ``X`` (enables the norm band).
    sqnorms : ndarray (n,), optional
        The squared row norms of ``X`` in float64 (:func:`.lenses.squared_norms`), if
        already computed.
    method : {"auto", "sklearn"}
        ``"sklearn"`` forces the per-element scikit-learn path (the reference).

    Returns
    -------
    list of (int, int64 array)
        ``(element_index, member_indices)`` in element order, then cluster-label order
        (KeplerMapper's node order).
    """
    threads = _n_threads(n_jobs)
    params = _dbscan.dbscan_params(clusterer, eps, min_samples) if method == "auto" else None
    if params is None:
        return _per_element_sklearn(
            X, elements, clusterer, eps, min_samples, min_points, threads, random_state, progress
        )
    d_eps, d_min = params
    if lens is not None:
        lens = np.asarray(lens, dtype=np.float64)
        if lens.ndim == 2 and lens.shape[1] == 1:
            lens = lens[:, 0]
    # our own threads do the parallel work; BLAS keeps to one thread (a threaded BLAS on
    # these small blocks competes with them, and spin-waits when other processes hold the
    # cores: with n_jobs=1 on a loaded 2-core machine it made the engine ~4x slower)
    with limit_blas(1):
        ctx = _dbscan.Context(X, d_eps, sqnorms=sqnorms, n_jobs=threads)
        if lens is not None and lens.ndim == 1:
            rows = _shared_graph(
                ctx, elements, lens, lens_is_l2norm, d_min, min_points, threads, progress
            )
            if rows is not None:
                return rows
        return _per_element_graph(ctx, elements, d_min, min_points, threads, progress)


def _shared_graph(ctx, elements, lens, lens_is_l2norm, min_samples, min_points, threads, progress):
    """DBSCAN of every element from one eps-graph; ``None`` if the elements are not
    contiguous ranges of the lens order (ties may come in any order: an element holds all
    inputs of a lens value or none)."""
    n = len(lens)
    order = np.argsort(lens)
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n)
    ranges = []
    for members in elements:
        if len(members) < min_points or len(members) == 0:
            ranges.append(None)
            continue
        p = pos[members]
        a, b = int(p.min()), int(p.max()) + 1
        if b - a != len(members):
            return None
        ranges.append((a, b))
    used = [r for r in ranges if r is not None]
    if not used:
        if progress is not None:
            progress(1.0, "no element to cluster")
        return []
    starts = np.array([r[0] for r in used], dtype=np.int64)
    ends = np.array([r[1] for r in used], dtype=np.int64)
    # reach[p] = max end of the elements starting at or before p
    best = np.zeros(n, dtype=np.int64)
    np.maximum.at(best, starts, ends)
    reach = np.maximum.accumulate(best)
    band = lens[order] if lens_is_l2norm else None
    if progress is not None:
        progress(0.0, "neighbour graph: grouping inputs")
    P, Q = _dbscan.eps_pairs(
        ctx,
        order,
        reach=reach,
        band=band,
        all_rows=True,  # order is a permutation of all inputs
        n_jobs=threads,
        progress=progress,
        progress_span=(0.0, 0.85),
    )
    return _label_elements(
        P, Q, order, ranges, starts, ends, min_samples, threads, progress, len(elements)
    )


def _label_elements(P, Q, order, ranges, starts, ends, min_samples, threads, progress, n_elements):
    """DBSCAN every element from the shared pairs ``(P, Q)`` (positions, ``P < Q``, sorted
    by ``P``: each element's pairs are one run of ``P``)."""
    used_ids = [i for i, r in enumerate(ranges) if r is not None]

    def one(j):
        a, b = int(starts[j]), int(ends[j])
        i0, i1 = np.searchsorted(P, np.array([a, b], dtype=P.dtype), side="left")
        lo, hi = P[i0:i1], Q[i0:i1]
        inside = hi < b
        return _dbscan.dbscan_from_edges(
            lo[inside] - a, hi[inside] - a, order[a:b], min_samples, lo_sorted=True
        )

    results = _dbscan._run_tasks(
        one, list(range(len(used_ids))), threads, progress, (0.85, 1.0), "cover elements"
    )
    rows = []
    for i, nodes in zip(used_ids, results):
        rows.extend((i, node) for node in nodes)
    return rows


def _per_element_graph(ctx, elements, min_samples, min_points, threads, progress):
    total = max(len(elements), 1)
    rows = []
    for i, members in enumerate(elements):
        if len(members) >= min_points and len(members) > 0:
            members = np.asarray(members, dtype=np.int64)
            P, Q = _dbscan.eps_pairs(ctx, members, n_jobs=threads)
            for node in _dbscan.dbscan_from_edges(P, Q, members, min_samples, lo_sorted=True):
                rows.append((i, node))
        if progress is not None:
            progress((i + 1) / total, f"cover element {i + 1}/{total}")
    return rows


def _per_element_sklearn(
    X, elements, clusterer, eps, min_samples, min_points, threads, random_state, progress
):
    from .engine import cluster_one

    total = max(len(elements), 1)

    def one(members):
        labels = cluster_one(X[members], clusterer, eps, min_samples, random_state)
        out = []
        for lab in np.unique(labels):
            if lab != -1 and not (isinstance(lab, float) and np.isnan(lab)):
                out.append(np.asarray(members)[labels == lab].astype(np.int64))
        return out

    todo = [
        i for i, members in enumerate(elements) if len(members) >= min_points and len(members) > 0
    ]
    results: dict[int, list] = {}
    if threads <= 1 or len(todo) <= 1:
        for i, members in enumerate(elements):
            if len(members) >= min_points and len(members) > 0:
                results[i] = one(members)
            if progress is not None:
                progress((i + 1) / total, f"cover element {i + 1}/{total}")
    else:
        found = map_with_progress(
            lambda i: one(elements[i]), todo, threads, progress, what="cover elements", every=1
        )
        results = dict(zip(todo, found))
    rows = []
    for i in sorted(results):
        rows.extend((i, m) for m in results[i])
    return rows
