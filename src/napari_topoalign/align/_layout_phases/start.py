"""Start of phase 1: components, max-min pivots, pivot MDS, shelf packing."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, shortest_path

from ...model import MapperGraph
from . import _CUTOFF, _N_PIVOTS, _SMALL


def _adjacency(graph: MapperGraph) -> sp.csr_matrix:
    n = graph.n_nodes
    e = np.asarray(graph.edges, dtype=np.int64).reshape(-1, 2)
    if len(e) == 0:
        return sp.csr_matrix((n, n))
    data = np.ones(len(e) * 2)
    rows = np.concatenate([e[:, 0], e[:, 1]])
    cols = np.concatenate([e[:, 1], e[:, 0]])
    A = sp.csr_matrix((data, (rows, cols)), shape=(n, n))
    A.data[:] = 1.0
    return A


def _pivots(A: sp.csr_matrix, k: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Max-min pivots of a connected graph and their hop distances ``(k, n)``."""
    n = A.shape[0]
    first = int(rng.integers(n))
    pivots = [first]
    D = [shortest_path(A, method="D", unweighted=True, indices=first)]
    mind = D[0].copy()
    while len(pivots) < min(k, n):
        nxt = int(np.argmax(mind))
        if mind[nxt] <= 0:
            break
        pivots.append(nxt)
        d = shortest_path(A, method="D", unweighted=True, indices=nxt)
        D.append(d)
        np.minimum(mind, d, out=mind)
    return np.asarray(pivots), np.vstack(D)


def _pivot_mds(D: np.ndarray) -> np.ndarray:
    """Pivot MDS (Brandes & Pich 2006) from hop distances ``D`` of shape (k, n), in units of L."""
    k, n = D.shape
    C = D.T**2
    C = C - C.mean(axis=0, keepdims=True)
    C = C - C.mean(axis=1, keepdims=True)
    C *= -0.5
    # top two eigenvectors of C C^T via the small k x k matrix C^T C
    M = C.T @ C
    w, V = np.linalg.eigh(M)
    order = np.argsort(w)[::-1][:2]
    Y = C @ V[:, order]
    if Y.shape[1] < 2:
        Y = np.column_stack([Y, np.zeros(n)])
    # scale so that the layout distances best fit the hop distances to the pivots
    return Y


def _fit_scale(Y: np.ndarray, pivots: np.ndarray, D: np.ndarray) -> np.ndarray:
    """Scale ``Y`` so that the distances to the pivots fit the hop distances (weights 1/d^2)."""
    d = np.linalg.norm(Y[None, :, :] - Y[pivots][:, None, :], axis=2)
    mask = D > 0
    if not mask.any():
        return Y
    num = (d[mask] / D[mask]).sum()
    den = (d[mask] ** 2 / D[mask] ** 2).sum()
    if den <= 0:
        return Y
    return Y * (num / den)


class _Component:
    __slots__ = ("nodes", "pivots", "hops", "sources", "dist")

    def __init__(self, nodes, pivots, hops, sources=None, dist=None):
        self.nodes = nodes
        self.pivots = pivots  # local indices into nodes
        self.hops = hops  # (k, len(nodes)) hop distances
        # the pairs on which the stress guard measures stress: hop distances ``dist`` from the
        # local nodes ``sources`` to every node of the component (all nodes of small
        # components, the pivots of large ones)
        self.sources = pivots if sources is None else sources
        self.dist = hops if dist is None else dist


def _maxmin_from_full(D: np.ndarray, k: int, rng) -> np.ndarray:
    """Max-min pivots from a full distance matrix (small components)."""
    m = len(D)
    pivots = [int(rng.integers(m))]
    mind = D[pivots[0]].copy()
    while len(pivots) < min(k, m):
        nxt = int(np.argmax(mind))
        if mind[nxt] <= 0:
            break
        pivots.append(nxt)
        np.minimum(mind, D[nxt], out=mind)
    return np.asarray(pivots)


def _components(
    graph: MapperGraph, rng, n_pivots: int = _N_PIVOTS, all_sources: bool = True
) -> tuple[list[_Component], np.ndarray]:
    """Components of ``graph`` with their pivots and pivot-MDS positions (centred, units of L).
    ``all_sources``: components up to ``_SMALL`` nodes keep all their hop distances for the
    stress guard (else only those to the pivots)."""
    n = graph.n_nodes
    pos = np.zeros((n, 2))
    comps: list[_Component] = []
    if n == 0:
        return comps, pos
    A = _adjacency(graph)
    n_comp, lab = connected_components(A, directed=False)
    order = np.argsort(lab, kind="stable")
    bounds = np.searchsorted(lab[order], np.arange(n_comp + 1))
    # permuted once so that every component is a contiguous diagonal block
    Ap = A[order][:, order].tocsr()
    Ap.sort_indices()
    ptr, ind = Ap.indptr, Ap.indices
    for c in range(n_comp):
        b0, b1 = bounds[c], bounds[c + 1]
        nodes = order[b0:b1]
        m = b1 - b0
        if m == 1:
            comps.append(_Component(nodes, np.zeros(0, int), np.zeros((0, 1))))
            continue
        if m == 2:
            pos[nodes] = [[-0.5, 0.0], [0.5, 0.0]]
            comps.append(
                _Component(
                    nodes, np.zeros(0, int), np.zeros((0, 2)), np.arange(2), 1.0 - np.eye(2)
                )
            )
            continue
        sub = sp.csr_matrix(
            (np.ones(ptr[b1] - ptr[b0]), ind[ptr[b0] : ptr[b1]] - b0, ptr[b0 : b1 + 1] - ptr[b0]),
            shape=(m, m),
        )
        if m <= _SMALL:
            full = shortest_path(sub, method="D", unweighted=True)
            piv = _maxmin_from_full(full, n_pivots, rng)
            D = full[piv]
        else:
            piv, D = _pivots(sub, n_pivots, rng)
        Y = _pivot_mds(D)
        Y = _fit_scale(Y, piv, D)
        Y -= Y.mean(axis=0)
        pos[nodes] = Y
        if m <= _SMALL and all_sources:
            comps.append(_Component(nodes, piv, D, np.arange(m), full))
        else:
            comps.append(_Component(nodes, piv, D))
    return comps, pos


def _pack(comps: list[_Component], local: np.ndarray, out: np.ndarray, origin=(0.0, 0.0)) -> None:
    """Shelf-pack components (largest first) in rows, writing positions into ``out``."""
    if not comps:
        return
    boxes = []
    for comp in comps:
        p = local[comp.nodes]
        lo, hi = p.min(axis=0), p.max(axis=0)
        boxes.append((lo, hi))
    areas = [(hi[0] - lo[0] + 2) * (hi[1] - lo[1] + 2) for lo, hi in boxes]
    width = max(np.sqrt(sum(areas)) * 1.3, max(hi[0] - lo[0] + 2 for lo, hi in boxes))
    order = sorted(range(len(comps)), key=lambda i: -len(comps[i].nodes))
    x = y = row_h = 0.0
    gap = _CUTOFF
    for i in order:
        lo, hi = boxes[i]
        w, h = hi[0] - lo[0], hi[1] - lo[1]
        if x > 0 and x + w > width:
            x, y = 0.0, y - row_h - gap
            row_h = 0.0
        shift = np.array([x - lo[0] + origin[0], y - hi[1] + origin[1]])
        out[comps[i].nodes] = local[comps[i].nodes] + shift
        x += w + gap
        row_h = max(row_h, h)
