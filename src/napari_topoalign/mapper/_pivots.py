"""Phase 1 of the exact DBSCAN pair search: the inputs grouped around pivots.

k-means++ seeds on a sample (a fixed seed: only the speed, never the result, depends on the
grouping), moved to the means of their share of the sample; every input's nearest centre and a
rigorous upper bound of its distance to it (float32 rounding included), so that the pair search
(:mod:`._pairs`) can skip group pairs and single inputs by the triangle inequality. Far
outliers are regrouped apart so they do not inflate a group's radius. See :mod:`._dbscan`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._utils.parallel import thread_map

_U32 = 2.0**-24  # unit round-off of float32
_PROJECT_DIMS = 48  # pivot assignment in this many principal directions ...
_PROJECT_MIN_WORK = 5e7  # ... once rows x pivots exceeds this


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
