"""Phase 2 of the exact DBSCAN pair search: every pair of inputs within ``eps``.

Float32 matrix products of the inputs centred on their pivot group's centre, in threads, with
the group pairs and single inputs that cannot hold a neighbour skipped (:mod:`._pivots`), a
rigorous float32 rounding bound that marks the pairs too close to ``eps`` to tell, and those
decided again in float64 with scikit-learn's own formula; then phase 3, the merge of the
threads' sorted key runs into ``(p, q)`` sorted pairs. See :mod:`._dbscan`.
"""

from __future__ import annotations

import numpy as np

from .._utils.parallel import limit_blas, map_with_progress
from ._pivots import _U32, _as_float32, _Exact, _in_threads, _pivot_groups, _sqnorms64

_BLOCK_ROWS = 128
_POINTS_PER_PIVOT = 2048


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


def _run_tasks(fn, tasks, n_jobs, progress, span, what):
    """``[fn(t) for t in tasks]`` in ``n_jobs`` threads (BLAS single-threaded meanwhile),
    reporting progress about every percent (raising from it cancels)."""
    if n_jobs <= 1 or len(tasks) <= 1:
        return map_with_progress(fn, tasks, 1, progress, span=span, what=what)
    with limit_blas(1):
        return map_with_progress(fn, tasks, n_jobs, progress, span=span, what=what)
