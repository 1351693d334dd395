"""Planted structures in two graphs of the same inputs, with ground truth, for matching regions.

:func:`make_planted_graphs` builds two mapper-like graphs A and B directly from latent
positions of the inputs, so that the ground truth does not depend on any mapper parameter:

- every *structure* is a set of inputs with latent positions on a shape: a **loop** (an
  angle), a **path** (a position in [0, 1]), a **branch** (a Y: an arm and a position along
  it) or a **blob** (a point of the unit disc);
- each graph covers each structure with overlapping patches of the latent space (intervals
  along a loop, a path or an arm, a grid of squares over a blob), one node per patch holding
  the inputs inside it; nodes that share inputs are joined. The number of patches differs
  between A and B for *every* structure (A finer or coarser at random), and every input's
  latent position is jittered independently in each graph, so that the nodes of A and B never
  nest exactly;
- the structures are joined into **one connected graph** by thin **bridges** (short chains
  of small nodes holding their own inputs, plus three inputs of each structure they join),
  identical in both graphs: a random spanning tree of the structures, and ``extra_bridges``
  more bridges that close cycles through several structures;
- a share ``misplaced`` of the inputs of every structure sits at a random latent position of
  its structure in B (a little disagreement everywhere).

*Kept* kinds have the same shape in A and B. *Changed* kinds differ:

``"cut_loop"``
    a loop in A, the same angles covered as a path in B (cut open at a random angle);
    expected difference ``"cycles lost"``.
``"shuffled"``
    a path in A; in B the inputs' positions are shuffled within the path:
    ``"rearranged"``.
``"merged_arms"``
    a Y in A; in B the inputs of its two arms lie on one arm (a path): ``"merged"``. Only
    the inputs of those two arms count as changed; the stem is the same in both.
``"split_blob"``
    a blob in A; in B its inputs on either side of a random line through its centre form two
    separate blobs: ``"split"``.
``"blob_shuffled"``
    a blob in A; in B the inputs' positions are shuffled within the blob: ``"rearranged"``.

The truth (:class:`PlantedTruth`) holds each structure's inputs, kind and expected
difference, and :meth:`PlantedTruth.evaluate` scores a list of regions against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._utils.validation import check_generator, check_int, check_real
from ..model import MapperGraph

__all__ = ["make_planted_graphs", "PlantedTruth", "KEPT_KINDS", "CHANGED_KINDS", "EXPECTED"]

KEPT_KINDS = ("loop", "path", "branch", "blob")
CHANGED_KINDS = ("cut_loop", "shuffled", "merged_arms", "split_blob", "blob_shuffled")
#: The difference a region should state for each changed kind.
EXPECTED = {
    "cut_loop": "cycles lost",
    "shuffled": "rearranged",
    "merged_arms": "merged",
    "split_blob": "split",
    "blob_shuffled": "rearranged",
}
_MIN_NODE = 3


@dataclass
class PlantedTruth:
    """Ground truth of :func:`make_planted_graphs`.

    Attributes
    ----------
    structures : list of dict
        One per structure: ``name``, ``kind``, ``changed`` (bool), ``expected`` (the
        difference a region should state, or None), ``inputs`` (all its inputs),
        ``changed_inputs`` (those arranged differently in B; empty for kept kinds) and
        ``patches`` (the numbers of patches in A and in B).
    bridge_inputs : ndarray
        The inputs held only by bridges.
    n_inputs : int
    """

    structures: list[dict[str, Any]]
    bridge_inputs: np.ndarray
    n_inputs: int
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def kept_inputs(self) -> np.ndarray:
        parts = [s["inputs"] for s in self.structures if not s["changed"]]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    @property
    def changed_inputs(self) -> np.ndarray:
        parts = [s["changed_inputs"] for s in self.structures if s["changed"]]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)

    def evaluate(self, regions, *, alpha: float = 0.05, whole: float = 0.9) -> dict[str, Any]:
        """Score ``regions`` (from :func:`~napari_topoalign.align.find_matching_regions`).

        With ``R`` the shared inputs of the *significant* (``p_value <= alpha``; all when
        no p-value was computed) *preserved* regions:

        - ``recall``: share of the inputs of kept structures in ``R``;
        - ``precision``: share of ``R`` outside the changed inputs (bridges count as kept);
        - ``preserved_whole``: changed structures with at least ``whole`` of their changed
          inputs in ``R`` (should be empty);
        - ``differences``: for each changed structure, the differences stated by the changed
          region holding most of its changed inputs (None when no changed region holds at
          least half of them: not reported), and ``wrong``: the reported ones whose stated
          differences miss the expected one.
        """

        def significant(r):
            return np.isnan(r.p_value) or r.p_value <= alpha

        pres = [r for r in regions if r.kind == "preserved" and significant(r)]
        R = (
            np.unique(np.concatenate([r.inputs for r in pres]))
            if pres
            else np.zeros(0, dtype=np.int64)
        )
        kept = self.kept_inputs
        changed = self.changed_inputs
        recall = float(np.isin(kept, R).mean()) if len(kept) else 1.0
        precision = float(1.0 - np.isin(R, changed).mean()) if len(R) else 1.0
        whole_list, stated, wrong, shares = [], {}, [], {}
        for s in self.structures:
            if not s["changed"]:
                continue
            ci = s["changed_inputs"]
            share = float(np.isin(ci, R).mean()) if len(ci) else 0.0
            shares[s["name"]] = share
            if share >= whole:
                whole_list.append(s["name"])
            best, best_share = None, 0.0
            for r in regions:
                if r.kind != "changed":
                    continue
                held = float(np.isin(ci, r.inputs).mean())
                if held > best_share:
                    best, best_share = r, held
            if best is not None and best_share >= 0.5:
                stated[s["name"]] = list(best.differences)
                if s["expected"] not in best.differences:
                    wrong.append(s["name"])
            else:
                stated[s["name"]] = None
        return {
            "recall": recall,
            "precision": precision,
            "preserved_whole": whole_list,
            "preserved_share": shares,
            "differences": stated,
            "wrong": wrong,
            "n_regions": len(regions),
        }


# -- covers of latent shapes -----------------------------------------------------------------
def _intervals(t, k, overlap, cyclic):
    """Index arrays of the ``k`` overlapping intervals of [0, 1) that hold each ``t``."""
    w = 1.0 / k
    out = []
    for j in range(k):
        lo, hi = j * w - overlap * w, (j + 1) * w + overlap * w
        if cyclic:
            d = (t - lo) % 1.0
            inside = d <= hi - lo
        else:
            inside = (t >= lo) & (t <= hi)
        out.append(np.flatnonzero(inside))
    return out


def _grid(uv, k, overlap):
    w = 1.0 / k
    out = []
    for i in range(k):
        for j in range(k):
            lo_i, hi_i = i * w - overlap * w, (i + 1) * w + overlap * w
            lo_j, hi_j = j * w - overlap * w, (j + 1) * w + overlap * w
            inside = (
                (uv[:, 0] >= lo_i) & (uv[:, 0] <= hi_i) & (uv[:, 1] >= lo_j) & (uv[:, 1] <= hi_j)
            )
            out.append(np.flatnonzero(inside))
    return out


def _branch_patches(arm, t, k, overlap, arms):
    """A junction patch (all arms near 0) and ``k - 1`` patches along each arm."""
    w = 1.0 / k
    out = [np.flatnonzero(t <= w * (1 + overlap))]
    for a in arms:
        on = arm == a
        for j in range(1, k):
            lo, hi = j * w - overlap * w, (j + 1) * w + overlap * w
            out.append(np.flatnonzero(on & (t >= lo) & (t <= hi)))
    return out


def _n_parts(patches) -> int:
    """Connected components of the nerve of ``patches`` (index arrays)."""
    from scipy.sparse.csgraph import connected_components

    if not patches:
        return 0
    rows = np.concatenate([np.full(len(q), i) for i, q in enumerate(patches)])
    cols = np.concatenate(patches)
    m = sp.csr_matrix(
        (np.ones(len(cols)), (rows, cols)), shape=(len(patches), int(cols.max()) + 1)
    )
    return int(connected_components(m @ m.T, directed=False)[0])


def _clip01(x):
    return np.clip(x, 0.0, 1.0 - 1e-9)


def _disc(rng, n):
    r = np.sqrt(rng.uniform(0, 1, n))
    a = rng.uniform(0, 2 * np.pi, n)
    return np.c_[r * np.cos(a), r * np.sin(a)]


def make_planted_graphs(
    kept=KEPT_KINDS,
    changed=CHANGED_KINDS,
    *,
    n_copies: int = 1,
    n_points: int = 200,
    patches=(5, 12),
    overlap: float = 0.3,
    jitter: float = 0.01,
    misplaced: float = 0.02,
    bridge_nodes: int = 3,
    extra_bridges: int = 0,
    random_state=None,
):
    """Two graphs with planted kept and changed structures, and the truth.

    Parameters
    ----------
    kept, changed : sequence of str
        Kinds of kept (:data:`KEPT_KINDS`) and changed (:data:`CHANGED_KINDS`) structures,
        each planted ``n_copies`` times.
    n_points : int
        Inputs per structure.
    patches : (int, int)
        Range of the number of patches along a loop, a path or an arm; a blob gets about
        the square root of it per side (at least 3). A and B draw different numbers (at
        least 2 apart along a line, 1 per blob side) for every structure.
    overlap : float in [0, 0.5)
        Share of a patch's width that it extends into each neighbour.
    jitter : float
        Standard deviation of the independent latent jitter of each input in each graph.
    misplaced : float in [0, 1)
        Share of each structure's inputs placed at a random position of it in B.
    bridge_nodes : int
        Nodes per bridge.
    extra_bridges : int
        Bridges beyond the spanning tree (they close cycles through several structures).
    random_state : None, int, RandomState or Generator

    Returns
    -------
    graph_a, graph_b : MapperGraph
    truth : PlantedTruth
    """
    rng = check_generator(random_state)
    n_copies = check_int(n_copies, "n_copies", minimum=1, maximum=1000)
    n_points = check_int(n_points, "n_points", minimum=20, maximum=10**6)
    overlap = check_real(overlap, "overlap", low=0.0, high=0.5, high_open=True)
    jitter = check_real(jitter, "jitter", low=0.0, high=0.5)
    misplaced = check_real(misplaced, "misplaced", low=0.0, high=1.0, high_open=True)
    bridge_nodes = check_int(bridge_nodes, "bridge_nodes", minimum=1, maximum=100)
    extra_bridges = check_int(extra_bridges, "extra_bridges", minimum=0, maximum=10_000)
    lo, hi = (check_int(v, "patches", minimum=3, maximum=1000) for v in patches)
    if hi < lo + 2:
        raise ValueError(
            f"patches: expected (low, high) with high >= low + 2, got {tuple(patches)}"
        )
    kinds = []
    for kind in kept:
        if kind not in KEPT_KINDS:
            raise ValueError(f"kept: unknown kind {kind!r}; choose from {KEPT_KINDS}")
        kinds += [(kind, False)] * n_copies
    for kind in changed:
        if kind not in CHANGED_KINDS:
            raise ValueError(f"changed: unknown kind {kind!r}; choose from {CHANGED_KINDS}")
        kinds += [(kind, True)] * n_copies
    if not kinds:
        raise ValueError("kept, changed: plant at least one structure")
    order = rng.permutation(len(kinds))
    kinds = [kinds[i] for i in order]

    nodes_a: list[np.ndarray] = []
    nodes_b: list[np.ndarray] = []
    structures = []
    start = 0
    latent_pos = []  # per structure: (inputs, positions used to pick bridge attachments)
    for s, (kind, is_changed) in enumerate(kinds):
        for _attempt in range(50):
            n = n_points
            ids = np.arange(start, start + n)
            blob = kind in ("blob", "split_blob", "blob_shuffled")
            if blob:
                klo, khi = max(3, int(round(np.sqrt(lo)))), max(4, int(round(np.sqrt(hi))) + 1)
                gap = 1
            else:
                klo, khi, gap = lo, hi, 2
            while True:
                ka, kb = (int(v) for v in rng.integers(klo, khi + 1, size=2))
                if abs(ka - kb) >= gap:
                    break

            def jit(x, _n=n):
                return x + rng.normal(0.0, jitter, size=x.shape) if jitter else x.copy()

            moved = rng.random(n) < misplaced
            changed_inputs = ids.copy() if is_changed else np.zeros(0, dtype=np.int64)
            if kind in ("loop", "cut_loop"):
                t = rng.uniform(0, 1, n)
                ta, tb = jit(t) % 1.0, jit(t) % 1.0
                tb[moved] = rng.uniform(0, 1, moved.sum())
                pa = _intervals(ta, ka, overlap, cyclic=True)
                if kind == "loop":
                    pb = _intervals(tb, kb, overlap, cyclic=True)
                else:
                    cut = rng.uniform(0, 1)
                    pb = _intervals((tb - cut) % 1.0, kb, overlap, cyclic=False)
                pos = np.c_[np.cos(2 * np.pi * t), np.sin(2 * np.pi * t)]
            elif kind in ("path", "shuffled"):
                t = rng.uniform(0, 1, n)
                ta, tb = _clip01(jit(t)), _clip01(jit(t))
                tb[moved] = rng.uniform(0, 1, moved.sum())
                if kind == "shuffled":
                    tb = tb[rng.permutation(n)]
                pa = _intervals(ta, ka, overlap, cyclic=False)
                pb = _intervals(tb, kb, overlap, cyclic=False)
                pos = np.c_[t, np.zeros(n)]
            elif kind in ("branch", "merged_arms"):
                arm = rng.integers(0, 3, n)
                t = rng.uniform(0, 1, n)
                ta, tb = _clip01(jit(t)), _clip01(jit(t))
                tb[moved] = rng.uniform(0, 1, moved.sum())
                pa = _branch_patches(arm, ta, ka, overlap, (0, 1, 2))
                if kind == "branch":
                    pb = _branch_patches(arm, tb, kb, overlap, (0, 1, 2))
                else:
                    merged = np.where(arm == 2, 1, arm)
                    pb = _branch_patches(merged, tb, kb, overlap, (0, 1))
                    changed_inputs = ids[(arm != 0) & (t > 1.0 / min(ka, kb) * (1 + overlap))]
                ang = arm * 2 * np.pi / 3
                pos = np.c_[t * np.cos(ang), t * np.sin(ang)]
            else:  # blobs
                xy = _disc(rng, n)
                uv = (xy + 1.0) / 2.0
                ua, ub = _clip01(jit(uv)), _clip01(jit(uv))
                ub[moved] = (_disc(rng, int(moved.sum())) + 1.0) / 2.0
                pa = _grid(ua, ka, overlap)
                if kind == "blob":
                    pb = _grid(ub, kb, overlap)
                elif kind == "blob_shuffled":
                    pb = _grid(ub[rng.permutation(n)], kb, overlap)
                else:
                    angle = rng.uniform(0, np.pi)
                    normal = np.array([np.cos(angle), np.sin(angle)])
                    side = (xy @ normal) >= 0
                    pb = []
                    for half in (side, ~side):
                        idx = np.flatnonzero(half)
                        pb += [idx[p] for p in _grid(ub[idx], kb, overlap)]
                pos = xy
            pa = [q for q in pa if len(q) >= _MIN_NODE]
            pb = [q for q in pb if len(q) >= _MIN_NODE]
            want_b = 2 if kind == "split_blob" else 1
            if _n_parts(pa) == 1 and _n_parts(pb) == want_b:
                break
        else:  # pragma: no cover - needs far too few points per patch
            raise ValueError(
                f"n_points: {n_points} inputs are too few for {kind} at {ka}/{kb} patches; "
                "give more points or fewer patches"
            )
        for patch in pa:
            if len(patch) >= _MIN_NODE:
                nodes_a.append(ids[patch])
        for patch in pb:
            if len(patch) >= _MIN_NODE:
                nodes_b.append(ids[patch])
        structures.append(
            {
                "name": f"{kind}_{s}",
                "kind": kind,
                "changed": is_changed,
                "expected": EXPECTED.get(kind) if is_changed else None,
                "inputs": ids,
                "changed_inputs": np.asarray(changed_inputs, dtype=np.int64),
                "patches": (ka, kb),
            }
        )
        latent_pos.append((ids[~moved], pos[~moved]))
        start += n_points

    # bridges: a random spanning tree and extra_bridges more, identical in both graphs
    links = [(int(rng.integers(0, s)), s) for s in range(1, len(kinds))]
    for _ in range(extra_bridges if len(kinds) > 2 else 0):
        r, s = rng.choice(len(kinds), size=2, replace=False)
        links.append((int(r), int(s)))
    bridge_inputs = []
    per_node, shared = 6, 2
    for r, s in links:
        attach = []
        for q in (r, s):
            ids, pos = latent_pos[q]
            centre = pos[rng.integers(len(ids))]
            near = np.argsort(np.linalg.norm(pos - centre, axis=1))[:3]
            attach.append(ids[near])
        step = per_node - shared
        count = step * (bridge_nodes - 1) + per_node
        own = np.arange(start, start + count)
        start += count
        bridge_inputs.append(own)
        for j in range(bridge_nodes):
            members = own[j * step : j * step + per_node]
            if j == 0:
                members = np.r_[attach[0], members]
            if j == bridge_nodes - 1:
                members = np.r_[members, attach[1]]
            nodes_a.append(members)
            nodes_b.append(members)
    n_inputs = start

    def graph(nodes, name):
        rows = np.concatenate([np.full(len(m), i) for i, m in enumerate(nodes)])
        cols = np.concatenate(nodes)
        m = sp.csr_matrix(
            (np.ones(len(cols), dtype=bool), (rows, cols)), shape=(len(nodes), n_inputs)
        )
        return MapperGraph.from_membership(
            m, name=name, params={"generator": "make_planted_graphs"}
        )

    truth = PlantedTruth(
        structures=structures,
        bridge_inputs=np.concatenate(bridge_inputs)
        if bridge_inputs
        else np.zeros(0, dtype=np.int64),
        n_inputs=n_inputs,
        params=dict(
            kept=list(kept),
            changed=list(changed),
            n_copies=n_copies,
            n_points=n_points,
            patches=(lo, hi),
            overlap=overlap,
            jitter=jitter,
            misplaced=misplaced,
            bridge_nodes=bridge_nodes,
            extra_bridges=extra_bridges,
        ),
    )
    return graph(nodes_a, "A"), graph(nodes_b, "B"), truth
