"""Graph helpers on plain arrays: CSR adjacency of an edge list, row gathering."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["csr_adjacency", "gather_rows", "connected_components"]


def csr_adjacency(n_nodes: int, edges, weights=None, *, dtype=np.float64) -> sp.csr_matrix:
    """The symmetric ``(n_nodes, n_nodes)`` CSR adjacency of an undirected edge list
    ``(E, 2)`` (weights 1 when ``weights`` is None). Duplicate edges are summed."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    w = (
        np.ones(len(edges), dtype=dtype)
        if weights is None
        else np.asarray(weights, dtype=dtype).ravel()
    )
    rows = np.concatenate([edges[:, 0], edges[:, 1]])
    cols = np.concatenate([edges[:, 1], edges[:, 0]])
    data = np.concatenate([w, w])
    adj = sp.csr_matrix((data, (rows, cols)), shape=(int(n_nodes), int(n_nodes)))
    adj.sum_duplicates()
    return adj


def gather_rows(matrix: sp.csr_matrix, rows) -> tuple[np.ndarray, np.ndarray]:
    """The column indices of CSR ``matrix`` in ``rows``, concatenated, and the row each came
    from: ``(row_of_entry, column)``, without building a sub-matrix."""
    matrix = sp.csr_matrix(matrix)
    rows = np.asarray(rows, dtype=np.int64).ravel()
    starts = matrix.indptr[rows]
    lengths = matrix.indptr[rows + 1] - starts
    if lengths.sum() == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    owner = np.repeat(rows, lengths)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    cols = matrix.indices[np.arange(lengths.sum()) + offsets].astype(np.int64)
    return owner, cols


def connected_components(n_nodes: int, edges) -> tuple[int, np.ndarray]:
    """``(n_components, label_per_node)`` of an undirected edge list."""
    from scipy.sparse.csgraph import connected_components as cc

    return cc(csr_adjacency(n_nodes, edges), directed=False)
