"""Phase 2: components moved rigidly (weighted Procrustes) onto their partners."""

from __future__ import annotations

import numpy as np

from . import _CUTOFF, _SCALE_GRAPHS, _SCALE_RANGE


def _weighted_procrustes(P: np.ndarray, T: np.ndarray, w: np.ndarray, *, scale: bool = False):
    """Rotation/reflection ``R`` (and scale) and translation mapping ``P`` onto ``T`` with weights."""
    from scipy.linalg import orthogonal_procrustes

    sw = w.sum()
    mp = (w[:, None] * P).sum(axis=0) / sw
    mt = (w[:, None] * T).sum(axis=0) / sw
    sq = np.sqrt(w)[:, None]
    A = sq * (P - mp)
    B = sq * (T - mt)
    if len(P) < 2 or not np.any(A):
        return np.eye(2), 1.0, mt - mp
    R, s = orthogonal_procrustes(A, B)
    c = s / (A**2).sum() if scale and (A**2).sum() > 0 else 1.0
    return R, c, mt - c * mp @ R


def _fit_components(comps, local, rows, X, mask, out, scale_fit=None) -> list:
    """Place each component rigidly (rotation, reflection, translation of its own layout
    ``local``) onto the coupling-weighted mean of its partners among the nodes ``mask`` of
    ``X``; ``rows`` is the coupling of the graph's nodes to all N nodes. Writes into ``out``;
    returns the components that have no partner (left where they are).

    All components at once: weighted centroids and 2 x 2 cross-covariances by ``bincount``,
    one batched SVD (the orthogonal Procrustes solution ``R = U V^T``)."""
    n = rows.shape[0]
    if not comps or n == 0:
        return []
    rows = rows.tocsr().multiply(mask[None, :]).tocsr()
    w = np.asarray(rows.sum(axis=1)).ravel()
    has = w > 0
    target = np.zeros((n, 2))
    target[has] = (rows @ X)[has] / w[has, None]
    nc = len(comps)
    cid = np.empty(n, dtype=np.int64)
    for c, comp in enumerate(comps):
        cid[comp.nodes] = c
    W = np.bincount(cid, weights=w, minlength=nc)
    ok = W > 0
    Wd = np.where(ok, W, 1.0)
    mp = (
        np.column_stack([np.bincount(cid, weights=w * local[:, k], minlength=nc) for k in (0, 1)])
        / Wd[:, None]
    )
    mt = (
        np.column_stack([np.bincount(cid, weights=w * target[:, k], minlength=nc) for k in (0, 1)])
        / Wd[:, None]
    )
    P = local - mp[cid]
    T = target - mt[cid]
    H = np.empty((nc, 2, 2))
    for a in (0, 1):
        for b in (0, 1):
            H[:, a, b] = np.bincount(cid, weights=w * P[:, a] * T[:, b], minlength=nc)
    U, S, Vt = np.linalg.svd(H)
    R = U @ Vt
    if scale_fit is not None:
        # the one scale for all components (with their own rotations) that best fits them
        den = float((w * (P**2).sum(axis=1))[ok[cid]].sum())
        scale_fit.append(float(S[ok].sum()) / den if den > 0 else 1.0)
    moved = np.einsum("ni,nij->nj", P, R[cid]) + mt[cid]
    sel = ok[cid]
    out[sel] = moved[sel]
    return [comp for c, comp in enumerate(comps) if not ok[c]]


def _rigid_rounds(X, C, comps_of, starts, sizes, order, rounds):
    """Move whole components (rotation, reflection, translation) onto their partners, and
    scale each graph but the first in ``order`` as a whole; returns the scale of each graph.

    First every graph after the first in ``order`` is fitted onto the graphs fitted before
    it, then ``rounds`` times every graph onto all the others. Components without partners
    go to the right of everything. Stress is unchanged: components only move rigidly."""
    N = len(X)
    local = [X[starts[g] : starts[g + 1]].copy() for g in range(len(sizes))]
    scales = np.ones(len(sizes))
    placed = np.zeros(N, dtype=bool)
    placed[starts[order[0]] : starts[order[0] + 1]] = True
    passes = [(g, True) for g in order[1:]] + [(g, False) for _ in range(rounds) for g in order]
    for g, first in passes:
        if sizes[g] == 0:
            continue
        s0, s1 = starts[g], starts[g + 1]
        mask = placed.copy() if first else np.ones(N, dtype=bool)
        mask[s0:s1] = False
        if not mask.any():
            continue
        Xg = X[s0:s1].copy()
        if first and _SCALE_GRAPHS:
            # graphs of different granularity cover the same inputs with more or fewer
            # nodes: each graph's unit length is scaled so that it matches its partners
            # (a uniform scale of a whole graph does not change its stress)
            fit: list[float] = []
            _fit_components(comps_of[g], local[g], C[s0:s1], X, mask, Xg.copy(), fit)
            if fit:
                scales[g] = float(np.clip(fit[0], _SCALE_RANGE[0], _SCALE_RANGE[1]))
                local[g] = local[g] * scales[g]
        loose = _fit_components(comps_of[g], local[g], C[s0:s1], X, mask, Xg)
        if loose and first:
            idx = np.concatenate([c.nodes for c in loose])
            rest = np.ones(sizes[g], dtype=bool)
            rest[idx] = False
            ref = np.vstack([X[placed], Xg[rest]]) if rest.any() else X[placed]
            Xg[idx, 0] += ref[:, 0].max() + 2 * _CUTOFF - Xg[idx, 0].min()
            Xg[idx, 1] += ref[:, 1].max() - Xg[idx, 1].max()
        X[s0:s1] = Xg
        placed[s0:s1] = True
    return scales
