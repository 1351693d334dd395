"""Quality of a joint layout: cross-graph alignment and within-graph stress.

Shared by the tests and ``benchmarks/bench_layout.py``.

Definitions
-----------
*Scale* of a layout of graphs ``a`` and ``b`` (offsets removed): the root mean square
distance of the nodes of each graph to that graph's centroid, pooled over both graphs,
``sqrt((sum_a |x - mean_a|^2 + sum_b |y - mean_b|^2) / (n_a + n_b))``.

*Alignment* of ``a`` and ``b``: the coupling-weighted mean distance between coupled nodes,
``sum_ij c_ij |x_i - y_j| / sum_ij c_ij`` with ``c`` the Jaccard node coupling, divided by the
scale. 0 means every node sits exactly on its partners; it does not change when the whole
layout is moved, rotated or scaled. Smaller is better.

*Stress* of graph ``g``: over all pairs of nodes ``i < j`` in the same component, with hop
distance ``D_ij`` and layout distance ``d_ij``,
``min_s mean((s d_ij - D_ij)^2 / D_ij^2)``; the optimal scale is
``s = sum(d/D) / sum(d^2/D^2)``. It is the relative error of the distances after the best
uniform scaling, so it is comparable across layouts of different size; 0 is perfect, and
it is below 1 for any layout that is not degenerate. Pairs in different components (whose
graph distance is infinite) do not count. For large graphs the pairs are those of
``max_sources`` random source nodes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from .._utils.validation import check_array, check_generator, check_int
from ..model import Layout, MapperGraph
from .coupling import check_same_inputs, node_coupling


def _as_positions(graphs, positions, offsets, what="positions", names=None):
    if isinstance(positions, Layout):
        if offsets is not None:
            raise ValueError(
                "offsets: a Layout carries its panel offsets; pass offsets only with arrays"
            )
        if names is not None:  # graphs given by name: the layout's graphs of those names
            missing = [n for n in names if n not in positions]
            if missing:
                raise KeyError(
                    f"{what}: the layout has no graph(s) {missing}; it holds {positions.names}"
                )
            positions = [positions.centered(n) for n in names]
        else:
            positions = [positions.centered(i) for i in range(len(positions))]
    positions = list(positions)
    if len(positions) != len(graphs):
        raise ValueError(
            f"{what}: expected one array per graph ({len(graphs)}), got {len(positions)}"
        )
    out = []
    for g, (graph, p) in enumerate(zip(graphs, positions)):
        if graph.n_nodes == 0 and np.size(p) == 0:
            out.append(np.zeros((0, 2)))
            continue
        p = check_array(p, f"{what}[{g}]", ndim=2)
        if p.shape != (graph.n_nodes, 2):
            raise ValueError(f"{what}[{g}]: expected shape ({graph.n_nodes}, 2), got {p.shape}")
        out.append(p)
    if offsets is not None:
        offsets = list(offsets)
        if len(offsets) != len(graphs):
            raise ValueError(
                f"offsets: expected one offset per graph ({len(graphs)}), got {len(offsets)}"
            )
        checked = []
        for g, o in enumerate(offsets):
            o = check_array(o, f"offsets[{g}]", ndim=1)
            if o.shape != (2,):
                raise ValueError(f"offsets[{g}]: expected shape (2,), got {o.shape}")
            checked.append(o)
        out = [p - o for p, o in zip(out, checked)]
    return out


def layout_scale(pos_a: np.ndarray, pos_b: np.ndarray) -> float:
    """Pooled RMS distance of the nodes of two graphs to their own centroids."""
    ss, n = 0.0, 0
    for p in (pos_a, pos_b):
        if len(p):
            ss += float(((p - p.mean(axis=0)) ** 2).sum())
            n += len(p)
    return float(np.sqrt(ss / n)) if n else 0.0


def alignment(pos_a: np.ndarray, pos_b: np.ndarray, coupling: sp.spmatrix) -> float:
    """Coupling-weighted mean distance of coupled nodes divided by the layout scale (see the
    module docstring). NaN when nothing is coupled or the layout has no extent."""
    c = sp.coo_matrix(coupling)
    if c.nnz == 0:
        return float("nan")
    d = np.linalg.norm(pos_a[c.row] - pos_b[c.col], axis=1)
    mean = float((c.data * d).sum() / c.data.sum())
    scale = layout_scale(pos_a, pos_b)
    return mean / scale if scale > 0 else float("nan")


def stress(
    graph: MapperGraph, pos: np.ndarray, *, max_sources: int = 1500, random_state=0
) -> float:
    """Normalised stress of one graph's layout (see the module docstring). NaN when the graph
    has no pair of connected nodes."""
    n = graph.n_nodes
    max_sources = check_int(max_sources, "max_sources", minimum=1)
    rng = check_generator(random_state)
    pos = np.zeros((0, 2)) if n == 0 and np.size(pos) == 0 else check_array(pos, "pos", ndim=2)
    if pos.shape != (n, 2):
        raise ValueError(f"pos: expected shape ({n}, 2), got {pos.shape}")
    if n < 2:
        return float("nan")
    e = np.asarray(graph.edges, dtype=np.int64).reshape(-1, 2)
    if len(e) == 0:
        return float("nan")
    A = sp.csr_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
    if n > max_sources:
        sources = np.sort(rng.choice(n, max_sources, replace=False))
    else:
        sources = np.arange(n)
    D = shortest_path(A, method="D", directed=False, unweighted=True, indices=sources)
    num = den = 0.0
    vals = []
    for start in range(0, len(sources), 256):
        s = sources[start : start + 256]
        Dk = D[start : start + 256]
        d = np.linalg.norm(pos[s][:, None, :] - pos[None, :, :], axis=2)
        mask = np.isfinite(Dk) & (Dk > 0)
        r = d[mask] / Dk[mask]
        num += r.sum()
        den += (r**2).sum()
        vals.append(r)
    if not vals or den == 0:
        return float("nan")
    r = np.concatenate(vals)
    if len(r) == 0:
        return float("nan")
    s = num / den
    return float(np.mean((s * r - 1.0) ** 2))


def layout_quality(
    graphs: Sequence[MapperGraph] | Mapping[str, MapperGraph],
    positions: Layout | Sequence[np.ndarray],
    *,
    offsets: Sequence[np.ndarray] | None = None,
    max_sources: int = 1500,
) -> dict:
    """Alignment of every pair of graphs and stress of every graph.

    Parameters
    ----------
    graphs : sequence of MapperGraph, or dict of str to MapperGraph
        Graphs of the same inputs. A dict (e.g. ``cmp.graphs``) with a :class:`Layout`
        takes each graph's positions from the layout by name; a sequence takes them in order.
    positions : Layout, or sequence of ndarray of shape (n_nodes, 2)
        A :class:`~napari_topoalign.model.Layout` (e.g. the result of :func:`joint_layout`;
        its panel offsets are removed), or one array per graph.
    offsets : sequence of ndarray of shape (2,), optional
        Panel offsets to remove from arrays before measuring alignment (not with a Layout,
        which carries its own).
    max_sources : int
        Graphs with more nodes measure stress from this many random sources.

    Returns
    -------
    dict
        ``"alignment"``: ``{(a, b): value}`` for every pair ``a < b`` of graph indices;
        ``"mean_alignment"``: their mean; ``"stress"``: a list, one value per graph. See the
        module docstring for the definitions.
    """
    names = list(graphs) if isinstance(graphs, Mapping) else None
    graphs = list(graphs.values()) if isinstance(graphs, Mapping) else list(graphs)
    check_same_inputs(graphs, "graphs")
    max_sources = check_int(max_sources, "max_sources", minimum=1)
    pos = _as_positions(graphs, positions, offsets, names=names)
    align = {}
    for a in range(len(graphs)):
        for b in range(a + 1, len(graphs)):
            align[(a, b)] = alignment(pos[a], pos[b], node_coupling(graphs[a], graphs[b]))
    vals = [v for v in align.values() if np.isfinite(v)]
    return {
        "alignment": align,
        "mean_alignment": float(np.mean(vals)) if vals else float("nan"),
        "stress": [stress(g, p, max_sources=max_sources) for g, p in zip(graphs, pos)],
    }


def procrustes_align(
    reference: np.ndarray, moving: np.ndarray, coupling: sp.spmatrix
) -> np.ndarray:
    """Move ``moving`` onto ``reference`` by the orthogonal transform, uniform scale and
    translation that minimise the coupling-weighted squared distances of coupled nodes
    (``scipy.linalg.orthogonal_procrustes`` on the weighted, centred correspondences)."""
    from scipy.linalg import orthogonal_procrustes

    c = sp.coo_matrix(coupling)
    if c.nnz == 0:
        return moving.copy()
    w = c.data
    X = reference[c.row]
    Y = moving[c.col]
    sw = w.sum()
    mx = (w[:, None] * X).sum(axis=0) / sw
    my = (w[:, None] * Y).sum(axis=0) / sw
    sq = np.sqrt(w)[:, None]
    A = sq * (Y - my)
    B = sq * (X - mx)
    if not np.any(A):
        return moving - my + mx
    R, s = orthogonal_procrustes(A, B)
    scale = s / (A**2).sum()
    return (moving - my) @ R * scale + mx


def independent_baseline(
    graphs: Sequence[MapperGraph], random_state=None, *, iterations=None
) -> list[np.ndarray]:
    """Each graph laid out on its own (the engine of :func:`joint_layout` without the
    cross-graph forces and without the aligned start), then every graph aligned onto the
    first by :func:`procrustes_align` over its coupling with the first. The baseline that
    the joint layout is measured against."""
    from .layout import independent_layout

    graphs = list(graphs)
    check_same_inputs(graphs, "graphs")
    pos = [independent_layout(g, iterations=iterations, random_state=random_state) for g in graphs]
    out = [pos[0]]
    for g in range(1, len(graphs)):
        if graphs[0].n_nodes and graphs[g].n_nodes:
            out.append(procrustes_align(pos[0], pos[g], node_coupling(graphs[0], graphs[g])))
        else:
            out.append(pos[g])
    return out
