"""Exact k-nearest neighbours by blocked matrix products (shared by mutual kNN and LFM).

Each block of query rows is ranked against all rows by ONE matrix product (BLAS) that yields
the ranking values directly: ``[-2 q, 1] . [x, |x|^2]`` (the squared euclidean distance less
``|q|^2``) or ``-q . x`` for unit rows (the cosine distance less 1), so no pass over the
``block x n`` product is spent on scaling or shifting it. A two-stage selection
(:func:`_chunked_select`) keeps a few candidates per row, and their distances are recomputed
exactly from the rows (a difference, not the expanded product), which also re-ranks them.
Float64 inputs (the spectral embeddings of LFM) are screened in float32 (half the memory
traffic, twice the BLAS rate) with a margin of extra candidates, then re-ranked in float64.
The blocks run on a thread pool with BLAS held to one thread per block, so two cores work on
two blocks at once. Memory is ``block x n`` floats per thread, never ``n x n``.
"""

from __future__ import annotations

import numpy as np

from .._utils.parallel import limit_blas, n_threads, thread_map
from .._utils.progress import report

__all__ = ["knn", "prepare"]

METRICS = ("cosine", "euclidean")


#: Columns per chunk of the two-stage selection (:func:`_chunked_select`).
CHUNK = 32
#: Extra candidates kept per row when float64 data are screened in float32 (the float32
#: ranking values differ from the exact ones by rounding only: a true neighbour would have to
#: be out-ranked by this many others within rounding to be missed).
SCREEN_MARGIN = 8


def _chunked_select(D: np.ndarray, kk: int) -> np.ndarray:
    """Indices of the ``kk`` smallest entries of each row of ``D`` (in no order), exactly,
    without a selection over whole rows: the columns are cut into groups of :data:`CHUNK`
    (group ``c`` holds columns ``c, c + m, c + 2m, ...``, ``m = n // CHUNK``), the ``kk``
    groups with the smallest minima are kept (every entry below the ``kk``-th smallest value
    lies in one of them: the kept minima are ``kk`` entries no larger than any other group's
    minimum), and the selection runs on those ``kk * CHUNK`` candidates (and the last
    ``n - m * CHUNK`` columns). The strided groups make the minima one elementwise
    ``minimum`` over ``CHUNK`` contiguous slices (vectorised; a reduction over short
    contiguous chunks is ~10x slower). Only exact ties at the boundary value may be resolved
    differently."""
    b, n = D.shape
    m = n // CHUNK
    n0 = m * CHUNK
    mins = D[:, :n0].reshape(b, CHUNK, m).min(axis=1)  # (b, m)
    groups = np.argpartition(mins, kk - 1, axis=1)[:, :kk]  # (b, kk)
    cols = (groups[:, :, None] + m * np.arange(CHUNK)[None, None, :]).reshape(b, -1)
    if n0 < n:
        tail = np.broadcast_to(np.arange(n0, n), (b, n - n0))
        cols = np.concatenate([cols, tail], axis=1)
    vals = np.take_along_axis(D, cols, axis=1)
    pick = np.argpartition(vals, kk - 1, axis=1)[:, :kk]
    return np.take_along_axis(cols, pick, axis=1)


def prepare(X: np.ndarray, metric: str) -> tuple[np.ndarray, np.ndarray | None]:
    """``X`` ready for :func:`knn`: unit rows for cosine (a zero row stays zero), else ``X``
    and its squared row norms."""
    if metric == "cosine":
        norms = np.linalg.norm(X, axis=1)
        norms[norms == 0] = 1.0
        return X / norms[:, None].astype(X.dtype, copy=False), None
    return X, np.einsum("ij,ij->i", X, X)


def _exact_distances(Q: np.ndarray, P: np.ndarray, cand: np.ndarray, metric: str) -> np.ndarray:
    """Distances of each query row to its candidate rows ``(b, c)``: squared euclidean as a
    sum of squared differences, or ``1 - q.x`` for unit rows (no cancellation of
    ``|q|^2 + |x|^2 - 2 q.x``)."""
    G = P[cand]  # (b, c, d)
    if metric == "cosine":
        return 1.0 - np.einsum("bcd,bd->bc", G, Q)
    G -= Q[:, None, :]
    return np.einsum("bcd,bcd->bc", G, G)


def knn(
    X: np.ndarray,
    k: int,
    *,
    metric: str = "euclidean",
    queries: np.ndarray | None = None,
    exclude_self: bool = True,
    block: int | None = None,
    n_jobs=None,
    progress=None,
    prepared: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest rows of ``X`` to each query (default: every row of ``X``, itself
    excluded), as ``(indices, distances)``, each ``(n_queries, k)``, nearest first.

    ``metric`` is ``"euclidean"`` or ``"cosine"`` (``1 - cos``). Ties are broken by index
    (a stable sort of the candidates). Distances are in the dtype of ``X`` (float32 stays
    float32: half the memory traffic of float64 on large data).
    """
    Xp = X if prepared else prepare(X, metric)[0]
    self_query = queries is None
    if self_query:
        Q = Xp
    else:
        Q, _ = prepare(np.asarray(queries, dtype=Xp.dtype), metric)
    n, nq = Xp.shape[0], Q.shape[0]
    drop_self = self_query and exclude_self
    kk = k + 1 if drop_self else k
    if kk > n:
        raise ValueError(f"k: must be at most {n - (1 if drop_self else 0)} here, got {k}")
    # the screening copy: float32 (float64 data re-ranked with a margin of candidates), and
    # for euclidean one more column holding |x|^2, so that one product ranks
    screen = np.float32
    margin = SCREEN_MARGIN if Xp.dtype != np.float32 else 0
    kc = min(n, kk + margin)
    if metric == "cosine":
        Ps = np.ascontiguousarray(Xp, dtype=screen)
    else:
        Ps = np.empty((n, Xp.shape[1] + 1), dtype=screen)
        Ps[:, :-1] = Xp
        Ps[:, -1] = np.einsum("ij,ij->i", Xp, Xp)
    threads = n_threads(n_jobs)
    if block is None:
        # ~128 MB of float32 ranking values per block and thread (BLAS runs ~40 % slower
        # per row on 64-row blocks than on 320-row ones), at least 64 rows, and the
        # candidates' rows gathered for the re-ranking within ~32 MB
        block = int(max(64, min(4096, 32_000_000 // max(n, 1))))
        block = int(max(16, min(block, 4_000_000 // max(kc * Xp.shape[1], 1))))
    starts = list(range(0, nq, block))
    idx_out = np.empty((nq, k), dtype=np.int64)
    dist_out = np.empty((nq, k), dtype=Xp.dtype)
    done = [0]

    def one(s: int) -> None:
        e = min(s + block, nq)
        q = Q[s:e]
        if metric == "cosine":
            Qs = -np.asarray(q, dtype=screen)
        else:
            Qs = np.empty((e - s, Ps.shape[1]), dtype=screen)
            Qs[:, :-1] = q
            Qs[:, :-1] *= -2.0
            Qs[:, -1] = 1.0
        D = Qs @ Ps.T  # (b, n): the distances less a per-row constant
        if drop_self:
            D[np.arange(e - s), np.arange(s, e)] = np.inf
        if kc * CHUNK * 4 <= n:
            cand = _chunked_select(D, kc)
        elif kc < n:
            cand = np.argpartition(D, kc - 1, axis=1)[:, :kc]
        else:
            cand = np.broadcast_to(np.arange(n), (e - s, n)).copy()
        del D
        if drop_self:
            # the self column was excluded from the selection; keep it out of the re-ranking
            cand = np.where(cand == np.arange(s, e)[:, None], -1, cand)
        bad = cand < 0
        pd = np.maximum(_exact_distances(q, Xp, np.where(bad, 0, cand), metric), 0)
        pd[bad] = np.inf
        # sort by (distance, index): lexsort on the candidates
        order = np.lexsort((cand, pd), axis=1)[:, :k]
        idx_out[s:e] = np.take_along_axis(cand, order, axis=1)
        pd = np.take_along_axis(pd, order, axis=1)
        dist_out[s:e] = np.sqrt(pd) if metric == "euclidean" else pd
        done[0] += e - s
        report(progress, done[0] / nq, "nearest neighbours")

    report(progress, 0.0, "nearest neighbours")
    if threads > 1 and len(starts) > 1:
        with limit_blas(1):
            thread_map(one, starts, n_jobs=threads)
    else:
        for s in starts:
            one(s)
    return idx_out, dist_out
