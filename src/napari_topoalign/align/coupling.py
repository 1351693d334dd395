"""Node coupling: how much two nodes of two graphs of the same inputs share.

Nodes of two mapper graphs of the same inputs are compared by the inputs they hold. One
sparse product of the two membership matrices gives the number of shared inputs of every
pair of nodes; a *coupling measure* turns that count and the two node sizes into a value.
The measures are a :class:`~napari_topoalign._utils.params.Registry`, :data:`COUPLINGS`
(also importable from ``napari_topoalign.align``), that users can extend::

    @COUPLINGS.register("dice")
    def dice(shared, size_a, size_b, n_inputs):
        return 2 * shared / (size_a + size_b)

A measure takes arrays of equal length (shared counts, the sizes of the two nodes of each
pair) and ``n_inputs``, and returns one value per pair (a zero is not stored).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .._utils.params import Param, Registry, declare_params
from ..model import MapperGraph

__all__ = [
    "COUPLINGS",
    "MEASURES",
    "node_coupling",
    "shared_counts",
    "check_same_inputs",
    "coupling_measure",
]

#: Coupling measures by name: ``fn(shared, size_a, size_b, n_inputs) -> values``.
COUPLINGS = Registry("coupling")


@COUPLINGS.register("jaccard")
def jaccard(shared, size_a, size_b, n_inputs):
    """Jaccard index |A ∩ B| / |A ∪ B| (1 only for equal nodes)."""
    return shared / (size_a + size_b - shared)


@COUPLINGS.register("overlap")
def overlap(shared, size_a, size_b, n_inputs):
    """Overlap coefficient |A ∩ B| / min(|A|, |B|) (1 when one node lies inside the other)."""
    return shared / np.minimum(size_a, size_b)


@COUPLINGS.register("count")
def count(shared, size_a, size_b, n_inputs):
    """Number of shared inputs |A ∩ B|."""
    return np.asarray(shared, dtype=np.float64)


@COUPLINGS.register("lift")
def lift(shared, size_a, size_b, n_inputs):
    """|A ∩ B| divided by its expectation |A| |B| / n for unrelated nodes (1: chance)."""
    return shared * float(n_inputs) / (size_a * size_b)


#: The built-in measure names (the registry may hold more).
MEASURES = ("jaccard", "overlap", "count", "lift")


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


def shared_counts(membership_a: sp.csr_matrix, membership_b: sp.csr_matrix) -> sp.csr_matrix:
    """``|a ∩ b|`` for every node ``a`` of one membership matrix and ``b`` of the other
    (int64 CSR, sorted indices, no stored zeros)."""
    A = sp.csr_matrix(membership_a, dtype=np.int64)
    B = sp.csr_matrix(membership_b, dtype=np.int64)
    inter = (A @ B.T).tocsr()
    inter.eliminate_zeros()
    inter.sort_indices()
    return inter


def coupling_measure(measure, name: str = "measure"):
    """The function of coupling measure ``measure`` (a registered name or a callable)."""
    if callable(measure) and not isinstance(measure, str):
        return measure
    if not isinstance(measure, str) or measure not in COUPLINGS:
        raise ValueError(
            f"{name}: unknown coupling measure {measure!r}; choose one of {COUPLINGS.names()} "
            "or pass a function fn(shared, size_a, size_b, n_inputs)"
        )
    return COUPLINGS.get(measure)


@declare_params(
    measure=Param(
        "jaccard",
        "choice",
        choices=COUPLINGS.names,
        help="how two nodes' shared inputs are measured",
    ),
)
def node_coupling(
    graph_a: MapperGraph, graph_b: MapperGraph, *, measure="jaccard"
) -> sp.csr_matrix:
    """Shared-input overlap between every node of ``graph_a`` and every node of ``graph_b``.

    Computed from one sparse product of the two membership matrices, so only pairs of nodes
    that share at least one input are stored.

    Parameters
    ----------
    graph_a, graph_b : MapperGraph
        Graphs built on the same inputs (same ``n_inputs``).
    measure : str or callable
        A name in :data:`COUPLINGS` (``"jaccard"``: ``|A ∩ B| / |A ∪ B|``; ``"overlap"``:
        ``|A ∩ B| / min(|A|, |B|)``; ``"count"``: ``|A ∩ B|``; ``"lift"``: ``|A ∩ B|``
        over its chance expectation ``|A| |B| / n``) or a function
        ``fn(shared, size_a, size_b, n_inputs)``.

    Returns
    -------
    scipy.sparse.csr_matrix of shape (graph_a.n_nodes, graph_b.n_nodes), float64
        Entry ``(i, j)`` is the measure for node ``i`` of A and node ``j`` of B; pairs that
        share no input are not stored.

    Raises
    ------
    ValueError
        The graphs have different ``n_inputs`` or ``measure`` is unknown.
    """
    fn = coupling_measure(measure)
    n = check_same_inputs([graph_a, graph_b], "graph_a, graph_b")
    inter = shared_counts(graph_a.membership, graph_b.membership)
    size_a = np.diff(graph_a.membership.indptr).astype(np.float64)
    size_b = np.diff(graph_b.membership.indptr).astype(np.float64)
    coo = inter.tocoo()
    shared = coo.data.astype(np.float64)
    values = np.asarray(fn(shared, size_a[coo.row], size_b[coo.col], n), dtype=np.float64).ravel()
    if values.shape != shared.shape:
        raise ValueError(
            f"measure: returned {values.shape[0]} values for {shared.shape[0]} node pairs"
        )
    out = sp.csr_matrix((values, (coo.row, coo.col)), shape=inter.shape)
    out.eliminate_zeros()
    out.sort_indices()
    return out
