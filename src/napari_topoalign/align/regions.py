"""Structurally matching regions between two mapper graphs of the same inputs.

:func:`covered_share` (with :func:`input_agreement`) says how much of the inputs the
significant regions cover, each input counted by how far its co-members agree in the two
graphs.

The method (``docs/regions.md`` gives it step by step, with the measurements that chose it):

1. **Strong pairs.** Nodes of the two graphs are compared by the inputs they hold. A pair
   ``(a, b)`` is *strongly coupled* when its coupling (by default the overlap coefficient
   ``|a ∩ b| / min(|a|, |b|)``, which does not depend on the resolution of either graph) is
   at least ``min_coupling``, they share at least ``min_shared`` inputs (or all of the
   smaller node when it is smaller still, and at least 2), and they share at least twice
   what two unrelated nodes of their sizes would.
2. **Where each node lands.** A node's strong partners are grouped by adjacency in the
   other graph (partners joined by an edge: one group). A group is substantial when it holds at least
   ``fold_share`` of the node's inputs. A node with two substantial groups is *folded*: its
   inputs lie together in its own graph and in separate places of the other. An edge (of
   at least two shared inputs) whose two ends land more than two edges apart (more when
   the other graph is finer) is *torn*.
3. **Differences.** Every folded node, torn edge and group of nodes without any strong
   partner seeds a difference; a fold or a tear inside a block (a biconnected component: a
   loop, a blob) is stated about the whole block, and each seed takes the nodes of the other
   side that hold at least half their inputs among its inputs (and back). Seeds that share a
   node are one region.
4. **Preserved regions.** The strong pairs outside every difference form a product graph:
   ``(a, b)`` and ``(a', b')`` are joined when ``a = a'`` or ``a a'`` is an edge that is not
   torn, and the same for ``b, b'``. Each connected component gives the node sets of a
   region, connected in both graphs; a change of resolution moves along one graph while the
   other stays on a node. A component whose sides differ only in cycles gives the blocks
   holding the extra cycles as a region of their own, the rest stays preserved.
5. **What each region is.** Components, independent cycles (once triangles and the
   4-cycles that are part of a 2-D patch are filled, so that a loop is one cycle at any
   resolution, four nodes included), folds and tears of both sides, the Jaccard index of their
   inputs and the share of inputs in strongly coupled pairs give the differences (cycles
   lost or gained, split, merged, rearranged, inputs elsewhere) and the scores.
6. **Significance.** The statistic of a region is the most distinct inputs its strongly
   coupled pairs hold within one component of the full strong product of the two graphs.
   ``n_permutations`` times, B's inputs are relabelled (its membership columns permuted)
   and the components of the full strong product are found again; a region's p-value is
   the share of permutations whose largest component reaches its statistic (single-step
   max-T: corrected for every region reported and for the search that chose them, and exact,
   since no region of the search can exceed the largest component).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._utils.params import Param, declare_params
from .._utils.progress import check_progress
from .._utils.validation import check_random_state
from ..model import MapperGraph, Region
from ._regions_graph import Side, flag_betti1, indicator, n_components
from .coupling import COUPLINGS, check_same_inputs, coupling_measure, shared_counts

__all__ = [
    "Region",
    "find_matching_regions",
    "score_region",
    "input_agreement",
    "covered_share",
    "REGION_PARAMS",
]

#: A strong pair shares at least this many times what two unrelated nodes would (or, for
#: nodes too large for that, half the excess over chance that their sizes allow).
MIN_LIFT = 2.0
#: A node's inputs inside the other side's inputs for it to join a group without partners.
INSIDE = 0.5
#: Fewest shared inputs of a strong pair whose smaller node has fewer than ``min_shared``.
MIN_SHARED_FLOOR = 2

REGION_PARAMS = dict(
    min_size=Param(
        3,
        "int",
        low=1,
        high=1_000_000,
        help="fewest nodes on the larger side of a region (a piece holding as many inputs "
        "as min_size typical nodes, or a whole component of both graphs, also counts)",
    ),
    min_coupling=Param(
        0.5,
        "float",
        low=0.0,
        high=1.0,
        low_open=True,
        help="lowest coupling of a strongly coupled node pair",
    ),
    coupling=Param(
        "overlap",
        "choice",
        choices=COUPLINGS.names,
        help="coupling measure of node pairs (overlap: independent of resolution)",
    ),
    min_shared=Param(
        3,
        "int",
        low=1,
        high=1_000_000,
        help="fewest shared inputs of a strong pair (all of a smaller node, at least 2)",
    ),
    fold_share=Param(
        0.25,
        "float",
        low=0.0,
        high=0.5,
        low_open=True,
        help="share of a node's inputs a separate place must hold to count as a fold",
    ),
    n_permutations=Param(
        100, "int", low=0, high=100_000, help="permutations for the p-values (0: none)"
    ),
    max_regions=Param(
        None, "int", low=1, high=10**9, none_ok=True, help="report at most this many regions"
    ),
    null=Param(
        "inputs",
        "choice",
        choices=("inputs", "cover"),
        help="null of the p-values: relabel among all inputs, or only within their cover "
        "elements (agreement beyond what a shared lens gives; less power on coarse graphs)",
    ),
)


# -- step 1-2: strong pairs, groups, folds, tears -----------------------------------------------
def _strong_pairs(sa: Side, sb: Side, K: sp.csr_matrix, fn, min_coupling, min_shared):
    coo = K.tocoo()
    r, c = coo.row.astype(np.int64), coo.col.astype(np.int64)
    k = coo.data.astype(np.float64)
    if len(k) == 0:
        return r, c, k
    n = float(sa.n_inputs)
    size_a, size_b = sa.sizes[r], sb.sizes[c]
    val = np.asarray(fn(k, size_a, size_b, sa.n_inputs), dtype=np.float64)
    # at least MIN_LIFT times chance; for nodes so large that this is out of reach (one holds
    # over a third of all inputs), at least half of the excess over chance that is possible
    chance = size_a * size_b / n
    smaller = np.minimum(size_a, size_b)
    need = np.minimum(MIN_LIFT * chance, chance + 0.5 * (smaller - chance))
    # ``min_shared`` scales down to the smaller node when that node is smaller still (a node
    # of 2 inputs can never share 3): such a pair must share all of the smaller node, and at
    # least MIN_SHARED_FLOOR inputs (one shared input is too easily a coincidence)
    shared_need = np.maximum(np.minimum(min_shared, smaller), min(min_shared, MIN_SHARED_FLOOR))
    keep = (val >= min_coupling) & (k >= shared_need) & (k >= need)
    return r[keep], c[keep], k[keep]


def _keys(m: sp.csr_matrix) -> np.ndarray:
    m = m.tocoo()
    return np.sort(m.row.astype(np.int64) * m.shape[1] + m.col.astype(np.int64))


def _has(keys: np.ndarray, ncols: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    q = rows * ncols + cols
    pos = np.searchsorted(keys, q)
    pos = np.minimum(pos, len(keys) - 1) if len(keys) else pos
    return (keys[pos] == q) if len(keys) else np.zeros(len(q), dtype=bool)


_TRIU: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _landing(x, y, k, sizes_x, nx, closed_y_keys, ny, fold_share):
    """Group each node's strong partners by adjacency in the other graph (partners joined
    by edges are one group).

    Returns ``folded`` (nx,) bool and ``main`` (len(x),) bool: the pair lies in a
    substantial group of its node (or in its best group when none is substantial)."""
    p = len(x)
    folded = np.zeros(nx, dtype=bool)
    if p == 0:
        return folded, np.zeros(0, dtype=bool)
    order = np.lexsort((y, x))
    xs, ys = x[order], y[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    lengths = np.diff(np.r_[starts, p])
    rows, cols = [], []
    for s, length in zip(starts[lengths > 1].tolist(), lengths[lengths > 1].tolist()):
        if length not in _TRIU:
            _TRIU[length] = np.triu_indices(length, 1)
        i, j = _TRIU[length]
        rows.append(i + s)
        cols.append(j + s)
    if rows:
        i = np.concatenate(rows)
        j = np.concatenate(cols)
        near = _has(closed_y_keys, ny, ys[i], ys[j])
        i, j = i[near], j[near]
    else:
        i = j = np.zeros(0, dtype=np.int64)
    w = sp.csr_matrix((np.ones(len(i), dtype=np.int32), (i, j)), shape=(p, p))
    ncomp, lab_sorted = connected_components(w, directed=False)
    lab = np.empty(p, dtype=np.int64)
    lab[order] = lab_sorted
    share = k / sizes_x[x]
    mass = np.bincount(lab, weights=share, minlength=ncomp)
    owner = np.zeros(ncomp, dtype=np.int64)
    owner[lab] = x
    big = mass >= fold_share
    n_big = np.bincount(owner[big], minlength=nx)
    folded = n_big >= 2
    # each node's best group
    best_mass = np.zeros(nx)
    np.maximum.at(best_mass, owner, mass)
    is_best = mass >= best_mass[owner] - 1e-12
    main = big[lab] | ((n_big[x] == 0) & is_best[lab])
    return folded, main


def _torn(side: Side, main_x, main_y, n_y, closed2_y) -> np.ndarray:
    """Edges of ``side`` whose two ends (both with partners) land further apart than
    ``closed2_y`` reaches (two edges at the same resolution, see :func:`_reach_steps`)."""
    e = side.edges
    if len(e) == 0 or len(main_x) == 0:
        return np.zeros(len(e), dtype=bool)
    pm = sp.csr_matrix(
        (np.ones(len(main_x), dtype=np.int32), (main_x, main_y)), shape=(side.n, n_y)
    )
    pm.data[:] = 1
    reach = (pm @ closed2_y).tocsr()
    reach.data[:] = 1
    near = np.asarray(reach[e[:, 0]].multiply(pm[e[:, 1]]).sum(axis=1)).ravel() > 0
    has = np.diff(pm.indptr) > 0
    # an edge held by a single shared input is no evidence of a tear (one input in the
    # overlap of two balls or intervals is where covers at two resolutions differ most)
    strong = side.edge_shared() >= MIN_SHARED_FLOOR
    return has[e[:, 0]] & has[e[:, 1]] & ~near & strong


def _reach_steps(sizes_x, sizes_y) -> int:
    """Edges of Y that two adjacent nodes of X may land apart without the edge being torn:
    2 at the same resolution, more when X's nodes are coarser (the partners of two adjacent
    coarse nodes lie about as many fine edges apart as a coarse node holds fine nodes)."""
    if len(sizes_x) == 0 or len(sizes_y) == 0:
        return 2
    ratio = float(np.median(sizes_x)) / max(float(np.median(sizes_y)), 1.0)
    return 1 + int(np.ceil(max(ratio, 1.0) - 1e-9))


def _tears(sa: Side, sb: Side, pa, pb, main_ab, main_ba):
    """Torn edges of A and of B (see :func:`_torn`), with the reach scaled to resolution."""
    torn_a = _torn(
        sa, pa[main_ab], pb[main_ab], sb.n, sb.closed_k(_reach_steps(sa.sizes, sb.sizes))
    )
    torn_b = _torn(
        sb, pb[main_ba], pa[main_ba], sa.n, sa.closed_k(_reach_steps(sb.sizes, sa.sizes))
    )
    return torn_a, torn_b


# -- step 3: differences --------------------------------------------------------------------------
def _partners(nodes, px, py, n_y):
    if len(nodes) == 0 or len(px) == 0:
        return np.zeros(0, dtype=np.int64)
    mask = np.zeros(int(px.max()) + 1 if len(px) else 0, dtype=bool)
    nodes = nodes[nodes < len(mask)]
    mask[nodes] = True
    return np.unique(py[mask[px]])


def _inside_many(sx: Side, sy: Side, groups) -> list[np.ndarray]:
    """For each node group of X, the nodes of Y that hold at least :data:`INSIDE` of their
    inputs among the group's inputs (one sparse product for all groups)."""
    if not groups:
        return []
    ind = indicator(groups, sx.n)
    inputs = (ind @ sx.membership).tocsr()
    inputs.data[:] = 1
    held = (sy.membership @ inputs.T).tocoo()
    ok = held.data >= INSIDE * sy.sizes[held.row]
    rows, cols = held.row[ok], held.col[ok]
    order = np.argsort(cols, kind="stable")
    rows, cols = rows[order], cols[order]
    bounds = np.searchsorted(cols, np.arange(len(groups) + 1))
    return [rows[bounds[g] : bounds[g + 1]].astype(np.int64) for g in range(len(groups))]


def _close(sa: Side, sb: Side, seeds):
    """Each seed also takes the nodes of the other side mostly inside its inputs, both ways."""
    if not seeds:
        return seeds
    add_b = _inside_many(sa, sb, [xa for xa, _ in seeds])
    seeds = [(xa, np.union1d(xb, yb)) for (xa, xb), yb in zip(seeds, add_b)]
    add_a = _inside_many(sb, sa, [xb for _, xb in seeds])
    return [(np.union1d(xa, ya), xb) for (xa, xb), ya in zip(seeds, add_a)]


def _unmatched_labels(sx, sy, unmatched_x, unmatched_y, Mx, My):
    """Connected groups of the nodes of X without any strong partner (``label_x``, -1 for
    the others) and, for each node of Y without a strong partner, the group that holds at
    least half its inputs (``label_y``, -1 for none)."""
    label_x = np.full(sx.n, -1, dtype=np.int64)
    label_y = np.full(sy.n, -1, dtype=np.int64)
    idx = np.flatnonzero(unmatched_x)
    if len(idx) == 0:
        return 0, label_x, label_y
    ncomp, lab = connected_components(sx.adj[idx][:, idx], directed=False)
    label_x[idx] = lab
    ind = sp.csr_matrix((np.ones(len(idx), dtype=np.int32), (lab, idx)), shape=(ncomp, sx.n))
    comp_inputs = (ind @ Mx).tocsr()
    comp_inputs.data[:] = 1
    ycand = np.flatnonzero(unmatched_y)
    if len(ycand):
        held = (My[ycand] @ comp_inputs.T).tocsr()
        if held.nnz:
            coo = held.tocoo()
            share = coo.data / sy.sizes[ycand][coo.row]
            order = np.lexsort((-share, coo.row))
            first = np.r_[True, coo.row[order][1:] != coo.row[order][:-1]]
            best_row, best_col, best_share = (
                coo.row[order][first],
                coo.col[order][first],
                share[order][first],
            )
            ok = best_share >= INSIDE
            label_y[ycand[best_row[ok]]] = best_col[ok]
    return ncomp, label_x, label_y


def _unmatched_groups(sx, sy, unmatched_x, unmatched_y, Mx, My):
    """The groups of :func:`_unmatched_labels` as (nodes of X, nodes of Y) pairs."""
    ncomp, label_x, label_y = _unmatched_labels(sx, sy, unmatched_x, unmatched_y, Mx, My)
    return [(np.flatnonzero(label_x == g), np.flatnonzero(label_y == g)) for g in range(ncomp)]


def _merge_seeds(seeds, na, nb):
    """Seeds (nodes_a, nodes_b) that share a node, joined."""
    if not seeds:
        return []
    rows, cols = [], []
    for s, (xa, xb) in enumerate(seeds):
        rows.append(np.full(len(xa), s))
        cols.append(xa)
        rows.append(np.full(len(xb), s))
        cols.append(xb + na)
    rows = np.concatenate(rows).astype(np.int64)
    cols = np.concatenate(cols).astype(np.int64)
    ns = len(seeds)
    inc = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols + ns)), shape=(ns + na + nb,) * 2
    )
    ncomp, lab = connected_components(inc, directed=False)
    groups: dict[int, list[int]] = {}
    for s in range(ns):
        groups.setdefault(int(lab[s]), []).append(s)
    out = []
    for members in groups.values():
        xa = np.unique(np.concatenate([seeds[s][0] for s in members])).astype(np.int64)
        xb = np.unique(np.concatenate([seeds[s][1] for s in members])).astype(np.int64)
        out.append((xa, xb))
    return out


# -- step 4: product graph -------------------------------------------------------------------------
def _product_components(pa, pb, adj_a: sp.csr_matrix, adj_b: sp.csr_matrix):
    """Components of the strong product of two graphs restricted to the pairs ``(pa, pb)``
    (``adj_*`` include the identity)."""
    p = len(pa)
    if p == 0:
        return 0, np.zeros(0, dtype=np.int64)
    w = adj_a[pa][:, pa].multiply(adj_b[pb][:, pb])
    return connected_components(sp.csr_matrix(w), directed=False)


def _groups_by_label(lab, ncomp, pa, pb, na, nb, k):
    """Node sets of each product component; a node in pairs of several components goes to
    the one where its pairs share the most inputs (so that regions share no node)."""
    out = []
    if ncomp == 0:
        return out
    for p_nodes, n_side in ((pa, na), (pb, nb)):
        key = p_nodes * ncomp + lab
        mass = np.bincount(key, weights=k, minlength=n_side * ncomp).reshape(n_side, ncomp)
        best = mass.argmax(axis=1)
        keep = best[p_nodes] == lab
        out.append(keep)
    keep_a, keep_b = out
    groups = []
    for g in range(ncomp):
        sel = lab == g
        groups.append((np.unique(pa[sel & keep_a]), np.unique(pb[sel & keep_b])))
    return groups


# -- step 5: scores ------------------------------------------------------------------------------
def _ratio(x: int, y: int) -> float:
    return (1.0 + min(x, y)) / (1.0 + max(x, y))


class _Pairs:
    """The strong pairs with fast lookup of those inside a region."""

    def __init__(self, pa, pb, ok, sa: Side, sb: Side, k):
        self.pa, self.pb, self.ok = pa, pb, ok
        self.local = _locally_strong(pa, pb, k, sa, sb)
        # components of the strong product of the pairs a region can hold (both graphs'
        # edges, nothing torn): a subgraph of the full product the null bounds (_Null)
        self.label = np.full(len(pa), -1, dtype=np.int64)
        self.label[ok] = _product_components(pa[ok], pb[ok], sa.closed1, sb.closed1)[1]

    def inside(self, nodes_a, nodes_b, na, nb):
        ma = np.zeros(na, dtype=bool)
        ma[nodes_a] = True
        mb = np.zeros(nb, dtype=bool)
        mb[nodes_b] = True
        sel = self.ok & ma[self.pa] & mb[self.pb]
        return self.pa[sel], self.pb[sel], self.local[sel], self.label[sel]


#: A pair is locally strong when it shares at least this share of the excess over the
#: overlap its two nodes would have if their inputs were shuffled inside their neighbourhoods.
LOCAL_EXCESS = 0.25


def _locally_strong(pa, pb, k, sa: Side, sb: Side) -> np.ndarray:
    """Strong pairs that also beat the chance overlap *inside their neighbourhood*: the
    inputs of the node's one-edge ball in A together with those of its partner's in B. Two
    nodes that each hold a third or a half of one structure overlap by 30-50 % even when
    the structure's inputs are shuffled, far above the chance of the whole input set; a
    structure whose pairs are strong only against the whole input set is rearranged."""
    if len(pa) == 0:
        return np.zeros(0, dtype=bool)
    na_, nb_ = sa.ball_inputs(), sb.ball_inputs()
    ra, rb = na_[pa], nb_[pb]
    inter = np.diff(ra.multiply(rb).tocsr().indptr)
    union = np.diff(ra.indptr) + np.diff(rb.indptr) - inter
    size_a, size_b = sa.sizes[pa], sb.sizes[pb]
    chance = size_a * size_b / np.maximum(union, 1)
    smaller = np.minimum(size_a, size_b)
    return k >= chance + LOCAL_EXCESS * (smaller - chance)


def _n_torn(side: Side, torn, nodes) -> tuple[int, int]:
    """Torn edges and all edges of ``side`` inside ``nodes``."""
    inside = np.zeros(side.n, dtype=bool)
    inside[nodes] = True
    e = side.edges
    sel = inside[e[:, 0]] & inside[e[:, 1]] if len(e) else np.zeros(0, dtype=bool)
    return int((sel & torn).sum()), int(sel.sum())


def _component_mass(pa, pb, both: sp.csr_matrix, adj_a, adj_b) -> np.ndarray:
    """Distinct shared inputs of each component of the strong product of the pairs
    ``(pa, pb)`` (``both``: their shared inputs, one row per pair; ``adj_*`` with identity)."""
    ncomp, lab = _product_components(pa, pb, adj_a, adj_b)
    ind = sp.csr_matrix(
        (np.ones(len(pa), dtype=np.int32), (lab, np.arange(len(pa)))), shape=(ncomp, len(pa))
    )
    per = (ind @ both).tocsr()
    return np.diff(per.indptr).astype(np.float64)


def _connected_matched(labels, both: sp.csr_matrix) -> float:
    """A region's statistic: the most distinct inputs its strongly coupled pairs hold in
    one component of the strong product of the pairs (``labels``: each pair's component;
    ``both``: their shared inputs, one row per pair). Those components lie inside the
    components of the full strong product (every strong pair, both graphs' edges), which is
    what the null bounds (:class:`_Null`), so the max-T p-value is exact."""
    if len(labels) == 1:
        return float(both.getnnz())
    _, lab = np.unique(labels, return_inverse=True)
    lab = lab.ravel()
    ind = sp.csr_matrix(
        (np.ones(len(lab), dtype=np.int32), (lab, np.arange(len(lab)))),
        shape=(int(lab.max()) + 1, len(lab)),
    )
    per = (ind @ both).tocsr()
    return float(np.diff(per.indptr).max())


def _evaluate(
    sa: Side, sb: Side, nodes_a, nodes_b, pairs: _Pairs, folded_a, folded_b, torn_a, torn_b
):
    ia, ib = sa.inputs_of(nodes_a), sb.inputs_of(nodes_b)
    shared = np.intersect1d(ia, ib, assume_unique=True)
    union = len(ia) + len(ib) - len(shared)
    overlap = len(shared) / union if union else 0.0
    qa, qb, qlocal, qlabel = pairs.inside(nodes_a, nodes_b, sa.n, sb.n)
    if len(qa):
        both = sa.membership[qa].multiply(sb.membership[qb]).tocsr()
        matched_inputs = np.unique(both.indices).astype(np.int64)
        statistic = _connected_matched(qlabel, both)
        local = both[np.flatnonzero(qlocal)]
        n_local = len(np.unique(local.indices))
    else:
        matched_inputs = np.zeros(0, dtype=np.int64)
        statistic = 0.0
        n_local = 0
    m = len(matched_inputs)
    matched = m / union if union else 0.0
    adj_a, adj_b = sa.sub_adjacency(nodes_a), sb.sub_adjacency(nodes_b)
    comps = (n_components(adj_a), n_components(adj_b))
    cycles = (sa.cycles(nodes_a), sb.cycles(nodes_b))
    folds = (int(folded_a[nodes_a].sum()), int(folded_b[nodes_b].sum()))
    (ta, ea), (tb, eb) = _n_torn(sa, torn_a, nodes_a), _n_torn(sb, torn_b, nodes_b)
    torn = (ta, tb)
    n_nodes = len(nodes_a) + len(nodes_b)
    unfolded = 1.0 - (folds[0] + folds[1]) / n_nodes if n_nodes else 0.0
    untorn = 1.0 - (ta + tb) / (ea + eb) if ea + eb else 1.0
    structure = _ratio(*comps) * _ratio(*cycles) * unfolded * untorn
    elsewhere = (
        1.0 - len(shared) / len(ia) if len(ia) else 0.0,
        1.0 - len(shared) / len(ib) if len(ib) else 0.0,
    )
    differences = []
    if cycles[0] != cycles[1]:
        # the two node sets are chosen separately on each side, so one may close a cycle
        # (through a bridge, say) that the other stops short of: a cycle is lost or gained
        # only if the other graph's nodes holding the same inputs do not close it either
        img_b, img_a = _inside_many(sa, sb, [nodes_a])[0], _inside_many(sb, sa, [nodes_b])[0]
        if cycles[0] > cycles[1] and cycles[0] > sb.cycles(np.union1d(nodes_b, img_b)):
            differences.append("cycles lost")
        if cycles[1] > cycles[0] and cycles[1] > sa.cycles(np.union1d(nodes_a, img_a)):
            differences.append("cycles gained")
    if comps[1] > comps[0] or folds[0] > 0 or ta > 0:
        differences.append("split")
    if comps[1] < comps[0] or folds[1] > 0 or tb > 0:
        differences.append("merged")
    # rearranged: the same inputs, but fewer than half of them in pairs that beat the
    # overlap a shuffle inside their neighbourhoods would give
    if overlap >= 0.5 and (n_local / union if union else 0.0) < 0.5:
        differences.append("rearranged")
    if overlap < 0.5:
        differences.append("inputs elsewhere")
    return Region(
        nodes_a=np.sort(nodes_a),
        nodes_b=np.sort(nodes_b),
        inputs=shared,
        kind="changed" if differences else "preserved",
        differences=tuple(differences),
        score=float(overlap * matched * structure),
        overlap=float(overlap),
        matched=float(matched),
        structure=float(structure),
        statistic=float(statistic),
        matched_inputs=matched_inputs,
        components=comps,
        cycles=cycles,
        folds=folds,
        torn=torn,
        elsewhere=elsewhere,
    )


# -- step 6: the null ------------------------------------------------------------------------------
def _permuted(m: sp.csr_matrix, new_label: np.ndarray) -> sp.csr_matrix:
    """``m`` with input ``j`` renamed ``new_label[j]`` (a column permutation)."""
    return sp.csr_matrix((m.data, new_label[m.indices], m.indptr), shape=m.shape)


class _Null:
    """The search's building blocks on permuted inputs.

    For one relabelling of B's inputs it returns the largest statistic any region of the
    search could have: the most distinct inputs of one component of the *full* strong
    product (every strong pair, both graphs' edges, nothing torn or carved out). A region's
    statistic is the inputs of a product-connected set of its strong pairs, which always
    lies inside one such component (its pairs are strong pairs, its adjacencies are
    subgraphs of the full ones), so this is an exact upper bound: the max-T p-value keeps
    its family-wise error control whatever the graphs' resolution or the number of regions.
    """

    def __init__(self, sa: Side, sb: Side, p: dict):
        self.sa, self.sb, self.p = sa, sb, p

    def _pairs(self, mb: sp.csr_matrix):
        """The strong pairs against B's membership ``mb`` and their shared inputs."""
        sa, sb, p = self.sa, self.sb, self.p
        K = shared_counts(sa.membership, mb)
        pa, pb, k = _strong_pairs(sa, sb, K, p["fn"], p["min_coupling"], p["min_shared"])
        return pa, pb, k, mb

    def statistic(self, region: Region) -> float:
        """The statistic the null bounds: the search's own."""
        return region.statistic

    def permutation(self, rng) -> np.ndarray:
        return rng.permutation(self.sa.n_inputs)

    def __call__(self, label: np.ndarray) -> float:
        pa, pb, _, mb = self._pairs(_permuted(self.sb.membership, label))
        if len(pa) == 0:
            return 0.0
        both = self.sa.membership[pa].multiply(mb[pb]).tocsr()
        mass = _component_mass(pa, pb, both, self.sa.closed1, self.sb.closed1)
        return float(mass.max())


# -- the public functions -------------------------------------------------------------------------
def _check(graph_a, graph_b, params: dict) -> dict:
    check_same_inputs([graph_a, graph_b], "graph_a, graph_b")
    out = {}
    for key, spec in REGION_PARAMS.items():
        out[key] = spec.check(params.get(key, spec.default), key)
    out["fn"] = coupling_measure(out["coupling"], "coupling")
    return out


def _search(sa: Side, sb: Side, p: dict, progress):
    """Steps 1-5: the regions (unscored by the null), the strong pairs and the folds."""
    K = shared_counts(sa.membership, sb.membership)
    pa, pb, k = _strong_pairs(sa, sb, K, p["fn"], p["min_coupling"], p["min_shared"])
    keys_a, keys_b = _keys(sa.closed1), _keys(sb.closed1)
    folded_a, main_ab = _landing(pa, pb, k, sa.sizes, sa.n, keys_b, sb.n, p["fold_share"])
    folded_b, main_ba = _landing(pb, pa, k, sb.sizes, sb.n, keys_a, sa.n, p["fold_share"])
    progress(0.05, "strong pairs and folds")
    torn_a, torn_b = _tears(sa, sb, pa, pb, main_ab, main_ba)
    main = main_ab | main_ba

    # step 3: differences: seeds on one side, their images on the other, merged, closed
    limit_a = max(12, sa.n // 10)
    limit_b = max(12, sb.n // 10)
    mpa, mpb = pa[main], pb[main]
    seeds = []
    for a in np.flatnonzero(folded_a):
        xa = sa.block_unit(int(a), limit_a)
        seeds.append((xa, _partners(np.array([a]), mpa, mpb, sb.n)))
    for b in np.flatnonzero(folded_b):
        xb = sb.block_unit(int(b), limit_b)
        seeds.append((_partners(np.array([b]), mpb, mpa, sa.n), xb))
    for u, v in sa.edges[torn_a].tolist():
        seeds.append((sa.edge_unit(u, v, limit_a), np.zeros(0, dtype=np.int64)))
    for u, v in sb.edges[torn_b].tolist():
        seeds.append((np.zeros(0, dtype=np.int64), sb.edge_unit(u, v, limit_b)))
    un_a = np.ones(sa.n, dtype=bool)
    un_a[pa] = False
    un_b = np.ones(sb.n, dtype=bool)
    un_b[pb] = False
    for gx, gy in _unmatched_groups(sa, sb, un_a, un_b, sa.membership, sb.membership):
        seeds.append((gx, gy))
    for gy, gx in _unmatched_groups(sb, sa, un_b, un_a, sb.membership, sa.membership):
        seeds.append((gx, gy))
    seeds = _close(sa, sb, seeds)
    diffs = _merge_seeds(seeds, sa.n, sb.n)
    diffs = _merge_seeds(_close(sa, sb, diffs), sa.n, sb.n)
    progress(0.15, "differences")

    # step 4: preserved regions
    in_diff_a = np.zeros(sa.n, dtype=bool)
    in_diff_b = np.zeros(sb.n, dtype=bool)
    for xa, xb in diffs:
        in_diff_a[xa] = True
        in_diff_b[xb] = True
    keep = main & ~in_diff_a[pa] & ~in_diff_b[pb] & ~folded_a[pa] & ~folded_b[pb]
    ca = _untorn(sa, torn_a)
    cb = _untorn(sb, torn_b)
    qa, qb = pa[keep], pb[keep]
    ncomp, lab = _product_components(qa, qb, ca, cb)
    kept = _groups_by_label(lab, ncomp, qa, qb, sa.n, sb.n, k[keep])
    kept = _localise_cycles(sa, sb, kept, p["min_size"], (qa, qb, k[keep], ca, cb))
    progress(0.25, "preserved regions")

    pairs = _Pairs(pa, pb, main, sa, sb, k)
    regions = []
    # a piece with fewer nodes than min_size still counts when it holds as many inputs as
    # min_size typical nodes, or is a whole component of both graphs holding at least one
    # typical node's inputs (and min_shared): on coarse or fragmented graphs a component of
    # two nodes of 60 inputs each is a structure, not noise; an isolated node of 2 is noise
    typical = float(np.median(np.r_[sa.sizes, sb.sizes])) if sa.n + sb.n else 0.0
    for xa, xb in kept + diffs:
        if len(xa) == 0 or len(xb) == 0:
            continue
        if max(len(xa), len(xb)) < p["min_size"]:
            held = min(len(sa.inputs_of(xa)), len(sb.inputs_of(xb)))
            whole = sa.whole_component(xa) and sb.whole_component(xb)
            if held < p["min_size"] * typical and not (
                whole and held >= max(typical, p["min_shared"])
            ):
                continue
        regions.append(_evaluate(sa, sb, xa, xb, pairs, folded_a, folded_b, torn_a, torn_b))
    return regions


#: Largest block (nodes) of a region in which the edges closing a cycle are looked for.
MAX_LOCAL_BLOCK = 60


def _cycle_blocks(
    side: Side, nodes: np.ndarray, target: int, other: Side, other_nodes: np.ndarray
) -> np.ndarray:
    """Nodes of the blocks of ``side`` restricted to ``nodes`` that hold a cycle the other
    side does not have: blocks (of at most :data:`MAX_LOCAL_BLOCK` nodes) with cycles.
    Blocks are taken, those with the most cycles beyond the other side's nodes inside
    their inputs first (a loop kept in both graphs is not taken for the one gained next to
    it), until the rest of the region has at most ``target`` cycles; empty when that is
    not reached."""
    from ._regions_graph import biconnected_blocks

    sub = side.sub_adjacency(nodes)
    members = side.membership[nodes]
    total = flag_betti1(sub, members=members)
    if total <= target:
        return np.zeros(0, dtype=np.int64)
    found = []
    for block in biconnected_blocks(sp.csr_matrix(sub)):
        if len(block) < 4 or len(block) > MAX_LOCAL_BLOCK:
            continue
        b = flag_betti1(sub[block][:, block], members=members[block])
        if b > 0:
            found.append((b, block))
    if found:
        images = _inside_many(side, other, [nodes[block] for _, block in found])
        extra = [
            b - other.cycles(np.intersect1d(img, other_nodes))
            for (b, _), img in zip(found, images)
        ]
        order = sorted(range(len(found)), key=lambda i: (-extra[i], -found[i][0]))
        found = [found[i] for i in order]
    out, left = [], total
    for b, block in found:
        if left <= target:
            break
        out.append(block)
        left -= b
    if left > target or not out:
        return np.zeros(0, dtype=np.int64)
    return np.unique(nodes[np.concatenate(out)])


def _extra_blocks(side: Side, nodes: np.ndarray, other: Side, other_nodes) -> np.ndarray:
    """Nodes of the blocks of ``side`` restricted to ``nodes`` (4 to
    :data:`MAX_LOCAL_BLOCK` nodes) with more cycles than the nodes of ``other_nodes`` that
    hold at least half their inputs among the block's inputs."""
    from ._regions_graph import biconnected_blocks

    sub = side.sub_adjacency(nodes)
    blocks = [b for b in biconnected_blocks(sp.csr_matrix(sub)) if 4 <= len(b) <= MAX_LOCAL_BLOCK]
    if not blocks:
        return np.zeros(0, dtype=np.int64)
    found = []
    images = _inside_many(side, other, [nodes[b] for b in blocks])
    for b, img in zip(blocks, images):
        c = side.cycles(nodes[b])
        if c > 0 and c > other.cycles(np.intersect1d(img, other_nodes)):
            found.append(nodes[b])
    return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def _localise_cycles(sa: Side, sb: Side, kept, min_size, product):
    """A preserved-looking region whose two sides differ only in some cycles is split: the
    blocks holding the extra cycles (with the nodes of the other side mostly inside their
    inputs) become a region of their own, the rest stays a region, so that one cycle gained
    or lost is stated where it is instead of changing the status of a whole large region.
    The rest is regrouped by the components of the product graph of its strong pairs
    (``product``: the pairs, their shared counts and the two untorn adjacencies); a piece
    with fewer than ``min_size`` nodes on a side joins the cycle's region."""
    qa, qb, qk, ca_adj, cb_adj = product
    out = []
    for xa, xb in kept:
        if min(len(xa), len(xb)) < min_size:
            out.append((xa, xb))
            continue
        ca, cb = sa.cycles(xa), sb.cycles(xb)
        if ca == cb:
            out.append((xa, xb))
            continue
        # the blocks of either side with cycles the other side's nodes inside their inputs
        # lack (a cycle gained here and one lost there are both cut out), else the blocks
        # of the side with more cycles, most cycles first
        own_a, own_b = _extra_blocks(sa, xa, sb, xb), _extra_blocks(sb, xb, sa, xa)
        if not len(own_a) and not len(own_b):
            if cb > ca:
                own_b = _cycle_blocks(sb, xb, ca, sa, xa)
            else:
                own_a = _cycle_blocks(sa, xa, cb, sb, xb)
        cut_a, cut_b = own_a, own_b
        if len(own_b):
            cut_a = np.union1d(cut_a, np.intersect1d(_inside_many(sb, sa, [own_b])[0], xa))
        if len(own_a):
            cut_b = np.union1d(cut_b, np.intersect1d(_inside_many(sa, sb, [own_a])[0], xb))
        cut_a, cut_b = cut_a.astype(np.int64), cut_b.astype(np.int64)
        rest_a, rest_b = np.setdiff1d(xa, cut_a), np.setdiff1d(xb, cut_b)
        if min(len(cut_a), len(cut_b)) == 0 or min(len(rest_a), len(rest_b)) < min_size:
            out.append((xa, xb))
            continue
        sel = np.isin(qa, rest_a) & np.isin(qb, rest_b)
        ncomp, lab = _product_components(qa[sel], qb[sel], ca_adj, cb_adj)
        for ga_, gb_ in _groups_by_label(lab, ncomp, qa[sel], qb[sel], sa.n, sb.n, qk[sel]):
            if min(len(ga_), len(gb_)) >= min_size:
                out.append((ga_, gb_))
            else:  # a piece too small to stand alone stays with the cycle it borders
                cut_a, cut_b = np.union1d(cut_a, ga_), np.union1d(cut_b, gb_)
        out.append((cut_a, cut_b))
    return out


def _untorn(side: Side, torn) -> sp.csr_matrix:
    e = side.edges[~torn]
    m = sp.csr_matrix(
        (np.ones(2 * len(e), dtype=np.int32), (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])),
        shape=(side.n, side.n),
    )
    m = m + sp.identity(side.n, dtype=np.int32, format="csr")
    m.data[:] = 1
    return m.tocsr()


#: With ``null="cover"`` a strong pair counts for the statistic only when it shares at least
#: this share of the excess over its chance overlap within the cover elements (and one input).
COVER_EXCESS = 0.25


def _cover_strata(sa: Side, sb: Side) -> np.ndarray:
    """Each input's stratum for ``null="cover"``: the inputs that lie in the same cover
    elements of both graphs (the elements of the nodes holding them). A lens shared by the
    two graphs gives them the same cover; relabelling only within these strata keeps it."""
    held = []  # per graph: inputs x cover elements, True where a node of the element holds it
    for side, what in ((sa, "graph_a"), (sb, "graph_b")):
        if "cover_element" not in side.graph.nodes.columns:
            raise ValueError(
                f"null='cover': {what} has no cover_element column in its node table "
                "(graphs built by build_mapper have one); use null='inputs'"
            )
        _, ce = np.unique(np.asarray(side.graph.nodes["cover_element"]), return_inverse=True)
        ce = ce.ravel()
        element = sp.csr_matrix(
            (np.ones(side.n, dtype=np.int32), (ce, np.arange(side.n))),
            shape=(int(ce.max()) + 1 if side.n else 0, side.n),
        )
        held.append((element @ side.membership).T.astype(bool))
    m = sp.hstack(held, format="csr")
    m.sort_indices()
    keys = np.array(
        [m.indices[m.indptr[i] : m.indptr[i + 1]].tobytes() for i in range(m.shape[0])],
        dtype=object,
    )
    return np.unique(keys, return_inverse=True)[1].ravel()


class _CoverNull(_Null):
    """``null="cover"``: B's inputs relabelled only within their strata
    (:func:`_cover_strata`), and a pair counts only when it beats the overlap its two nodes
    have by chance *within the cover elements* (``sum_s |a & s| |b & s| / |s|``). Under a
    shared lens every pair of nodes in one cover element overlaps far above the chance of
    the whole input set, so the plain null calls such matches significant even when B's
    rows are shuffled; this one asks whether the clusters inside the cover elements agree.
    """

    def __init__(self, sa: Side, sb: Side, p: dict):
        super().__init__(sa, sb, p)
        self.strata = lab = _cover_strata(sa, sb)
        n_strata = int(lab.max()) + 1 if len(lab) else 1
        self.S = sp.csr_matrix(
            (np.ones(len(lab)), (np.arange(len(lab)), lab)), shape=(len(lab), n_strata)
        )
        self.n_s = np.maximum(np.asarray(self.S.sum(axis=0)).ravel(), 1.0)
        self.A = (sa.membership @ self.S).tocsr()  # node x stratum counts
        self.base = np.argsort(lab, kind="stable")
        self._observed = None

    def _pairs(self, mb):
        pa, pb, k, mb = super()._pairs(mb)
        if len(pa) == 0:
            return pa, pb, k, mb
        B = (mb @ self.S).tocsr()
        chance = np.asarray(
            self.A[pa].multiply(B[pb]).multiply(1.0 / self.n_s[None, :]).sum(axis=1)
        ).ravel()
        smaller = np.minimum(self.sa.sizes[pa], self.sb.sizes[pb])
        keep = k >= chance + np.maximum(1.0, COVER_EXCESS * (smaller - chance))
        return pa[keep], pb[keep], k[keep], mb

    def statistic(self, region: Region) -> float:
        """The region's statistic on the pairs that beat the cover's chance."""
        if self._observed is None:  # the observed pairs, once for all regions
            pa, pb, _, mb = self._pairs(self.sb.membership)
            both = self.sa.membership[pa].multiply(mb[pb]).tocsr()
            lab = _product_components(pa, pb, self.sa.closed1, self.sb.closed1)[1]
            self._observed = pa, pb, both, lab
        pa, pb, both, lab = self._observed
        sel = np.isin(pa, region.nodes_a) & np.isin(pb, region.nodes_b)
        if not sel.any():
            return 0.0
        return _connected_matched(lab[sel], both[np.flatnonzero(sel)])

    def permutation(self, rng) -> np.ndarray:
        n = len(self.strata)
        new = np.empty(n, dtype=np.int64)
        new[self.base] = np.lexsort((rng.random_sample(n), self.strata))
        return new


def _p_values(sa, sb, regions, p, rng, progress, start=0.3):
    n_perm = p["n_permutations"]
    if n_perm == 0 or not regions:
        return
    null = (_CoverNull if p["null"] == "cover" else _Null)(sa, sb, p)
    for r in regions:
        r.statistic = null.statistic(r)
    stats = np.array([r.statistic for r in regions])
    exceed = np.zeros(len(regions), dtype=np.int64)
    dtype = sb.membership.indices.dtype
    for t in range(n_perm):
        best = null(null.permutation(rng).astype(dtype))
        exceed += best >= stats - 1e-9
        progress(start + (1 - start) * (t + 1) / n_perm, f"permutation {t + 1}/{n_perm}")
    for r, e in zip(regions, exceed):
        r.p_value = float((1 + e) / (1 + n_perm))


@declare_params(**REGION_PARAMS)
def find_matching_regions(
    graph_a: MapperGraph,
    graph_b: MapperGraph,
    *,
    min_size=3,
    min_coupling=0.5,
    coupling="overlap",
    min_shared=3,
    fold_share=0.25,
    n_permutations=100,
    max_regions=None,
    null="inputs",
    random_state=None,
    progress=None,
) -> list[Region]:
    """Regions where two mapper graphs of the same inputs match, and what differs in each.

    Parameters
    ----------
    graph_a, graph_b : MapperGraph
        Graphs of the same inputs (same ``n_inputs``), ideally built with one shared lens
        so that their cover elements hold the same inputs.
    min_size : int
        Fewest nodes on the larger side of a reported region (a part covered by 3 nodes in
        one graph and by 2 coarser nodes in the other is reported: requiring it of both
        sides dropped such parts whenever the resolutions differ). A smaller piece is
        reported when it holds on each side as many inputs as ``min_size`` nodes of the
        median size, or is a whole connected component of both graphs holding at least one
        median node's inputs (and ``min_shared``).
    min_coupling : float in (0, 1]
        Lowest coupling of a strongly coupled pair of nodes.
    coupling : str or callable
        Coupling measure (a name in :data:`napari_topoalign.align.coupling.COUPLINGS`);
        ``"overlap"`` (``|a ∩ b| / min(|a|, |b|)``) does not depend on resolution.
    min_shared : int
        Fewest shared inputs of a strong pair; a pair whose smaller node holds fewer must
        share all of it (and at least 2), so that graphs of nodes of 2-3 inputs have pairs.
    fold_share : float in (0, 0.5]
        Share of a node's inputs that each of two separate places of the other graph must
        hold for the node to be folded (split or merged there).
    n_permutations : int
        Relabellings of B's inputs for the p-values (0: none; ``p_value`` is NaN).
    max_regions : int, optional
        Report at most this many regions (the strongest).
    null : {"inputs", "cover"}
        ``"inputs"`` (default) relabels B's inputs at random among all inputs. ``"cover"``
        relabels them only among the inputs that lie in the same cover elements of both
        graphs, and counts for the statistic only the strong pairs that beat their chance
        overlap within the cover elements. With a lens shared by both graphs (the default of
        :meth:`Comparison.build_mappers`) the cover alone makes nodes of one cover element
        overlap, which the ``"inputs"`` null counts as agreement: on the MiniLM sample with
        B's rows shuffled and A's lens, 92 % of the inputs lie in "significant" regions with
        ``"inputs"`` and none with ``"cover"``. ``"cover"`` asks the stricter question (do
        the clusters inside the cover elements agree?) and has less power on coarse graphs
        of few clusters per cover element; see docs/regions.md for the measurements.
    random_state : None, int, RandomState or Generator
        Seeds the permutations (the search itself is deterministic).
    progress : callable(fraction, message), optional
        Called after each stage and each permutation; raise
        :class:`napari_topoalign.Cancelled` from it to stop.

    Returns
    -------
    list of Region
        Ranked by their statistic (the most inputs their strong pairs hold in one component
        of the strong product of the two graphs), largest first. Preserved regions share no node with each other or with a changed region;
        changed regions share none with each other.
    """
    p = _check(
        graph_a,
        graph_b,
        dict(
            min_size=min_size,
            min_coupling=min_coupling,
            coupling=coupling,
            min_shared=min_shared,
            fold_share=fold_share,
            n_permutations=n_permutations,
            max_regions=max_regions,
            null=null,
        ),
    )
    rng = check_random_state(random_state)
    progress = check_progress(progress)
    if graph_a.n_nodes == 0 or graph_b.n_nodes == 0:
        progress(1.0, "empty graph: no region")
        return []
    sa, sb = Side(graph_a), Side(graph_b)
    regions = _search(sa, sb, p, progress)
    regions.sort(key=lambda r: (-r.statistic, -r.n_inputs, int(r.nodes_a[0]), int(r.nodes_b[0])))
    if p["max_regions"] is not None:
        regions = regions[: p["max_regions"]]
    _p_values(sa, sb, regions, p, rng, progress)
    # the cover null states each region's statistic on the pairs beyond the cover's chance
    regions.sort(key=lambda r: (-r.statistic, -r.n_inputs, int(r.nodes_a[0]), int(r.nodes_b[0])))
    progress(1.0, f"{len(regions)} region(s)")
    return regions


@declare_params(
    n_permutations=REGION_PARAMS["n_permutations"],
    min_coupling=REGION_PARAMS["min_coupling"],
    coupling=REGION_PARAMS["coupling"],
    min_shared=REGION_PARAMS["min_shared"],
    fold_share=REGION_PARAMS["fold_share"],
    null=REGION_PARAMS["null"],
)
def score_region(
    graph_a: MapperGraph,
    graph_b: MapperGraph,
    nodes_a,
    nodes_b,
    *,
    min_coupling=0.5,
    coupling="overlap",
    min_shared=3,
    fold_share=0.25,
    n_permutations=100,
    null="inputs",
    random_state=None,
) -> Region:
    """Score a given pair of node sets the way :func:`find_matching_regions` scores its
    regions (the same statistic, differences and max-T p-value)."""
    from .._utils.validation import check_index_array

    p = _check(
        graph_a,
        graph_b,
        dict(
            min_size=1,
            min_coupling=min_coupling,
            coupling=coupling,
            min_shared=min_shared,
            fold_share=fold_share,
            n_permutations=n_permutations,
            max_regions=None,
            null=null,
        ),
    )
    nodes_a = np.unique(check_index_array(nodes_a, "nodes_a", graph_a.n_nodes, allow_empty=False))
    nodes_b = np.unique(check_index_array(nodes_b, "nodes_b", graph_b.n_nodes, allow_empty=False))
    rng = check_random_state(random_state)
    sa, sb = Side(graph_a), Side(graph_b)
    K = shared_counts(sa.membership, sb.membership)
    pa, pb, k = _strong_pairs(sa, sb, K, p["fn"], p["min_coupling"], p["min_shared"])
    folded_a, main_ab = _landing(
        pa, pb, k, sa.sizes, sa.n, _keys(sb.closed1), sb.n, p["fold_share"]
    )
    folded_b, main_ba = _landing(
        pb, pa, k, sb.sizes, sb.n, _keys(sa.closed1), sa.n, p["fold_share"]
    )
    pairs = _Pairs(pa, pb, main_ab | main_ba, sa, sb, k)
    torn_a, torn_b = _tears(sa, sb, pa, pb, main_ab, main_ba)
    region = _evaluate(sa, sb, nodes_a, nodes_b, pairs, folded_a, folded_b, torn_a, torn_b)
    _p_values(sa, sb, [region], p, rng, check_progress(None))
    return region


# -- input-level coverage --------------------------------------------------------------------------
def _co_members(graph: MapperGraph) -> sp.csr_matrix:
    m = sp.csr_matrix(graph.membership, dtype=np.int32)
    c = (m.T @ m).tocsr()
    c.data[:] = 1
    return c


def input_agreement(graph_a: MapperGraph, graph_b: MapperGraph) -> np.ndarray:
    """Per input, how far its place in the two graphs agrees: the Jaccard index of its
    *co-members* in A and in B (the inputs that share a node with it, itself included).

    1 when the input's nodes hold the same inputs in both graphs, near the chance level
    (about the size of its nodes over the size of its cover element, with a shared lens)
    when the clusterings inside the cover disagree; 0 for an input in no node of either
    graph. It does not depend on the regions, and falls as the representations diverge:
    a region says *where* the graphs correspond, this says *how closely*, input by input."""
    check_same_inputs([graph_a, graph_b], "graph_a, graph_b")
    ca, cb = _co_members(graph_a), _co_members(graph_b)
    inter = np.asarray(ca.multiply(cb).sum(axis=1)).ravel().astype(np.float64)
    union = np.diff(ca.indptr) + np.diff(cb.indptr) - inter
    return np.where(union > 0, inter / np.maximum(union, 1.0), 0.0)


def covered_share(
    graph_a: MapperGraph, graph_b: MapperGraph, regions, *, alpha=0.05, weighted=True
) -> float:
    """Share of the inputs covered by the significant regions (``p_value <= alpha``).

    ``weighted=True`` (default) counts an input of a significant region by its
    :func:`input_agreement` (an input counts fully only when its node neighbourhood is the
    same in both graphs), so that the share falls as the representations diverge even on
    coarse graphs where every input lies in some significant region; ``weighted=False``
    counts every input of a significant region as 1. Regions without a p-value (NaN) are
    not significant."""
    from .._utils.validation import check_bool, check_real

    alpha = check_real(alpha, "alpha", low=0.0, high=1.0)
    weighted = check_bool(weighted, "weighted")
    check_same_inputs([graph_a, graph_b], "graph_a, graph_b")
    n = graph_a.n_inputs
    if n == 0:
        return 0.0
    covered = np.zeros(n, dtype=bool)
    for r in regions:
        if not isinstance(r, Region):
            raise TypeError(f"regions: must hold Region objects, got {type(r).__name__}")
        if r.p_value <= alpha:
            covered[np.asarray(r.inputs, dtype=np.int64)] = True
    if not weighted:
        return float(covered.mean())
    return float((input_agreement(graph_a, graph_b) * covered).sum() / n)
