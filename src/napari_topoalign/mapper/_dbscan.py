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
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._utils.parallel import limit_blas, map_with_progress, thread_map

_U32 = 2.0**-24  # unit round-off of float32
_BLOCK_ROWS = 128
_POINTS_PER_PIVOT = 2048
_PROJECT_DIMS = 48  # pivot assignment in this many principal directions ...
_PROJECT_MIN_WORK = 5e7  # ... once rows x pivots exceeds this


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


# --------------------------------------------------------------------------- helpers
def _as_float32(X):
    X32 = np.asarray(X, dtype=np.float32)
    return np.ascontiguousarray(X32)


def _sqnorms64(X, chunk=8192, n_jobs=1):
    """Squared row norms in float64, in chunks (no full float64 copy of ``X``)."""
    from .lenses import squared_norms

    return squared_norms(X, chunk_rows=chunk, n_jobs=n_jobs)


class _Exact:
    """scikit-learn's decision ``|x_i - x_j| <= eps`` for pairs of rows of ``X``, in float64."""

    def __init__(self, X, eps, sq=None):
        self.X = X
        self.eps2 = float(eps) * float(eps)
        self.brute = X.shape[1] > 15
        self.sq = (sq if sq is not None else _sqnorms64(X)) if self.brute else None

    def __call__(self, i, j):
        if len(i) == 0:
            return np.zeros(0, dtype=bool)
        xi = np.asarray(self.X[i], dtype=np.float64)
        xj = np.asarray(self.X[j], dtype=np.float64)
        if self.brute:
            d2 = self.sq[i] + (-2.0 * np.einsum("ij,ij->i", xi, xj)) + self.sq[j]
            d2 = np.maximum(d2, 0.0)
        else:
            diff = xi - xj
            d2 = np.einsum("ij,ij->i", diff, diff)
        return d2 <= self.eps2


# --------------------------------------------------------------------------- grouping
def _in_threads(fn, starts, n_jobs):
    """Call ``fn(start)`` for every start, in ``n_jobs`` threads (each call writes its own
    slice of the outputs; BLAS and NumPy's copies release the GIL)."""
    thread_map(fn, starts, max(1, int(n_jobs)))


def _pivot_groups(X32, idx, n_pivots, sq=None, seed=0, chunk=8192, n_jobs=1, sq_all=None):
    """Group the rows ``idx`` of ``X32`` around pivots.

    Pivots are seeded by k-means++ on a sample (fixed seed: only the speed, never the result,
    depends on them) and moved to the means of their share of the sample. Points much
    farther from their centre than the bulk of their group are regrouped separately, so that
    a few outliers do not inflate a group's radius.

    Returns ``group`` (per entry of ``idx``), centres (float32 and float64) and an upper
    bound of every entry's distance to its centre.

    ``sq_all`` (the squared norms of all rows of ``X32``) tells that ``idx`` is a permutation
    of all rows: the rows are then assigned in storage order.
    """
    m = len(idx)
    rng = np.random.default_rng(seed)
    sq = _sqnorms64(X32[idx]) if sq is None else sq
    group, centres, radius = _seed_and_assign(
        X32, idx, sq, n_pivots, rng, chunk, n_jobs, sq_all=sq_all
    )
    k = len(centres)
    if m > 64 and k > 1:
        counts = np.bincount(group, minlength=k)
        # by group (a stable radix sort of small integers), then each group's 90 % radius
        order = np.argsort(group.astype(np.int16 if k < 2**15 else np.int64), kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)])
        q90 = np.zeros(k)
        for g in np.flatnonzero(counts):
            j = int(0.9 * (counts[g] - 1))
            q90[g] = np.partition(radius[order[starts[g] : starts[g + 1]]], j)[j]
        far = np.flatnonzero(radius > 1.5 * q90[group])
        if 0 < len(far) < m // 2:
            g2, c2, r2 = _seed_and_assign(
                X32, idx[far], sq[far], int(np.clip(len(far) // 64, 1, 256)), rng, chunk, n_jobs
            )
            group[far] = g2 + k
            centres = np.concatenate([centres, c2])
            radius[far] = r2
    return group, centres, centres.astype(np.float64), radius


def _seed_and_assign(X32, idx, sq, n_pivots, rng, chunk, n_jobs=1, sq_all=None):
    """k-means++ seeds on a sample, moved to the means of their share of the sample; every
    point's nearest centre and an upper bound of its distance to it.

    ``sq_all``: the squared norms of all rows of ``X32``, given when ``idx`` is a
    permutation of all rows."""
    m = len(idx)
    k = int(max(1, min(n_pivots, m)))
    n_sample = int(min(m, max(4096, 16 * k)))
    sample = np.asarray(
        X32[idx[np.sort(rng.choice(m, n_sample, replace=False))]], dtype=np.float32
    )
    s_sq = np.einsum("ij,ij->i", sample, sample, dtype=np.float64)
    chosen = [int(rng.integers(n_sample))]
    best = np.maximum(s_sq + s_sq[chosen[0]] - 2.0 * (sample @ sample[chosen[0]]), 0.0)
    for _ in range(1, k):
        total = best.sum()
        if total <= 0:
            break
        nxt = int(np.searchsorted(np.cumsum(best), rng.random() * total, side="right"))
        nxt = min(nxt, n_sample - 1)
        chosen.append(nxt)
        np.minimum(
            best, np.maximum(s_sq + s_sq[nxt] - 2.0 * (sample @ sample[nxt]), 0.0), out=best
        )
    centres = np.array(sample[np.array(chosen)], dtype=np.float32)
    k = len(chosen)
    s_group, _ = _nearest(sample, None, s_sq, centres, chunk)
    counts = np.bincount(s_group, minlength=k)
    onehot = sp.csr_matrix(
        (np.ones(n_sample, dtype=np.float32), (s_group, np.arange(n_sample))), shape=(k, n_sample)
    )
    sums = np.asarray(onehot @ sample)
    keep = counts > 0
    centres[keep] = sums[keep] / counts[keep, None].astype(np.float32)
    # idx a permutation of all rows: assign the rows in storage order (contiguous blocks,
    # no gathered copy), then permute the (small) results
    rows, row_sq = (None, sq_all) if sq_all is not None else (idx, sq)
    if X32.shape[1] > 2 * _PROJECT_DIMS and m * k > _PROJECT_MIN_WORK:
        group, radius = _nearest_projected(X32, rows, sample, centres, chunk, n_jobs)
    else:
        group, radius = _nearest(X32, rows, row_sq, centres, chunk, n_jobs)
    if rows is None:
        group, radius = group[idx], radius[idx]
    return group, centres, radius


def _nearest_projected(X32, idx, sample, centres, chunk, n_jobs=1):
    """Nearest centre found in the sample's top principal directions (cheap; any grouping is
    correct, only the speed depends on it), and the exact distance to it (upper bound).
    ``idx=None``: all rows."""
    n_rows = X32.shape[0] if idx is None else len(idx)
    mu = sample.mean(axis=0, dtype=np.float64).astype(np.float32)
    _, _, vt = np.linalg.svd(sample - mu, full_matrices=False)
    w = np.ascontiguousarray(vt[:_PROJECT_DIMS].T, dtype=np.float32)
    cp = (centres - mu) @ w
    csq = np.einsum("ij,ij->i", cp, cp)
    group = np.empty(n_rows, dtype=np.int64)
    radius = np.empty(n_rows, dtype=np.float64)

    def one(s):
        block = X32[s : s + chunk] if idx is None else X32[idx[s : s + chunk]]
        p = (block - mu) @ w
        g = np.argmin(csq[None, :] - 2.0 * (p @ cp.T), axis=1)
        group[s : s + chunk] = g
        diff = block - centres[g]
        radius[s : s + chunk] = np.sqrt(np.einsum("ij,ij->i", diff, diff, dtype=np.float64))

    _in_threads(one, range(0, n_rows, chunk), n_jobs)
    # float32 differences are within a relative 2**-23 of the exact ones
    return group, radius * (1.0 + 1e-6)


def _nearest(X32, idx, sq, centres, chunk, n_jobs=1):
    """Nearest centre of every row ``idx`` and an upper bound of the distance to it (the
    float32 product's rounding error is added). ``idx=None``: all rows."""
    n_rows = X32.shape[0] if idx is None else len(idx)
    d = X32.shape[1]
    tau = 2.0 * (d + 8) * _U32
    csq = np.einsum("ij,ij->i", centres, centres, dtype=np.float64)
    group = np.empty(n_rows, dtype=np.int64)
    radius = np.empty(n_rows, dtype=np.float64)

    def one(s):
        block = X32[s : s + chunk] if idx is None else X32[idx[s : s + chunk]]
        d2 = csq[None, :] - 2.0 * (block @ centres.T)
        g = np.argmin(d2, axis=1)
        group[s : s + chunk] = g
        x2 = sq[s : s + chunk]
        best = d2[np.arange(len(g)), g] + x2
        radius[s : s + chunk] = np.sqrt(np.maximum(best, 0.0) + tau * (x2 + csq[g]) + 1e-30)

    _in_threads(one, range(0, n_rows, chunk), n_jobs)
    return group, radius


# --------------------------------------------------------------------------- eps graph
class Context:
    """What every eps-graph computation on one ``X`` shares: the float32 copy used for the
    matrix products, its squared norms, and the exact float64 decision."""

    def __init__(self, X, eps, *, sqnorms=None, n_jobs=1):
        self.X = X
        self.X32 = _as_float32(X)
        self.eps = float(eps)
        self.inexact = self.X32 is not X and np.asarray(X).dtype != np.float32
        # of the float32 values: ``sqnorms`` (the squared norms of ``X``) is used for float32 X
        reuse = sqnorms is not None and np.asarray(X).dtype == np.float32
        self.sq = sqnorms if reuse else _sqnorms64(self.X32, n_jobs=n_jobs)
        self.exact = _Exact(X, eps, sq=self.sq if self.X32 is X else None)


def eps_pairs(
    ctx,
    idx,
    *,
    reach=None,
    band=None,
    all_rows=False,
    n_jobs=1,
    progress=None,
    progress_span=(0.0, 1.0),
):
    """All pairs ``(p, q)``, ``p < q``, of positions in ``idx`` whose rows of ``X`` lie within
    ``eps`` (scikit-learn's float64 decision), among the pairs that can matter.

    Parameters
    ----------
    ctx : Context
    idx : int array (m,)
        Rows of ``X`` in "position" order.
    reach : int array (m,), optional
        Non-decreasing; the pair ``p < q`` is needed only if ``q < reach[p]`` (the pair shares
        a cover element). ``None``: all pairs are needed.
    band : float array (m,), optional
        Non-decreasing values with ``|band[p] - band[q]| <= |x_p - x_q|`` (the L2-norm lens in
        position order); pairs further apart in ``band`` than ``eps`` are skipped.
    all_rows : bool
        ``idx`` is a permutation of all rows of ``X`` (lets the grouping read ``X`` in storage
        order).
    n_jobs : int
        Threads.

    Returns
    -------
    p, q : int32 arrays of positions, ``p < q``, sorted by ``p``, then ``q``
        (each thread sorts its pairs as int64 keys ``p << 32 | q``; one merge joins them).
    """
    idx = np.asarray(idx, dtype=np.int64)
    m = len(idx)
    empty = (np.zeros(0, np.int32), np.zeros(0, np.int32))
    if m < 2:
        return empty
    if m >= 2**31:
        raise ValueError(f"eps_pairs: at most 2**31 - 1 positions, got {m}")
    eps = ctx.eps
    eps2 = eps * eps
    X32 = ctx.X32
    d = X32.shape[1]
    tau = 2.0 * (d + 8) * _U32  # |d2_float32 - d2| <= tau * (|x|^2 + |y|^2)
    sq = ctx.sq[idx]
    max_norm = float(np.sqrt(sq.max()))
    slack = 1e-6 * (eps + max_norm) + 1e-12  # float64 slack of the pruning tests
    positions = np.arange(m, dtype=np.int64)

    # column window (positions) needed by each row: [win_lo[p], win_hi[p])
    if reach is not None:
        reach = np.asarray(reach, dtype=np.int64)
        win_lo = np.searchsorted(reach, positions, side="right")
        win_hi = reach.copy()
    else:
        win_lo = np.zeros(m, dtype=np.int64)
        win_hi = np.full(m, m, dtype=np.int64)
    if band is not None:
        band = np.asarray(band, dtype=np.float64)
        win_lo = np.maximum(win_lo, np.searchsorted(band, band - eps - slack, side="left"))
        win_hi = np.minimum(win_hi, np.searchsorted(band, band + eps + slack, side="right"))

    n_pivots = int(np.clip(m // _POINTS_PER_PIVOT, 1, 512))
    if n_pivots > 1:
        group, centres32, centres, radius = _pivot_groups(
            X32, idx, n_pivots, sq=sq, n_jobs=n_jobs, sq_all=ctx.sq if all_rows else None
        )
        k = centres.shape[0]
    else:
        group = np.zeros(m, dtype=np.int64)
        k = 1
        centres32 = np.asarray(X32[idx[: min(m, 4096)]], dtype=np.float64).mean(
            axis=0, keepdims=True
        )
        centres32 = centres32.astype(np.float32)
    gorder = np.lexsort((positions, group))  # by group, then position
    gcounts = np.bincount(group, minlength=k)
    gstart = np.concatenate([[0], np.cumsum(gcounts)])
    allowed = np.ones((k, k), dtype=bool)
    if k > 1:
        grad = np.zeros(k)
        np.maximum.at(grad, group, radius)
        # a lower bound of the centres' distances (float64 products, rounding subtracted)
        c2 = np.einsum("ij,ij->i", centres, centres)
        c2sum = c2[:, None] + c2[None, :]
        cd2 = c2sum - 2.0 * (centres @ centres.T) - 4.0 * (d + 8) * 2.0**-53 * c2sum
        lower = np.sqrt(np.maximum(cd2, 0.0))
        allowed = lower - grad[:, None] - grad[None, :] <= eps + slack
    nonempty = gcounts > 0
    allowed &= nonempty[:, None] & nonempty[None, :]
    # groups whose windows never meet
    glo = np.full(k, m, dtype=np.int64)
    ghi = np.zeros(k, dtype=np.int64)
    pmin = np.full(k, m, dtype=np.int64)
    pmax = np.full(k, -1, dtype=np.int64)
    np.minimum.at(glo, group, win_lo)
    np.maximum.at(ghi, group, win_hi)
    np.minimum.at(pmin, group, positions)
    np.maximum.at(pmax, group, positions)
    allowed &= (pmin[None, :] < ghi[:, None]) & (pmax[None, :] >= glo[:, None])
    allowed = np.triu(allowed)

    tasks = [int(g) for g in np.argsort(-gcounts, kind="stable") if allowed[g].any()]

    exact = ctx.exact
    inexact = ctx.inexact
    sq_orig = exact.sq if exact.sq is not None else ctx.sq
    sq_orig = sq_orig[idx]
    tau64 = 2.0 * (d + 8) * 2.0**-53
    c32 = np.asarray(centres32, dtype=np.float32)
    if k > 1:
        gradius = np.zeros(k)
        np.maximum.at(gradius, group, radius)
    else:
        gradius = np.full(1, np.inf)

    def run(g):
        """All pairs with the lower-numbered group ``g``: rows of ``g`` against the columns
        of every allowed partner group ``h >= g``, centred at ``g``'s centre."""
        rows_all = gorder[gstart[g] : gstart[g + 1]]
        centre = c32[g]
        xr = np.empty((len(rows_all), d + 2), dtype=np.float32)
        np.subtract(X32[idx[rows_all]], centre, out=xr[:, :d])
        sqr_all = np.einsum("ij,ij->i", xr[:, :d], xr[:, :d], dtype=np.float64)
        xr[:, d] = -0.5 * sqr_all
        xr[:, d + 1] = 1.0
        r_g = float(np.sqrt(sqr_all.max())) if len(sqr_all) else 0.0
        g_lo = int(win_lo[rows_all].min())
        g_hi = int(win_hi[rows_all].max())
        partners = np.flatnonzero(allowed[g])
        # every row's offset along the shift to every partner's centre, in one product
        shifts = (c32[partners].astype(np.float64) - centre).astype(np.float32)
        s2s = np.einsum("ij,ij->i", shifts, shifts, dtype=np.float64)
        along = xr[:, :d] @ shifts.T
        own, cross = [], []  # keys (p << 32) | q of the pairs found, h == g and h > g
        pending = []  # keys of the pairs among them too close to eps to tell in float32
        for j, h in enumerate(partners):
            cols_h = gorder[gstart[h] : gstart[h + 1]]
            a = np.searchsorted(cols_h, g_lo, side="left")
            b = np.searchsorted(cols_h, g_hi, side="left")
            if b <= a:
                continue
            cols_h = cols_h[a:b]
            rows_sel = None
            if h != g and k > 1:
                # rows farther than r_h + eps from h's centre have no neighbour in h
                s2 = float(s2s[j])
                d2h = sqr_all - 2.0 * along[:, j] + s2
                lim = (gradius[h] + eps + slack) * (1 + 1e-6)
                rows_sel = np.flatnonzero(d2h <= lim * lim + tau * (sqr_all + s2) + 1e-9)
                if len(rows_sel) == 0:
                    continue
            ca = np.empty((len(cols_h), d + 2), dtype=np.float32)
            if h == g:  # the columns are rows a:b of this group, already centred
                ca[:, :d] = xr[a:b, :d]
                sqc = sqr_all[a:b]
            else:
                np.subtract(X32[idx[cols_h]], centre, out=ca[:, :d])
                sqc = np.einsum("ij,ij->i", ca[:, :d], ca[:, :d], dtype=np.float64)
            # triangle inequality: |y - c_g| > r_g + eps  =>  y is no row's neighbour
            near = np.sqrt(sqc) <= (r_g + eps + slack) * (1 + 1e-6)
            full = rows_sel is None or len(rows_sel) == len(rows_all)
            if not near.all():
                keep_c = np.flatnonzero(near)
                cols_h, ca, sqc = cols_h[keep_c], ca[keep_c], sqc[keep_c]
            if len(cols_h) == 0:
                continue
            ca[:, d] = 1.0
            ca[:, d + 1] = -0.5 * sqc
            n_rows = len(rows_all) if full else len(rows_sel)
            # the rounding bound, from the largest norms of these rows and columns
            mr = float(sqr_all.max() if full else sqr_all[rows_sel].max())
            mc = float(sqc.max())
            so_r = float(sq_orig[rows_all].max() if full else sq_orig[rows_all[rows_sel]].max())
            so_c = float(sq_orig[cols_h].max())
            # rounding of x - c to float32 (and of x itself for float64 input)
            delta = 1.01 * _U32 * (np.sqrt(mr) + np.sqrt(mc))
            if inexact:
                delta += 1.01 * _U32 * (np.sqrt(so_r) + np.sqrt(so_c))
            tol = tau * (mr + mc) + 2.0 * (eps + delta) * delta + delta * delta
            tol += tau64 * (so_r + so_c)  # scikit-learn's own float64 rounding
            surely_out = -0.5 * (eps2 + tol)
            surely_in = -0.5 * (eps2 - tol)
            for s0 in range(0, n_rows, _BLOCK_ROWS):
                # a slice (a view, no copy) when every row takes part
                sel_r = slice(s0, s0 + _BLOCK_ROWS) if full else rows_sel[s0 : s0 + _BLOCK_ROWS]
                rows = rows_all[sel_r]
                # rows ascending and the windows non-decreasing: the block's column window
                # runs from its first row's start to its last row's end
                start = int(win_lo[rows[0]])
                if h == g:
                    start = max(start, int(rows[0]) + 1)
                a = np.searchsorted(cols_h, start, side="left")
                b = np.searchsorted(cols_h, int(win_hi[rows[-1]]), side="left")
                if b <= a:
                    continue
                cols = cols_h[a:b]
                half = xr[sel_r] @ ca[a:b].T  # = -|x - y|^2 / 2 up to rounding
                flat = np.flatnonzero(half >= surely_out)
                if len(flat) == 0:
                    continue
                ri, ci = np.divmod(flat, len(cols))
                p = rows[ri]
                q = cols[ci]
                if h == g:  # q > p: p is the lower end
                    lo, hi = p, q
                    good = (q > p) & (q < win_hi[p])
                else:  # different groups: never the same input
                    lo = np.minimum(p, q)
                    hi = np.maximum(p, q)
                    good = hi < win_hi[lo]
                sel = np.flatnonzero(good)
                if len(sel) == 0:
                    continue
                keys = (lo[sel] << 32) | hi[sel]
                (own if h == g else cross).append(keys)
                unsure = half.ravel()[flat[sel]] < surely_in
                if unsure.any():
                    pending.append(keys[unsure])
        # the group's own pairs come out sorted (rows ascending, block by block, and every
        # row's columns ascending); the few pairs with other groups are sorted here
        runs = [np.concatenate(own)] if own else []
        if cross:
            runs.append(np.sort(np.concatenate(cross)))
        if pending:  # decide the pairs too close to eps to tell, all at once
            keys = np.concatenate(pending)
            ok = exact(idx[keys >> 32], idx[keys & 0xFFFFFFFF])
            if not ok.all():
                drop = np.sort(keys[~ok])
                for i, r in enumerate(runs):  # every run is sorted and holds distinct keys
                    at = np.searchsorted(r, drop)
                    hit = at < len(r)
                    hit[hit] = r[at[hit]] == drop[hit]
                    runs[i] = np.delete(r, at[hit])
        return runs

    results = _run_tasks(run, tasks, n_jobs, progress, progress_span, "neighbour graph")
    runs = [run for runs in results for run in runs if len(run)]
    del results
    if not runs:
        return empty
    return _merge_runs(runs, m, n_jobs)


def _merge_runs(runs, m, n_jobs):
    """Merge sorted runs of int64 keys ``p << 32 | q`` (``p < m``) into ``(p, q)``, two int32
    arrays in key order. The key range is cut into ``4 * n_jobs`` slices by ``p``; every
    slice gathers its part of every run, sorts it and writes it, in ``n_jobs`` threads."""
    total = sum(len(r) for r in runs)
    n_chunks = 4 * n_jobs if n_jobs > 1 and total > 1 << 16 else 1
    bounds = np.array([(m * c // n_chunks) << 32 for c in range(n_chunks + 1)], dtype=np.int64)
    cuts = np.array([np.searchsorted(r, bounds) for r in runs]).reshape(len(runs), -1)
    offsets = np.concatenate([[0], np.cumsum((cuts[:, 1:] - cuts[:, :-1]).sum(axis=0))])
    P = np.empty(total, dtype=np.int32)
    Q = np.empty(total, dtype=np.int32)

    def one(c):
        keys = np.concatenate([r[cuts[i, c] : cuts[i, c + 1]] for i, r in enumerate(runs)])
        keys.sort(kind="stable")  # timsort: finds the sorted runs and merges them
        o = int(offsets[c])
        P[o : o + len(keys)] = keys >> 32
        Q[o : o + len(keys)] = keys & 0xFFFFFFFF

    _in_threads(one, range(n_chunks), n_jobs)
    return P, Q


def single_threaded_blas():
    """A context in which BLAS uses one thread (process-wide, restored on exit), through the
    one cached threadpoolctl controller of :func:`napari_topoalign._utils.parallel.limit_blas`."""
    return limit_blas(1)


def _run_tasks(fn, tasks, n_jobs, progress, span, what):
    """``[fn(t) for t in tasks]`` in ``n_jobs`` threads (BLAS single-threaded meanwhile),
    reporting progress about every percent (raising from it cancels)."""
    if n_jobs <= 1 or len(tasks) <= 1:
        return map_with_progress(fn, tasks, 1, progress, span=span, what=what)
    with limit_blas(1):
        return map_with_progress(fn, tasks, n_jobs, progress, span=span, what=what)


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
