"""Phase 5: the stress guard."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from . import _GUARD_STEPS
from .rigid import _fit_components
from .start import _Component


class _StressPairs:
    """Node pairs of one graph with their hop distances, on which the stress guard measures
    stress as :func:`~napari_topoalign.align.quality.stress` does (relative error of the
    distances after the best uniform scale; pairs in one component only)."""

    def __init__(self, comps: list[_Component]):
        ii, jj, dd = [], [], []
        for comp in comps:
            if len(comp.sources) == 0:
                continue
            src = comp.nodes[comp.sources]
            k, m = comp.dist.shape
            keep = comp.dist > 0
            ii.append(np.broadcast_to(src[:, None], (k, m))[keep])
            jj.append(np.broadcast_to(comp.nodes[None, :], (k, m))[keep])
            dd.append(comp.dist[keep])

        def cat(parts, dtype):
            return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

        self.i, self.j, self.D = cat(ii, np.int64), cat(jj, np.int64), cat(dd, np.float64)

    def stress(self, Xg: np.ndarray) -> float:
        if not len(self.i):
            return 0.0
        r = np.sqrt(((Xg[self.i] - Xg[self.j]) ** 2).sum(axis=1)) / self.D
        den = float((r * r).sum())
        if den <= 0:
            return float("inf")
        s = float(r.sum()) / den
        return float(np.mean((s * r - 1.0) ** 2))


def _stress_guard(X, own, comps_of, starts, tol) -> list[float]:
    """Bound the stress each graph pays for the alignment: where a graph's stress exceeds
    ``(1 + tol)`` times the stress of its own layout ``own`` (the same positions up to rigid
    moves of components and one scale per graph), move it towards its own layout, fitted
    rigidly component by component onto where it is now, by the smallest fraction ``t`` (by
    bisection) that meets the bound. At ``t = 1`` the graph's stress is that of its own layout,
    so the bound can always be met. Returns ``t`` per graph (0: untouched)."""
    ts = []
    for g, comps in enumerate(comps_of):
        s0, s1 = starts[g], starts[g + 1]
        n = s1 - s0
        if n < 2:
            ts.append(0.0)
            continue
        pairs = _StressPairs(comps)
        bound = (1.0 + tol) * pairs.stress(own[g])
        Xg = X[s0:s1]
        if pairs.stress(Xg) <= bound:
            ts.append(0.0)
            continue
        # the own layout moved rigidly, component by component, onto the current positions
        ident = sp.csr_matrix((np.ones(n), (np.arange(n), np.arange(n))), shape=(n, n))
        fitted = Xg.copy()
        _fit_components(comps, own[g], ident, Xg, np.ones(n, dtype=bool), fitted)
        lo, hi = 0.0, 1.0
        for _ in range(_GUARD_STEPS):
            mid = 0.5 * (lo + hi)
            if pairs.stress((1 - mid) * Xg + mid * fitted) <= bound:
                hi = mid
            else:
                lo = mid
        X[s0:s1] = (1 - hi) * Xg + hi * fitted
        ts.append(hi)
    return ts
