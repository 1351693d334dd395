"""Exact DBSCAN of many overlapping subsets of one data set, from one eps-neighbour graph.

scikit-learn's :class:`~sklearn.cluster.DBSCAN` labels one data set from its eps-neighbour
graph: a point is *core* when at least ``min_samples`` points (itself included) lie within
``eps``; clusters are the connected components of the core points, numbered in order of
their first core point; a non-core point within ``eps`` of core points of several clusters
joins the cluster with the smallest number (``dbscan_inner`` runs a depth-first search from
every unlabelled core point in index order, and never relabels a point). The eps-graph of a
subset is the subgraph induced by the eps-graph of the whole data, so the graph is computed
once for all cover elements and each element only takes its slice.

Finding the graph is the costly step. Exactness is kept while skipping most pairs:

* only pairs that share a cover element are needed (with a 1-D lens sorted once, the
  partners of every input form one contiguous range of lens order);
* if the lens is the L2 norm, ``| |x| - |y| | <= |x - y|``, so pairs whose lens values differ
  by more than ``eps`` are never neighbours;
* the inputs are grouped around pivots (k-means++ seeds with a fixed seed, one per ~2048
  inputs; far outliers regrouped apart); by the triangle inequality
  ``|x - y| >= |c_g - c_h| - r_g - r_h`` for groups ``g, h`` of radii ``r``, so group pairs
  farther apart than ``eps`` are skipped whole, and so are single inputs farther than
  ``r_h + eps`` from a partner group's centre. The grouping only changes the speed, never
  the result;
* the remaining pairs are found with float32 matrix products of the inputs centred on their
  group's centre (``|x|^2 + |y|^2 - 2 x.y``, in threads: BLAS releases the GIL); a rigorous
  bound on the float32 rounding error (and on the rounding of float64 input) marks the pairs
  that are surely in, surely out, or too close to ``eps`` to tell, and the latter are decided
  again in float64 with scikit-learn's own formula (the squared norms plus the float64 dot
  product for more than 15 features, which is where scikit-learn uses brute force; the sum
  of squared differences, as its KD-tree does, for 15 features or fewer). Only pairs closer
  to ``eps`` than scikit-learn's own float64 rounding could differ.

Every thread returns its pairs as sorted int64 keys ``p << 32 | q`` (a group's own pairs come
out of the blocks in order; the few with other groups are sorted in the thread), and the
runs are merged in slices of the key range, in threads, into int32 arrays sorted by
``(p, q)``. Each element is then labelled from its slice of the pairs (one run of ``p``):
degrees (plus one for the point itself) give the core points,
:func:`scipy.sparse.csgraph.connected_components` of the core-core edges the clusters,
numbered by their smallest input index, and a border point takes the smallest cluster
number among its core neighbours.

The phases live in their own modules: :mod:`._pivots` (grouping around pivots, the radius
bounds), :mod:`._pairs` (the pair search in threads, the float64 re-decisions, the merge of
the key runs); this module holds the entry points (:func:`dbscan_params`, the labelling
:func:`dbscan_from_edges`) and re-exports the rest.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._utils.parallel import limit_blas
from ._pairs import (  # noqa: F401  (the phases, re-exported: one entry point for the engine)
    _BLOCK_ROWS,
    _POINTS_PER_PIVOT,
    Context,
    _merge_runs,
    _run_tasks,
    eps_pairs,
)
from ._pivots import (  # noqa: F401
    _PROJECT_DIMS,
    _PROJECT_MIN_WORK,
    _U32,
    _as_float32,
    _Exact,
    _in_threads,
    _nearest,
    _nearest_projected,
    _pivot_groups,
    _seed_and_assign,
    _sqnorms64,
)


def dbscan_params(clusterer, eps, min_samples):
    """``(eps, min_samples)`` when ``clusterer`` is (equivalent to) a plain euclidean DBSCAN,
    else ``None``."""
    if isinstance(clusterer, str):
        return (float(eps), int(min_samples)) if clusterer == "dbscan" else None
    from sklearn.cluster import DBSCAN

    if type(clusterer) is not DBSCAN:
        return None
    p = clusterer.get_params()
    metric = p.get("metric")
    euclidean = metric == "euclidean" or (metric == "minkowski" and p.get("p") in (None, 2, 2.0))
    if not euclidean or p.get("metric_params"):
        return None
    ms = p.get("min_samples")
    if isinstance(ms, bool) or not isinstance(ms, (int, np.integer)) or ms < 1:
        return None
    e = p.get("eps")
    if not (isinstance(e, (int, float, np.floating, np.integer)) and np.isfinite(e) and e > 0):
        return None
    return float(e), int(ms)


def single_threaded_blas():
    """A context in which BLAS uses one thread (process-wide, restored on exit), through the
    one cached threadpoolctl controller of :func:`napari_topoalign._utils.parallel.limit_blas`."""
    return limit_blas(1)


# --------------------------------------------------------------------------- labels
def dbscan_from_edges(lo, hi, orig, min_samples, *, lo_sorted=False):
    """DBSCAN clusters of one subset of ``m = len(orig)`` points from its eps-graph given as
    an edge list (``lo[i] - hi[i]``, local indices, each unordered pair once, no self-loops).

    ``orig`` holds the points' original indices: scikit-learn numbers clusters in order of
    their first core point in ascending original index, and a border point joins the
    lowest-numbered cluster among its core neighbours.

    Returns
    -------
    list of int64 arrays
        The members (original indices, ascending) of every cluster, in scikit-learn's
        label order.
    """
    from scipy.sparse.csgraph import connected_components

    m = len(orig)
    grid = np.arange(m + 1, dtype=np.asarray(lo).dtype)  # same dtype: no copy in searchsorted
    if lo_sorted:
        deg = np.diff(np.searchsorted(lo, grid)) + np.bincount(hi, minlength=m) + 1
    else:
        deg = np.bincount(lo, minlength=m) + np.bincount(hi, minlength=m) + 1
    core = deg >= min_samples
    if not core.any():
        return []
    core_lo = np.take(core, lo)  # np.take: ~2x faster than core[lo] with int32 indices
    core_hi = np.take(core, hi)
    cc = core_lo & core_hi
    if lo_sorted:  # CSR of the core-core edges directly, no sort
        c_lo = lo[cc]
        graph = sp.csr_matrix(
            (np.ones(len(c_lo)), hi[cc], np.searchsorted(c_lo, grid)), shape=(m, m)
        )
    else:
        graph = sp.coo_matrix((np.ones(int(cc.sum())), (lo[cc], hi[cc])), shape=(m, m)).tocsr()
    ncomp, comp = connected_components(graph, directed=True, connection="weak")
    orig = np.asarray(orig, dtype=np.int64)
    ci = np.flatnonzero(core)
    big = np.iinfo(np.int64).max
    key = np.full(ncomp, big, dtype=np.int64)
    np.minimum.at(key, comp[ci], orig[ci])
    used = key < big  # components holding core points (every core point is one)
    rank = np.full(ncomp, -1, dtype=np.int64)
    comps = np.flatnonzero(used)
    rank[comps[np.argsort(key[comps], kind="stable")]] = np.arange(len(comps))
    label = np.full(m, -1, dtype=np.int64)
    label[ci] = rank[comp[ci]]
    # border points: the smallest label among their core neighbours
    b1 = core_hi & ~core_lo  # lo is the border point
    b2 = core_lo & ~core_hi
    if b1.any() or b2.any():
        border = np.concatenate([lo[b1], hi[b2]])
        via = np.concatenate([label[hi[b1]], label[lo[b2]]])
        lb = np.full(m, big, dtype=np.int64)
        np.minimum.at(lb, border, via)
        is_b = lb < big
        label[is_b] = lb[is_b]
    keep = label >= 0
    # by label, then input: one sort of the keys label << 32 | input (inputs < 2**32)
    if len(orig) and int(orig.max()) < 2**32:
        keys = np.sort((label[keep] << 32) | orig[keep])
        lab = keys >> 32
        members = keys & 0xFFFFFFFF
    else:  # pragma: no cover - more than 2**32 inputs
        lab = label[keep]
        members = orig[keep]
        o = np.lexsort((members, lab))
        lab = lab[o]
        members = members[o]
    return np.split(members, np.flatnonzero(np.diff(lab)) + 1)
