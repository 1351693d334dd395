"""Exact k-nearest neighbours by blocked matrix products (shared by mutual kNN and LFM).

The distances of one block of query rows to all rows are one matrix product (BLAS), the
``k`` smallest are picked with ``argpartition`` and sorted; the blocks run on a thread pool
with BLAS held to one thread per block, so two cores work on two blocks at once. Memory is
``block x n`` floats per thread, never ``n x n``.
"""

from __future__ import annotations

import numpy as np

from .._utils.parallel import limit_blas, n_threads, thread_map
from .._utils.progress import report

__all__ = ["knn", "prepare"]

METRICS = ("cosine", "euclidean")


#: Columns per chunk of the two-stage selection (:func:`_chunked_select`).
CHUNK = 32


def _chunked_select(D: np.ndarray, kk: int) -> np.ndarray:
    """Indices of the ``kk`` smallest entries of each row of ``D`` (in no order), exactly,
    without a selection over whole rows: the row is cut into chunks of :data:`CHUNK` columns,
    the ``kk`` chunks with the smallest minima are kept (every entry below the ``kk``-th
    smallest value lies in one of them: the kept minima are ``kk`` entries no larger than
    the largest kept minimum), and the selection runs on those ``kk * CHUNK`` candidates. The
    chunk minima are one vectorised reduction, several times faster than ``argpartition``
    over the row. Only exact ties at the boundary value may be resolved differently."""
    b, n = D.shape
    n0 = (n // CHUNK) * CHUNK
    mins = D[:, :n0].reshape(b, n0 // CHUNK, CHUNK).min(axis=2)
    if n0 < n:
        mins = np.concatenate([mins, D[:, n0:].min(axis=1, keepdims=True)], axis=1)
    chunks = np.argpartition(mins, kk - 1, axis=1)[:, :kk]  # (b, kk)
    cols = (chunks[:, :, None] * CHUNK + np.arange(CHUNK)[None, None, :]).reshape(b, -1)
    valid = cols < n
    cols = np.where(valid, cols, 0)
    vals = np.take_along_axis(D, cols, axis=1)
    vals[~valid] = np.inf
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
    if not prepared:
        Xp, sq = prepare(X, metric)
    else:
        Xp, sq = X, (None if metric == "cosine" else np.einsum("ij,ij->i", X, X))
    self_query = queries is None
    if self_query:
        Q, qsq = Xp, sq
    else:
        Q, qsq = prepare(np.asarray(queries, dtype=Xp.dtype), metric)
    n, nq = Xp.shape[0], Q.shape[0]
    drop_self = self_query and exclude_self
    kk = k + 1 if drop_self else k
    if kk > n:
        raise ValueError(f"k: must be at most {n - (1 if drop_self else 0)} here, got {k}")
    threads = n_threads(n_jobs)
    if block is None:
        # ~64 MB of distances per block and thread, at least 64 rows
        block = int(max(64, min(4096, 16_000_000 // max(n, 1))))
    starts = list(range(0, nq, block))
    idx_out = np.empty((nq, k), dtype=np.int64)
    dist_out = np.empty((nq, k), dtype=Xp.dtype)
    done = [0]

    def one(s: int) -> None:
        e = min(s + block, nq)
        # D: the distances up to a per-row constant (ranking is all the selection needs),
        # formed in place: |q|^2 - 2 q.x + |x|^2 without |q|^2, or -cos for cosine
        D = Q[s:e] @ Xp.T  # (b, n)
        if metric == "cosine":
            np.negative(D, out=D)
            row_const = np.ones(e - s, dtype=D.dtype)
        else:
            D *= -2.0
            D += sq[None, :]
            row_const = qsq[s:e]
        if drop_self:
            D[np.arange(e - s), np.arange(s, e)] = np.inf
        if k == 1:
            j = np.argmin(D, axis=1)
            idx_out[s:e, 0] = j
            dd = np.maximum(D[np.arange(e - s), j] + row_const, 0)
            dist_out[s:e, 0] = np.sqrt(dd) if metric == "euclidean" else dd
            done[0] += e - s
            report(progress, done[0] / nq, "nearest neighbours")
            return
        if kk * CHUNK * 4 <= n:
            part = _chunked_select(D, kk)
        elif kk < n:
            part = np.argpartition(D, kk - 1, axis=1)[:, :kk]
        else:
            part = np.broadcast_to(np.arange(n), (e - s, n)).copy()
        pd = np.maximum(np.take_along_axis(D, part, axis=1) + row_const[:, None], 0)
        # sort by (distance, index): lexsort on the candidates
        order = np.lexsort((part, pd), axis=1)
        part = np.take_along_axis(part, order, axis=1)[:, :k]
        pd = np.take_along_axis(pd, order, axis=1)[:, :k]
        idx_out[s:e] = part
        dist_out[s:e] = np.sqrt(pd) if metric == "euclidean" else pd
        done[0] += e - s
        report(progress, done[0] / nq, "nearest neighbours")

    if threads > 1 and len(starts) > 1:
        with limit_blas(1):
            thread_map(one, starts, n_jobs=threads)
    else:
        for s in starts:
            one(s)
    return idx_out, dist_out
