"""Node coupling: how much two nodes of two graphs of the same inputs share."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ..model import MapperGraph

MEASURES = ("jaccard", "overlap", "count")


def check_same_inputs(graphs, what: str = "graphs") -> int:
    """Return the common ``n_inputs`` of ``graphs`` or raise an error naming the mismatch."""
    graphs = list(graphs)
    for i, g in enumerate(graphs):
        if not isinstance(g, MapperGraph):
            raise TypeError(f"{what}[{i}]: expected a MapperGraph, got {type(g).__name__}")
    sizes = {g.n_inputs for g in graphs}
    if len(sizes) > 1:
        desc = ", ".join(f"{g.name or i!r}: {g.n_inputs}" for i, g in enumerate(graphs))
        raise ValueError(
            f"{what}: the graphs were built on different inputs (n_inputs {desc}); "
            "nodes can only be coupled through shared inputs"
        )
    return sizes.pop() if sizes else 0


def node_coupling(graph_a: MapperGraph, graph_b: MapperGraph, *, measure: str = "jaccard") -> sp.csr_matrix:
    """Shared-input overlap between every node of ``graph_a`` and every node of ``graph_b``.

    Computed from one sparse product of the two membership matrices, so only pairs of nodes
    that share at least one input are stored.

    Parameters
    ----------
    graph_a, graph_b : MapperGraph
        Graphs built on the same inputs (same ``n_inputs``).
    measure : {"jaccard", "overlap", "count"}
        ``"jaccard"``: ``|A ∩ B| / |A ∪ B|``; ``"overlap"``: the overlap coefficient
        ``|A ∩ B| / min(|A|, |B|)``; ``"count"``: ``|A ∩ B|``.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (graph_a.n_nodes, graph_b.n_nodes), float64
        Entry ``(i, j)`` is the measure for node ``i`` of A and node ``j`` of B; zero
        entries are not stored.

    Raises
    ------
    ValueError
        The graphs have different ``n_inputs`` or ``measure`` is unknown.
    """
    if measure not in MEASURES:
        raise ValueError(f"measure: unknown measure {measure!r}; choose one of {MEASURES}")
    check_same_inputs([graph_a, graph_b], "graph_a, graph_b")
    A = graph_a.membership.astype(np.float64)
    B = graph_b.membership.astype(np.float64)
    inter = (A @ B.T).tocsr()
    inter.sort_indices()
    inter.eliminate_zeros()
    if measure == "count":
        return inter
    size_a = np.asarray(A.sum(axis=1)).ravel()
    size_b = np.asarray(B.sum(axis=1)).ravel()
    coo = inter.tocoo()
    rows, cols, shared = coo.row, coo.col, coo.data
    if measure == "jaccard":
        denom = size_a[rows] + size_b[cols] - shared
    else:
        denom = np.minimum(size_a[rows], size_b[cols])
    values = shared / denom
    return sp.csr_matrix((values, (rows, cols)), shape=inter.shape)
