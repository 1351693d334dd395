"""Structurally matching regions between two mapper graphs of the same inputs.

The method (``docs/regions.md`` gives it step by step, with the measurements that chose it):

1. **Strong pairs.** Nodes of the two graphs are compared by the inputs they hold. A pair
   ``(a, b)`` is *strongly coupled* when its coupling (by default the overlap coefficient
   ``|a ∩ b| / min(|a|, |b|)``, which does not depend on the resolution of either graph) is
   at least ``min_coupling``, they share at least ``min_shared`` inputs, and they share at
   least twice what two unrelated nodes of their sizes would.
2. **Where each node lands.** A node's strong partners are grouped by distance in the other
   graph (at most two edges apart: one group). A group is substantial when it holds at least
   ``fold_share`` of the node's inputs. A node with two substantial groups is *folded*: its
   inputs lie together in its own graph and in separate places of the other. An edge whose
   two ends land more than two edges apart is *torn*.
3. **Differences.** Every folded node, torn edge and group of nodes without any strong
   partner seeds a difference; it is widened to the unit of structure it belongs to (its
   block — a loop, a blob — or its chain — an arm, a path) and to the units its inputs land
   in on the other side. Seeds that share a node are one region.
4. **Preserved regions.** The strong pairs outside every difference form a product graph:
   ``(a, b)`` and ``(a', b')`` are joined when ``a = a'`` or ``a a'`` is an edge that is not
   torn, and the same for ``b, b'``. Each connected component gives the node sets of a
   region, connected in both graphs; a change of resolution moves along one graph while the
   other stays on a node.
5. **What each region is.** Components, independent cycles (of the flag complex, so that a
   loop is one cycle at any resolution) and folds of both sides, the Jaccard index of their
   inputs and the share of inputs in strongly coupled pairs give the differences (cycles
   lost or gained, split, merged, rearranged, inputs elsewhere) and the scores.
6. **Significance.** The statistic of a region is the number of its inputs in strongly
   coupled pairs plus its shared inputs beyond chance. ``n_permutations`` times, B's inputs
   are relabelled (its membership columns permuted) and the search's building blocks (the
   product-graph components and the groups without partners) are found again; a region's
   p-value is the share of permutations whose best block reaches its statistic (single-step
   max-T: corrected for every region reported, and for the search that chose them).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from .._utils.params import Param, declare_params
from .._utils.progress import check_progress
from .._utils.validation import check_random_state
from ..model import MapperGraph, Region
from ._regions_graph import Side, flag_betti1, n_components
from .coupling import COUPLINGS, check_same_inputs, coupling_measure, shared_counts

__all__ = ["Region", "find_matching_regions", "score_region", "REGION_PARAMS"]

#: A strong pair shares at least this many times what two unrelated nodes would.
MIN_LIFT = 2.0
#: A node's inputs inside the other side's inputs for it to join a group without partners.
INSIDE = 0.5

REGION_PARAMS = dict(
    min_size=Param(3, "int", low=1, high=1_000_000, help="fewest nodes on each side of a region"),
    min_coupling=Param(
        0.5, "float", low=0.0, high=1.0, low_open=True,
        help="lowest coupling of a strongly coupled node pair",
    ),
    coupling=Param(
        "overlap", "choice", choices=COUPLINGS.names,
        help="coupling measure of node pairs (overlap: independent of resolution)",
    ),
    min_shared=Param(3, "int", low=1, high=1_000_000, help="fewest shared inputs of a strong pair"),
    fold_share=Param(
        0.25, "float", low=0.0, high=0.5, low_open=True,
        help="share of a node's inputs a separate place must hold to count as a fold",
    ),
    n_permutations=Param(100, "int", low=0, high=100_000, help="permutations for the p-values (0: none)"),
    max_regions=Param(None, "int", low=1, high=10**9, none_ok=True, help="report at most this many regions"),
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
    keep = (val >= min_coupling) & (k >= min_shared) & (k * n >= MIN_LIFT * size_a * size_b)
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
    """Edges of ``side`` whose two ends (both with partners) land more than two edges apart."""
    e = side.edges
    if len(e) == 0 or len(main_x) == 0:
        return np.zeros(len(e), dtype=bool)
    pm = sp.csr_matrix((np.ones(len(main_x), dtype=np.int32), (main_x, main_y)), shape=(side.n, n_y))
    pm.data[:] = 1
    reach = (pm @ closed2_y).tocsr()
    reach.data[:] = 1
    near = np.asarray(reach[e[:, 0]].multiply(pm[e[:, 1]]).sum(axis=1)).ravel() > 0
    has = np.diff(pm.indptr) > 0
    return has[e[:, 0]] & has[e[:, 1]] & ~near


# -- step 3: differences --------------------------------------------------------------------------
def _partners(nodes, px, py, n_y):
    if len(nodes) == 0 or len(px) == 0:
        return np.zeros(0, dtype=np.int64)
    mask = np.zeros(int(px.max()) + 1 if len(px) else 0, dtype=bool)
    nodes = nodes[nodes < len(mask)]
    mask[nodes] = True
    return np.unique(py[mask[px]])


def _inside(side: Side, inputs: np.ndarray) -> np.ndarray:
    """Nodes of ``side`` that hold at least :data:`INSIDE` of their inputs in ``inputs``."""
    if len(inputs) == 0:
        return np.zeros(0, dtype=np.int64)
    mask = np.zeros(side.n_inputs, dtype=np.float64)
    mask[inputs] = 1.0
    held = side.membership @ mask
    return np.flatnonzero(held >= INSIDE * side.sizes)


def _unmatched_groups(sx: Side, sy: Side, unmatched_x, unmatched_y, Mx, My):
    """Connected groups of nodes of X without any strong partner, each with the nodes of Y
    without a strong partner that hold at least half their inputs inside the group's."""
    idx = np.flatnonzero(unmatched_x)
    out = []
    if len(idx) == 0:
        return out
    ncomp, lab = connected_components(sx.adj[idx][:, idx], directed=False)
    ind = sp.csr_matrix((np.ones(len(idx), dtype=np.int32), (lab, idx)), shape=(ncomp, sx.n))
    comp_inputs = (ind @ Mx).tocsr()
    comp_inputs.data[:] = 1
    ycand = np.flatnonzero(unmatched_y)
    if len(ycand):
        inside = (My[ycand] @ comp_inputs.T).toarray() / sy.sizes[ycand][:, None]
        best = inside.argmax(axis=1)
        ok = inside[np.arange(len(ycand)), best] >= INSIDE
    for g in range(ncomp):
        nodes_x = idx[lab == g]
        nodes_y = ycand[ok & (best == g)] if len(ycand) else np.zeros(0, dtype=np.int64)
        out.append((nodes_x, nodes_y))
    return out


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
    inc = sp.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols + ns)), shape=(ns + na + nb,) * 2)
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


def _groups_by_label(lab, ncomp, pa, pb, na, nb):
    """Node sets of each product component, components sharing a node joined."""
    seeds = []
    order = np.argsort(lab, kind="stable")
    bounds = np.searchsorted(lab[order], np.arange(ncomp + 1))
    for g in range(ncomp):
        sel = order[bounds[g] : bounds[g + 1]]
        seeds.append((np.unique(pa[sel]), np.unique(pb[sel])))
    return _merge_seeds(seeds, na, nb)


# -- step 5: scores ------------------------------------------------------------------------------
def _ratio(x: int, y: int) -> float:
    return (1.0 + min(x, y)) / (1.0 + max(x, y))


class _Pairs:
    """The strong pairs with fast lookup of those inside a region."""

    def __init__(self, pa, pb, ok):
        self.pa, self.pb, self.ok = pa, pb, ok

    def inside(self, nodes_a, nodes_b, na, nb):
        ma = np.zeros(na, dtype=bool)
        ma[nodes_a] = True
        mb = np.zeros(nb, dtype=bool)
        mb[nodes_b] = True
        sel = self.ok & ma[self.pa] & mb[self.pb]
        return self.pa[sel], self.pb[sel]


def _n_torn(side: Side, torn, nodes) -> tuple[int, int]:
    """Torn edges and all edges of ``side`` inside ``nodes``."""
    inside = np.zeros(side.n, dtype=bool)
    inside[nodes] = True
    e = side.edges
    sel = inside[e[:, 0]] & inside[e[:, 1]] if len(e) else np.zeros(0, dtype=bool)
    return int((sel & torn).sum()), int(sel.sum())


def _evaluate(sa: Side, sb: Side, nodes_a, nodes_b, pairs: _Pairs, folded_a, folded_b, torn_a, torn_b):
    n = sa.n_inputs
    ia, ib = sa.inputs_of(nodes_a), sb.inputs_of(nodes_b)
    shared = np.intersect1d(ia, ib, assume_unique=True)
    union = len(ia) + len(ib) - len(shared)
    overlap = len(shared) / union if union else 0.0
    qa, qb = pairs.inside(nodes_a, nodes_b, sa.n, sb.n)
    if len(qa):
        both = sa.membership[qa].multiply(sb.membership[qb]).tocsr()
        matched_inputs = np.unique(both.indices).astype(np.int64)
    else:
        matched_inputs = np.zeros(0, dtype=np.int64)
    m = len(matched_inputs)
    matched = m / union if union else 0.0
    adj_a, adj_b = sa.sub_adjacency(nodes_a), sb.sub_adjacency(nodes_b)
    comps = (n_components(adj_a), n_components(adj_b))
    cycles = (flag_betti1(adj_a), flag_betti1(adj_b))
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
    excess = len(shared) - len(ia) * len(ib) / n if n else 0.0
    differences = []
    if cycles[1] < cycles[0]:
        differences.append("cycles lost")
    elif cycles[1] > cycles[0]:
        differences.append("cycles gained")
    if comps[1] > comps[0] or folds[0] > 0 or ta > 0:
        differences.append("split")
    if comps[1] < comps[0] or folds[1] > 0 or tb > 0:
        differences.append("merged")
    if overlap >= 0.5 and matched < 0.5:
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
        statistic=float(m + max(excess, 0.0)),
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


def _excess(ind_a, ind_b, Ma, Mb, n):
    ia = (ind_a @ Ma).tocsr()
    ib = (ind_b @ Mb).tocsr()
    ia.data[:] = 1
    ib.data[:] = 1
    size_a = np.diff(ia.indptr)
    size_b = np.diff(ib.indptr)
    shared = np.asarray(ia.multiply(ib).sum(axis=1)).ravel()
    return shared - size_a * size_b / n


def _null_max(sa: Side, sb: Side, Mb_perm, fn, min_coupling, min_shared) -> float:
    """An upper bound of the largest statistic of a region the search could report on
    permuted inputs: the largest of the components of the full strong product (no pair
    removed) and of every strong pair's shared inputs together with the best group without
    partners (a changed region can gather both)."""
    n = sa.n_inputs
    K = shared_counts(sa.membership, Mb_perm)
    pa, pb, k = _strong_pairs(sa, sb, K, fn, min_coupling, min_shared)
    best = 0.0
    total = float(k.sum())
    if len(pa):
        ncomp, lab = _product_components(pa, pb, sa.closed1, sb.closed1)
        mass = np.bincount(lab, weights=k, minlength=ncomp)
        ind_a = sp.csr_matrix((np.ones(len(pa), dtype=np.int32), (lab, pa)), shape=(ncomp, sa.n))
        ind_b = sp.csr_matrix((np.ones(len(pb), dtype=np.int32), (lab, pb)), shape=(ncomp, sb.n))
        ex = _excess(ind_a, ind_b, sa.membership, Mb_perm, n)
        best = float(np.max(mass + np.maximum(ex, 0.0)))
    un_a = np.ones(sa.n, dtype=bool)
    un_a[pa] = False
    un_b = np.ones(sb.n, dtype=bool)
    un_b[pb] = False
    sb_perm = _SideView(sb, Mb_perm)
    best_unmatched = 0.0
    for sx, sy, ux, uy, Mx, My in (
        (sa, sb_perm, un_a, un_b, sa.membership, Mb_perm),
        (sb_perm, sa, un_b, un_a, Mb_perm, sa.membership),
    ):
        groups = _unmatched_groups(sx, sy, ux, uy, Mx, My)
        groups = [(gx, gy) for gx, gy in groups if len(gy)]
        if not groups:
            continue
        rows_x = np.concatenate([np.full(len(gx), g) for g, (gx, _) in enumerate(groups)])
        rows_y = np.concatenate([np.full(len(gy), g) for g, (_, gy) in enumerate(groups)])
        ind_x = sp.csr_matrix(
            (np.ones(len(rows_x), dtype=np.int32), (rows_x, np.concatenate([g[0] for g in groups]))),
            shape=(len(groups), sx.n),
        )
        ind_y = sp.csr_matrix(
            (np.ones(len(rows_y), dtype=np.int32), (rows_y, np.concatenate([g[1] for g in groups]))),
            shape=(len(groups), sy.n),
        )
        ex = _excess(ind_x, ind_y, Mx, My, n)
        best_unmatched = max(best_unmatched, float(np.max(ex)))
    return max(best, total + best_unmatched)


class _SideView:
    """A side with another membership (the permuted inputs) and the same graph."""

    def __init__(self, side: Side, membership):
        self.n = side.n
        self.adj = side.adj
        self.sizes = side.sizes
        self.membership = membership


# -- the public functions -------------------------------------------------------------------------
def _check(graph_a, graph_b, params: dict) -> dict:
    check_same_inputs([graph_a, graph_b], "graph_a, graph_b")
    out = {}
    for key, spec in REGION_PARAMS.items():
        out[key] = spec.check(params[key], key)
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
    torn_a = _torn(sa, pa[main_ab], pb[main_ab], sb.n, sb.closed2)
    torn_b = _torn(sb, pb[main_ba], pa[main_ba], sa.n, sa.closed2)
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
    seeds = [(xa, np.union1d(xb, _inside(sb, sa.inputs_of(xa)))) for xa, xb in seeds]
    seeds = [(np.union1d(xa, _inside(sa, sb.inputs_of(xb))), xb) for xa, xb in seeds]
    diffs = _merge_seeds(seeds, sa.n, sb.n)
    diffs = [(xa, np.union1d(xb, _inside(sb, sa.inputs_of(xa)))) for xa, xb in diffs]
    diffs = [(np.union1d(xa, _inside(sa, sb.inputs_of(xb))), xb) for xa, xb in diffs]
    diffs = _merge_seeds(diffs, sa.n, sb.n)
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
    kept = _groups_by_label(lab, ncomp, qa, qb, sa.n, sb.n)
    progress(0.25, "preserved regions")

    pairs = _Pairs(pa, pb, main)
    regions = []
    for xa, xb in kept + diffs:
        if len(xa) == 0 or len(xb) == 0:
            continue
        if min(len(xa), len(xb)) < p["min_size"]:
            continue
        regions.append(_evaluate(sa, sb, xa, xb, pairs, folded_a, folded_b, torn_a, torn_b))
    return regions


def _untorn(side: Side, torn) -> sp.csr_matrix:
    e = side.edges[~torn]
    m = sp.csr_matrix(
        (np.ones(2 * len(e), dtype=np.int32), (np.r_[e[:, 0], e[:, 1]], np.r_[e[:, 1], e[:, 0]])),
        shape=(side.n, side.n),
    )
    m = m + sp.identity(side.n, dtype=np.int32, format="csr")
    m.data[:] = 1
    return m.tocsr()


def _p_values(sa, sb, regions, p, rng, progress, start=0.3):
    n_perm = p["n_permutations"]
    if n_perm == 0 or not regions:
        return
    n = sa.n_inputs
    stats = np.array([r.statistic for r in regions])
    exceed = np.zeros(len(regions), dtype=np.int64)
    for t in range(n_perm):
        label = rng.permutation(n).astype(sb.membership.indices.dtype)
        mb = _permuted(sb.membership, label)
        best = _null_max(sa, sb, mb, p["fn"], p["min_coupling"], p["min_shared"])
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
        Fewest nodes on each side of a reported region.
    min_coupling : float in (0, 1]
        Lowest coupling of a strongly coupled pair of nodes.
    coupling : str or callable
        Coupling measure (a name in :data:`napari_topoalign.align.coupling.COUPLINGS`);
        ``"overlap"`` (``|a ∩ b| / min(|a|, |b|)``) does not depend on resolution.
    min_shared : int
        Fewest shared inputs of a strong pair.
    fold_share : float in (0, 0.5]
        Share of a node's inputs that each of two separate places of the other graph must
        hold for the node to be folded (split or merged there).
    n_permutations : int
        Relabellings of B's inputs for the p-values (0: none; ``p_value`` is NaN).
    max_regions : int, optional
        Report at most this many regions (the strongest).
    random_state : None, int, RandomState or Generator
        Seeds the permutations (the search itself is deterministic).
    progress : callable(fraction, message), optional
        Called after each stage and each permutation; raise
        :class:`napari_topoalign.Cancelled` from it to stop.

    Returns
    -------
    list of Region
        Ranked by their statistic (matched inputs plus shared inputs beyond chance), largest
        first. Preserved regions share no node with each other or with a changed region;
        changed regions share none with each other.
    """
    p = _check(
        graph_a,
        graph_b,
        dict(
            min_size=min_size, min_coupling=min_coupling, coupling=coupling, min_shared=min_shared,
            fold_share=fold_share, n_permutations=n_permutations, max_regions=max_regions,
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
    progress(1.0, f"{len(regions)} region(s)")
    return regions


@declare_params(
    n_permutations=REGION_PARAMS["n_permutations"],
    min_coupling=REGION_PARAMS["min_coupling"],
    coupling=REGION_PARAMS["coupling"],
    min_shared=REGION_PARAMS["min_shared"],
    fold_share=REGION_PARAMS["fold_share"],
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
    random_state=None,
) -> Region:
    """Score a given pair of node sets the way :func:`find_matching_regions` scores its
    regions (the same statistic, differences and max-T p-value)."""
    from .._utils.validation import check_index_array

    p = _check(
        graph_a,
        graph_b,
        dict(
            min_size=1, min_coupling=min_coupling, coupling=coupling, min_shared=min_shared,
            fold_share=fold_share, n_permutations=n_permutations, max_regions=None,
        ),
    )
    nodes_a = np.unique(check_index_array(nodes_a, "nodes_a", graph_a.n_nodes, allow_empty=False))
    nodes_b = np.unique(check_index_array(nodes_b, "nodes_b", graph_b.n_nodes, allow_empty=False))
    rng = check_random_state(random_state)
    sa, sb = Side(graph_a), Side(graph_b)
    K = shared_counts(sa.membership, sb.membership)
    pa, pb, k = _strong_pairs(sa, sb, K, p["fn"], p["min_coupling"], p["min_shared"])
    folded_a, main_ab = _landing(pa, pb, k, sa.sizes, sa.n, _keys(sb.closed1), sb.n, p["fold_share"])
    folded_b, main_ba = _landing(pb, pa, k, sb.sizes, sb.n, _keys(sa.closed1), sa.n, p["fold_share"])
    pairs = _Pairs(pa, pb, main_ab | main_ba)
    torn_a = _torn(sa, pa[main_ab], pb[main_ab], sb.n, sb.closed2)
    torn_b = _torn(sb, pb[main_ba], pa[main_ba], sa.n, sa.closed2)
    region = _evaluate(sa, sb, nodes_a, nodes_b, pairs, folded_a, folded_b, torn_a, torn_b)
    _p_values(sa, sb, [region], p, rng, check_progress(None))
    return region
