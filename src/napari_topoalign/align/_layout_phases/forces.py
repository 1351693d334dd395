"""The forces and the force iterations (phases 1, 3 and 4)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from ..coupling import node_coupling
from . import _ANCHOR, _CUTOFF, _HUBER, _REPULSION, EDGE_LENGTH


def _coupling_matrix(graphs, starts) -> sp.csr_matrix:
    """Symmetric ``N x N`` Jaccard coupling of all nodes of all graphs (no block within a graph)."""
    N = int(starts[-1])
    rows, cols, vals = [], [], []
    for a in range(len(graphs)):
        for b in range(a + 1, len(graphs)):
            if graphs[a].n_nodes == 0 or graphs[b].n_nodes == 0:
                continue
            c = node_coupling(graphs[a], graphs[b]).tocoo()
            rows += [c.row + starts[a], c.col + starts[b]]
            cols += [c.col + starts[b], c.row + starts[a]]
            vals += [c.data, c.data]
    if not rows:
        return sp.csr_matrix((N, N))
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(N, N)
    )


class _Springs:
    """Edge springs (two-sided, rest ``L``) and anchor springs to pivots (one-sided)."""

    def __init__(self, graphs, starts, comps_of):
        N = int(starts[-1])
        ei, ej, ew, ai, aj, arest, aw = [], [], [], [], [], [], []
        for g, graph in enumerate(graphs):
            e = np.asarray(graph.edges, dtype=np.int64).reshape(-1, 2)
            if len(e):
                w = np.asarray(graph.edge_weights, dtype=np.float64).reshape(-1)
                if len(w) != len(e) or not np.all(np.isfinite(w)) or w.mean() <= 0:
                    w = np.ones(len(e))
                ei.append(e[:, 0] + starts[g])
                ej.append(e[:, 1] + starts[g])
                ew.append(np.clip(w / w.mean(), 0.25, 4.0))
            for comp in comps_of[g]:
                if len(comp.pivots) == 0:
                    continue
                k, m = comp.hops.shape
                nodes = comp.nodes + starts[g]
                ii = np.broadcast_to(nodes[None, :], (k, m)).ravel()
                jj = np.broadcast_to(nodes[comp.pivots][:, None], (k, m)).ravel()
                hop = comp.hops.ravel()
                keep = hop > 1  # neighbours already have their edge springs
                ai.append(ii[keep])
                aj.append(jj[keep])
                arest.append(hop[keep] * EDGE_LENGTH)
                # each pivot stands for about m / k nodes (sparse stress weighting)
                aw.append(_ANCHOR * (m / k) / hop[keep] ** 2)

        def cat(parts, dtype=np.float64):
            return np.concatenate(parts) if parts else np.zeros(0, dtype)

        self.n_edges = sum(len(x) for x in ei)
        self.i = cat(ei + ai, np.int64)
        self.j = cat(ej + aj, np.int64)
        self.rest = cat([np.full(len(x), EDGE_LENGTH) for x in ei] + arest)
        self.w = cat(ew + aw)
        self.N = N
        ne = self.n_edges
        self.stiff = np.bincount(self.i, weights=self.w, minlength=N) + np.bincount(
            self.j[:ne], weights=self.w[:ne], minlength=N
        )

    def add_forces(self, X, F):
        if not len(self.i):
            return
        N, ne = self.N, self.n_edges
        x, y = X[:, 0].copy(), X[:, 1].copy()
        dx = x[self.i] - x[self.j]
        dy = y[self.i] - y[self.j]
        dist = np.sqrt(dx * dx + dy * dy)
        np.maximum(dist, 1e-9, out=dist)
        m = self.rest / dist
        m -= 1.0
        m *= self.w  # on i: towards the rest length
        jj = self.j[:ne]
        for col, d in ((0, dx), (1, dy)):
            f = m * d
            F[:, col] += np.bincount(self.i, weights=f, minlength=N)
            F[:, col] -= np.bincount(jj, weights=f[:ne], minlength=N)


def _repulsion(X, F, stiff, blocks, comp_id, comp_size, n_comp) -> None:
    """Add the short-range repulsion within each graph to ``F`` (see the module docstring)."""
    for b0, b1, unit in blocks:
        n = b1 - b0
        if n < 2:
            continue
        cutoff = _CUTOFF * unit
        Xb = X[b0:b1]
        pairs = cKDTree(Xb).query_pairs(cutoff, output_type="ndarray")
        if not len(pairs):
            continue
        pi, pj = pairs[:, 0], pairs[:, 1]
        # coordinates apart: contiguous 1-D arrays all the way into bincount
        x, y = Xb[:, 0].copy(), Xb[:, 1].copy()
        dx = x[pi] - x[pj]
        dy = y[pi] - y[pj]
        mag = dx * dx + dy * dy
        np.maximum(mag, 1e-6, out=mag)
        np.reciprocal(mag, out=mag)
        mag -= 1.0 / cutoff**2
        mag *= _REPULSION * unit**2
        cb = comp_id[b0:b1]
        ci, cj = cb[pi], cb[pj]
        other = ci != cj
        fx = mag * dx
        fy = mag * dy
        if other.any():
            # between components of one graph the repulsion moves whole components (a
            # translation by the mean force on their nodes), so that components that overlap
            # are pushed apart without bending either of them
            ci_, cj_ = ci[other], cj[other]
            for col, f in ((0, fx), (1, fy)):
                fo = f[other]
                per = np.bincount(ci_, weights=fo, minlength=n_comp) - np.bincount(
                    cj_, weights=fo, minlength=n_comp
                )
                F[b0:b1, col] += (per / comp_size)[cb] * stiff[b0:b1]
            fx[other] = 0.0
            fy[other] = 0.0
        F[b0:b1, 0] += np.bincount(pi, weights=fx, minlength=n) - np.bincount(
            pj, weights=fx, minlength=n
        )
        F[b0:b1, 1] += np.bincount(pi, weights=fy, minlength=n) - np.bincount(
            pj, weights=fy, minlength=n
        )


def _relax(
    X,
    springs,
    graph_id,
    comp_id,
    n_iter,
    t0,
    t1,
    *,
    cross=None,
    strength=0.0,
    unit=None,
    report=None,
    tick=None,
):
    """Force iterations in place on ``X``. ``cross``: (i, j, w) coupled pairs (both directions);
    ``comp_id``: the component of every node (numbered over all graphs)."""
    N = len(X)
    n_comp = int(comp_id.max()) + 1 if N else 0
    comp_size = np.bincount(comp_id, minlength=n_comp).astype(np.float64)
    if n_iter <= 0 or N == 0:
        return X
    unit_g = (
        np.ones(int(graph_id.max()) + 1 if N else 1)
        if unit is None
        else np.asarray(unit, dtype=np.float64)
    )
    # the node ranges of the graphs (graph_id is sorted): one 2-D tree per graph and step
    bounds = np.searchsorted(graph_id, np.arange(len(unit_g) + 1))
    blocks = [
        (int(bounds[g]), int(bounds[g + 1]), float(unit_g[g]) * EDGE_LENGTH)
        for g in range(len(unit_g))
    ]
    cool = (t1 / t0) ** (1.0 / max(n_iter - 1, 1))
    temp = t0
    every = max(1, n_iter // 50)
    for it in range(n_iter):
        F = np.zeros((N, 2))
        stiff = springs.stiff + 1.0  # + 1: the repulsion and an inertia that damps the step
        springs.add_forces(X, F)
        if cross is not None and strength > 0:
            ci, cj, cw = cross
            x, y = X[:, 0].copy(), X[:, 1].copy()
            dx = x[cj] - x[ci]
            dy = y[cj] - y[ci]
            dist = np.sqrt(dx * dx + dy * dy)
            # Huber pull: linear within _HUBER L, constant (L1) beyond, so nodes whose partners
            # sit far away (a real difference between the graphs) do not drag their graph along
            np.maximum(dist, _HUBER * EDGE_LENGTH, out=dist)
            k = strength * cw / dist
            F[:, 0] += np.bincount(ci, weights=k * dx, minlength=N)
            F[:, 1] += np.bincount(ci, weights=k * dy, minlength=N)
            stiff = stiff + np.bincount(ci, weights=k, minlength=N)
        if N > 1:
            _repulsion(X, F, stiff, blocks, comp_id, comp_size, n_comp)
        step = F / stiff[:, None]
        norm = np.sqrt((step**2).sum(axis=1))
        over = norm > temp
        step[over] *= (temp / norm[over])[:, None]
        X += step
        temp *= cool
        if report is not None and (it % every == 0 or it == n_iter - 1):
            report(it + 1, n_iter)
        if tick is not None:
            tick(it)
    return X
