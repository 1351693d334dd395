"""Joint force-directed layout of several mapper graphs of the same inputs.

All graphs are laid out by one optimisation in one common frame. The forces on a node are

* **edge springs**: along each edge of its own graph, a spring of rest length ``L`` (the
  graph's unit length) whose stiffness is the edge's Jaccard weight divided by the graph's
  mean edge weight (clipped to [0.25, 4]), so strongly overlapping nodes are held tighter;
* **anchor springs** (sparse stress): a spring to each of up to 24 *pivot* nodes of its
  component (12 above 10,000 nodes), with rest length ``L`` times the hop distance to the
  pivot and stiffness ``2 (m / k) / hops**2`` (``m`` nodes, ``k`` pivots in the component).
  They hold the global shape of each graph at a cost linear in the number of nodes
  (Ortmann, Klimenta & Brandes, "A sparse stress model", 2016);
* **repulsion** from the nodes of its own graph closer than ``2 L`` (the grid variant of
  Fruchterman & Reingold: far pairs are ignored; the close pairs come from one
  ``scipy.spatial.cKDTree`` per graph and step), ``0.5 L**2 (1/d - d/(2L)**2)``. Between two
  nodes of the same component it pushes the nodes; between different components of one graph
  it moves whole components (by the mean force on their nodes), so overlapping components
  part without bending;
* **cross-graph attraction**: towards every node of the other graphs that shares inputs with
  it, weighted by their Jaccard coupling (:func:`~napari_topoalign.align.node_coupling`)
  times ``0.9 * coupling_strength``; a Huber pull, linear up to ``0.3 L`` and constant
  beyond, so that nodes whose partners sit far away (a real difference between the graphs)
  do not drag their graph along.

Each step moves every node by its force divided by the stiffness of its springs (a Jacobi
step of stress majorisation, which cannot overshoot the way a plain force step does), capped
by a temperature that cools geometrically.

The optimisation runs in five phases:

1. **own layouts**: every component is laid out by pivot MDS (Brandes & Pich 2006) and the
   components of each graph are shelf-packed; then ``iterations`` steps of the forces above
   without the cross-graph pull (temperature ``2 L`` -> ``0.02 L``). Every graph draws its
   pivots from a generator seeded by ``random_state`` alone, so this is exactly what
   :func:`independent_layout` gives for that graph with the same ``random_state`` (and the
   same number of iterations), whatever the other graphs are.
2. **rigid fit**: every component is moved rigidly (rotation, reflection, translation: one
   batched weighted Procrustes) onto the coupling-weighted mean of its partners, first each
   graph onto the ones placed before it (the largest graph stays), then three rounds of
   every graph onto all the others. Each graph but the largest also gets one uniform scale
   (its unit length ``L``, within [0.5, 2]) so that a coarse graph and a fine one of the same
   inputs cover the same area. None of this changes any graph's stress.
3. **joint**: ``3/4`` of ``2/3 * iterations`` steps with all forces (temperature
   ``0.5 L`` -> ``0.02 L``).
4. **polish**: the last ``1/4`` of those steps at a low temperature (``0.1 L`` -> ``0.01 L``)
   with the cross-graph pull at a quarter of its strength, which lets the graphs' own springs
   restore local distances while keeping most of the alignment.
5. **stress guard**: every graph whose stress (defined as in
   :func:`~napari_topoalign.align.quality.stress`; measured on all node pairs of components
   up to 200 nodes and on the node-pivot pairs of larger ones, or of all components in
   layouts above 10,000 nodes) is more than ``stress_tol`` (5 %) above that of its own
   layout from phase 1 is moved towards that own layout (fitted rigidly, component by
   component, onto where the graph is) by the smallest fraction that brings it within the
   bound. So aligning never costs a graph more than ``stress_tol`` of its own layout's stress
   (on those pairs).
6. **never worse than not laying out jointly**: the own layouts aligned onto the first graph
   by Procrustes (exactly :func:`~napari_topoalign.align.quality.independent_baseline`) are
   returned instead when the joint result's mean alignment is not at most theirs.

The phases' code lives in :mod:`._layout_phases` (start, forces, rigid, guard).

Side-by-side panels are a matter of the output only: the optimisation runs in the common
frame (offsets removed) and the panel offsets are added at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._utils.params import Param, declare_params
from ..model import Layout, MapperGraph
from ._layout_phases import (  # noqa: F401  (the constants stay importable from this module)
    _CROSS,
    _JOINT_SHARE,
    _LARGE,
    _N_PIVOTS,
    _N_PIVOTS_LARGE,
    _POLISH_CROSS,
    _POLISH_SHARE,
    _POLISH_TEMP,
    _RIGID_ROUNDS,
    _STRESS_TOL,
    EDGE_LENGTH,
)
from ._layout_phases.forces import _coupling_matrix, _relax, _Springs
from ._layout_phases.guard import _stress_guard, _StressPairs  # noqa: F401
from ._layout_phases.rigid import _fit_components, _rigid_rounds  # noqa: F401
from ._layout_phases.start import _Component, _components, _pack
from .coupling import check_same_inputs, node_coupling

ARRANGEMENTS = ("side_by_side", "overlay")


#: The name of :func:`joint_layout`'s result before the package had one layout type: the
#: same class as :class:`~napari_topoalign.model.Layout` (kept for old scripts).
JointLayout = Layout


# -- validation -------------------------------------------------------------------------------
def _check_graphs(graphs) -> list[MapperGraph]:
    return _graphs_and_names(graphs)[0]


def _graphs_and_names(graphs) -> tuple[list[MapperGraph], list[str]]:
    """The graphs as a list and their names: the keys of a dict of graphs; else each
    graph's ``name`` when all are set and distinct; else ``"g0"``, ``"g1"``, ..."""
    if isinstance(graphs, MapperGraph):
        raise TypeError(
            "graphs: expected a sequence of MapperGraph, got a single MapperGraph; wrap it in a list"
        )
    if isinstance(graphs, Mapping):
        bad = [k for k in graphs if not isinstance(k, str)]
        if bad:
            raise TypeError(
                f"graphs: the names of a dict of graphs must be strings, got {bad[0]!r}"
            )
        names = list(graphs)
        graphs = list(graphs.values())
    else:
        try:
            graphs = list(graphs)
        except TypeError:
            raise TypeError(
                f"graphs: expected a sequence of MapperGraph, got {type(graphs).__name__}"
            ) from None
        names = None
    if not graphs:
        raise ValueError("graphs: need at least one mapper graph to lay out")
    check_same_inputs(graphs, "graphs")
    if names is None:
        own = [g.name for g in graphs]
        if all(own) and len(set(own)) == len(own):
            names = own
        else:
            names = [f"g{i}" for i in range(len(graphs))]
    return graphs, names


def _check_focus(focus, names: list[str]) -> tuple[str, str] | None:
    """``focus`` (None, or two different graphs by name or index) as two names."""
    if focus is None:
        return None
    if isinstance(focus, str) or not isinstance(focus, (Sequence, np.ndarray)) or len(focus) != 2:
        raise TypeError(
            f"focus: expected None or a pair of graphs (names or indices), got {focus!r}"
        )
    probe = Layout({n: np.zeros((0, 2)) for n in names})
    out = []
    for k in focus:
        try:
            out.append(probe.name_of(k))
        except (KeyError, IndexError, TypeError, ValueError) as err:
            raise type(err)(f"focus: {err.args[0] if err.args else err}") from None
    if out[0] == out[1]:
        raise ValueError(f"focus: expected two different graphs, got {out[0]!r} twice")
    return out[0], out[1]


_MAX_ITERATIONS = 100_000

#: the tunable parameters of :func:`joint_layout` (read by the layout widget)
LAYOUT_PARAMS = {
    "arrangement": Param(
        "side_by_side",
        "choice",
        choices=ARRANGEMENTS,
        help="one panel per graph, or all graphs in one frame",
    ),
    "coupling_strength": Param(
        2.0,
        "float",
        low=0.0,
        high=1e6,
        help="stiffness of the pull between nodes of different graphs that share inputs",
    ),
    "stress_tol": Param(
        _STRESS_TOL,
        "float",
        low=0.0,
        high=10.0,
        help="each graph's stress may exceed that of its own layout by at most this share",
    ),
    "iterations": Param(
        None,
        "int",
        low=0,
        high=_MAX_ITERATIONS,
        none_ok=True,
        help="own-layout steps (the joint phases add 2/3 as many); empty: by the number of nodes",
    ),
    "gap": Param(
        0.15, "float", low=0.0, high=100.0, help="space between panels, as a share of a panel"
    ),
    "callback_every": Param(
        5, "int", low=1, high=1_000_000, help="steps between intermediate frames"
    ),
    "focus": Param(
        None,
        "any",
        none_ok=True,
        help="a pair of graphs whose alignment and stress the layout reports "
        "(params['focus']); the layout itself is the same",
    ),
}


def _check_params(arrangement, coupling_strength, iterations, gap, stress_tol=_STRESS_TOL):
    P = LAYOUT_PARAMS
    arrangement = P["arrangement"].check(arrangement, "arrangement")
    coupling_strength = P["coupling_strength"].check(coupling_strength, "coupling_strength")
    iterations = P["iterations"].check(iterations, "iterations")
    gap = P["gap"].check(gap, "gap")
    stress_tol = P["stress_tol"].check(stress_tol, "stress_tol")
    return coupling_strength, iterations, gap, stress_tol


def default_iterations(n_nodes: int) -> int:
    """Iterations used when ``iterations=None``: fewer for large layouts (the pivot-MDS
    start is already close), 150 for small ones."""
    if n_nodes <= 2_000:
        return 150
    if n_nodes <= 10_000:
        return 80
    return 30


def _seed_sequence(random_state) -> np.random.SeedSequence:
    """The seed of a layout: an int (or None, or a SeedSequence) as is; a Generator or
    BitGenerator gives one draw. ``default_rng(seed)`` then equals ``default_rng(random_state)``
    for an int."""
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError(
            f"random_state: expected None, an integer >= 0 or a numpy Generator, got {random_state!r}"
        )
    if random_state is None or isinstance(random_state, (int, np.integer)):
        if random_state is not None and random_state < 0:
            raise ValueError(f"random_state: must be an integer >= 0, got {random_state}")
        return np.random.SeedSequence(None if random_state is None else int(random_state))
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(int(random_state.randint(2**31 - 1)))
    if isinstance(random_state, (np.random.Generator, np.random.BitGenerator)):
        return np.random.SeedSequence(int(np.random.default_rng(random_state).integers(2**63)))
    raise TypeError(
        "random_state: expected None, an integer >= 0, a numpy Generator or RandomState, "
        f"got {type(random_state).__name__} {random_state!r}"
    )


def _layout(
    graphs: Sequence[MapperGraph],
    *,
    coupling_strength: float,
    iterations: int,
    seed: np.random.SeedSequence,
    progress: Callable | None,
    callback: Callable | None,
    callback_every: int,
    to_output: Callable[[list[np.ndarray]], list[np.ndarray]],
    couple: bool = True,
    info: dict | None = None,
    own_iterations: Sequence[int] | None = None,
    stress_tol: float = _STRESS_TOL,
) -> list[np.ndarray]:
    n_graphs = len(graphs)
    sizes = np.array([g.n_nodes for g in graphs], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    N = int(starts[-1])

    def report(frac, msg):
        if progress is not None:
            progress(float(frac), msg)

    def split(X):
        return [X[starts[g] : starts[g + 1]].copy() for g in range(n_graphs)]

    report(0.0, "coupling")
    C = _coupling_matrix(graphs, starts) if couple and n_graphs > 1 else sp.csr_matrix((N, N))

    # components, pivots and pivot MDS of every graph, packed
    # every graph draws its pivots and jitter from its own generator, seeded the same way for
    # every graph: a graph's own layout (phase 1) does not depend on the other graphs or their
    # order, and it is exactly what independent_layout gives for the same random_state (and
    # the same number of iterations and pivots)
    comps_of: list[list[_Component]] = []
    X = np.zeros((N, 2))
    for g, graph in enumerate(graphs):
        rng_g = np.random.default_rng(seed)
        # pivots by the graph's own size, as independent_layout chooses them
        n_g = int(sizes[g])
        comps, local = _components(
            graph, rng_g, _N_PIVOTS if n_g <= _LARGE else _N_PIVOTS_LARGE, n_g <= _LARGE
        )
        comps_of.append(comps)
        Xg = np.zeros_like(local)
        _pack(comps, local, Xg)
        # a tiny deterministic jitter separates coincident nodes (pivot MDS maps twins together)
        Xg += rng_g.normal(scale=1e-3, size=Xg.shape)
        X[starts[g] : starts[g + 1]] = Xg * EDGE_LENGTH
        report(0.02 + 0.1 * (g + 1) / n_graphs, f"start: {graph.name or g}")
    # the joint phases draw from a stream of their own
    rng = np.random.default_rng(
        np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, 1))
    )
    springs = _Springs(graphs, starts, comps_of)
    graph_id = np.repeat(np.arange(n_graphs), sizes)
    comp_id = np.zeros(N, dtype=np.int64)
    n_c = 0
    for g in range(n_graphs):
        for comp in comps_of[g]:
            comp_id[comp.nodes + starts[g]] = n_c
            n_c += 1

    joint = C.nnz > 0
    own_iter = (
        [int(iterations)] * n_graphs
        if own_iterations is None
        else [int(k) for k in own_iterations]
    )
    n_alone = max(own_iter) if own_iter else 0
    n_joint = int(np.ceil(iterations * _JOINT_SHARE)) if joint else 0
    total = n_alone + n_joint
    done = [0]

    def tick(_it):
        done[0] += 1
        if callback is not None and done[0] % callback_every == 0 and done[0] < total:
            callback(to_output(split(X)))

    # phase 1: every graph on its own, from its pivot-MDS start (all graphs in one run when
    # they take the same number of steps; else one run per graph: the same forces, since no
    # force acts between graphs in this phase)
    if len(set(own_iter)) <= 1:
        _relax(
            X,
            springs,
            graph_id,
            comp_id,
            n_alone,
            2.0 * EDGE_LENGTH,
            0.02 * EDGE_LENGTH,
            report=lambda i, n: report(0.12 + 0.5 * i / n, f"own layouts: step {i} of {n}"),
            tick=tick,
        )
    else:
        for g in range(n_graphs):
            s0, s1 = int(starts[g]), int(starts[g + 1])
            one = _Springs([graphs[g]], np.array([0, s1 - s0]), [comps_of[g]])
            Xg = X[s0:s1].copy()
            _relax(
                Xg,
                one,
                np.zeros(s1 - s0, dtype=np.int64),
                comp_id[s0:s1] - (comp_id[s0:s1].min() if s1 > s0 else 0),
                own_iter[g],
                2.0 * EDGE_LENGTH,
                0.02 * EDGE_LENGTH,
                report=lambda i, n, _g=g: report(
                    0.12 + 0.5 * (_g + i / n) / n_graphs,
                    f"own layouts: graph {_g + 1}, step {i} of {n}",
                ),
            )
            X[s0:s1] = Xg
    guard = None
    fallback = False
    own_raw = split(X)
    if joint:
        # phase 2: components moved rigidly onto their partners (free in stress)
        report(0.62, "aligning components")
        order = np.argsort(-sizes, kind="stable")
        own = split(X)
        unit = _rigid_rounds(X, C, comps_of, starts, sizes, order, _RIGID_ROUNDS)
        own = [p * u for p, u in zip(own, unit)]
        springs.rest = springs.rest * unit[graph_id[springs.i]]
        # nodes fitted onto the same partners coincide: the jitter lets repulsion part them
        X += rng.normal(scale=1e-3 * EDGE_LENGTH, size=X.shape)
        # phase 3: all graphs together with the cross-graph pull
        coo = C.tocoo()
        cross = (coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data)
        n_polish = int(n_joint * _POLISH_SHARE)
        _relax(
            X,
            springs,
            graph_id,
            comp_id,
            n_joint - n_polish,
            0.5 * EDGE_LENGTH,
            0.02 * EDGE_LENGTH,
            cross=cross,
            strength=coupling_strength * _CROSS,
            unit=unit,
            report=lambda i, n: report(0.65 + 0.3 * i / n, f"joint layout: step {i} of {n}"),
            tick=tick,
        )
        # phase 4: a short polish at low temperature with a weaker cross pull, in which each
        # graph's own springs restore local distances while most of the alignment stays
        _relax(
            X,
            springs,
            graph_id,
            comp_id,
            n_polish,
            _POLISH_TEMP * EDGE_LENGTH,
            0.01 * EDGE_LENGTH,
            cross=cross,
            strength=coupling_strength * _CROSS * _POLISH_CROSS,
            unit=unit,
            report=lambda i, n: report(0.95 + 0.05 * i / n, f"polish: step {i} of {n}"),
            tick=tick,
        )
        # phase 5: no graph pays more than _STRESS_TOL of its own layout's stress
        guard = _stress_guard(X, own, comps_of, starts, stress_tol)
        # never worse than not laying out jointly: the own layouts aligned afterwards by
        # Procrustes (independent_baseline) are a candidate too, at no cost in stress
        base = _procrustes_baseline(graphs, own_raw)
        joint_score = _mean_alignment(graphs, split(X))
        base_score = _mean_alignment(graphs, base)
        if info is not None:
            info["alignment"] = joint_score
            info["baseline_alignment"] = base_score
        if np.isfinite(base_score) and not joint_score <= base_score:
            fallback = True
            for g in range(n_graphs):
                X[starts[g] : starts[g + 1]] = base[g]
    if info is not None:
        info["steps"] = total
        info["unit_lengths"] = [float(u) for u in (unit if joint else np.ones(n_graphs))]
        info["guard"] = guard
        info["fallback"] = fallback
    report(1.0, "done")
    return split(X)


def _procrustes_baseline(graphs, own) -> list[np.ndarray]:
    """The own layouts, every graph aligned onto the first by
    :func:`~napari_topoalign.align.quality.procrustes_align` (as
    :func:`~napari_topoalign.align.quality.independent_baseline` does)."""
    from .quality import procrustes_align

    out = [own[0].copy()]
    for g in range(1, len(graphs)):
        if graphs[0].n_nodes and graphs[g].n_nodes:
            out.append(procrustes_align(own[0], own[g], node_coupling(graphs[0], graphs[g])))
        else:
            out.append(own[g].copy())
    return out


def _mean_alignment(graphs, positions) -> float:
    """Mean alignment over all pairs of graphs, as :func:`~napari_topoalign.align.layout_quality`
    measures it (NaN when no pair is coupled)."""
    from .quality import alignment

    vals = []
    for a in range(len(graphs)):
        for b in range(a + 1, len(graphs)):
            if graphs[a].n_nodes and graphs[b].n_nodes:
                v = alignment(positions[a], positions[b], node_coupling(graphs[a], graphs[b]))
                if np.isfinite(v):
                    vals.append(v)
    return float(np.mean(vals)) if vals else float("nan")


def _panel_step(positions: list[np.ndarray], gap: float) -> float:
    """Distance between the left edges of neighbouring panels: the width of all graphs in the
    common frame plus the gap."""
    nonempty = [p for p in positions if len(p)]
    if not nonempty:
        return 0.0
    allp = np.vstack(nonempty)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    width = hi[0] - lo[0]
    return float(width + gap * max(width, hi[1] - lo[1], EDGE_LENGTH))


def _panel_offsets(positions: list[np.ndarray], arrangement: str, gap: float) -> list[np.ndarray]:
    n = len(positions)
    if arrangement == "overlay" or n == 0:
        return [np.zeros(2) for _ in range(n)]
    nonempty = [p for p in positions if len(p)]
    if not nonempty:
        return [np.zeros(2) for _ in range(n)]
    allp = np.vstack(nonempty)
    lo, hi = allp.min(axis=0), allp.max(axis=0)
    width = hi[0] - lo[0]
    step = width + gap * max(width, hi[1] - lo[1], EDGE_LENGTH)
    return [np.array([g * step, 0.0]) for g in range(n)]


@declare_params(**LAYOUT_PARAMS)
def joint_layout(
    graphs: Sequence[MapperGraph],
    *,
    arrangement: str = "side_by_side",
    coupling_strength: float = 2.0,
    iterations: int | None = None,
    random_state=None,
    progress: Callable[[float, str], Any] | None = None,
    callback: Callable[[list[np.ndarray]], Any] | None = None,
    callback_every: int = 5,
    gap: float = 0.15,
    stress_tol: float = _STRESS_TOL,
    focus=None,
) -> Layout:
    """Lay out several mapper graphs of the same inputs jointly, in one shared frame.

    Nodes of different graphs that hold the same inputs are pulled to the same place, while
    each graph keeps a readable layout of its own (see the module docstring for the forces).

    Parameters
    ----------
    graphs : sequence of MapperGraph, or dict of str to MapperGraph
        One or more graphs built on the same inputs (same ``n_inputs``). Graphs may have
        several components, isolated nodes, or no nodes at all (laid out as nothing). The
        layout names them by the dict's keys; for a sequence, by each graph's ``name`` when
        all are set and distinct, else ``"g0"``, ``"g1"``, ... in order.
    arrangement : {"side_by_side", "overlay"}
        ``"side_by_side"``: each graph in its own panel, panels left to right in the order of
        ``graphs`` (the panel offsets are removed for the cross-graph forces, so a node sits
        at the same place within its panel as its partners in theirs). ``"overlay"``: all
        graphs in one frame.
    coupling_strength : float in [0, 1e6]
        Stiffness of the cross-graph attraction relative to the edge springs (default 2.0,
        chosen on real layer pairs, docs/layout.md). ``0`` lays out each graph on its own
        (each still starts from the aligned placement).
    stress_tol : float in [0, 10]
        The stress bound: no graph's stress above ``(1 + stress_tol)`` times that of its own
        layout (phase 5).
    iterations : int, optional
        Force iterations (at most 100,000); ``None``: each graph's own layout takes the steps
        :func:`independent_layout` takes for it, the joint phases follow the total number of nodes
        (:func:`default_iterations`).
    random_state : int, numpy Generator or None
        Seeds the pivot choice and a tiny jitter; the same seed gives the same layout.
    progress : callable ``progress(fraction, message)``, optional
        Called regularly; an exception raised in it (e.g. ``Cancelled``) stops the layout
        and propagates.
    callback : callable ``callback(positions)``, optional
        Called every ``callback_every`` steps with the intermediate positions (a list of
        arrays, panel offsets included; the panels are kept at least as far apart as in any
        earlier frame).
    callback_every : int
        See ``callback``.
    gap : float
        Space between panels as a fraction of the panel size (``"side_by_side"`` only).
    focus : pair of graph names or indices, optional
        A pair of graphs whose alignment (:func:`~napari_topoalign.align.quality.alignment`)
        and stress (:func:`~napari_topoalign.align.quality.stress`, from up to 500 sources)
        are measured at the end and reported in ``params["focus"]`` (``{"graphs": [a, b],
        "alignment": ..., "stress": [..., ...]}``). The positions are the same as without it.

    Returns
    -------
    Layout
        The :class:`~napari_topoalign.model.Layout`: one ``(n_nodes, 2)`` float array of
        ``(x, y)`` positions per graph (panel offsets included), by graph name in the order
        of ``graphs`` (``layout[name]`` or ``layout[i]``), with ``.offsets`` (by name) and
        ``.params``. The unit of length is the rest length of an edge.

    Raises
    ------
    ValueError
        The graphs were built on different inputs, or a parameter is invalid.

    Examples
    --------
    >>> layout = joint_layout({"a": g1, "b": g2}, random_state=0)  # doctest: +SKIP
    >>> layout["a"].shape, layout.offset("b"), layout.centered(1)  # doctest: +SKIP
    """
    graphs, names = _graphs_and_names(graphs)
    focus = _check_focus(focus, names)
    coupling_strength, iterations, gap, stress_tol = _check_params(
        arrangement, coupling_strength, iterations, gap, stress_tol
    )
    callback_every = LAYOUT_PARAMS["callback_every"].check(callback_every, "callback_every")
    if progress is not None and not callable(progress):
        raise TypeError(
            f"progress: expected a callable progress(fraction, message), got {type(progress).__name__}"
        )
    if callback is not None and not callable(callback):
        raise TypeError(
            f"callback: expected a callable callback(positions), got {type(callback).__name__}"
        )
    seed = _seed_sequence(random_state)
    N = sum(g.n_nodes for g in graphs)
    resolved = default_iterations(N) if iterations is None else iterations
    # each graph's own layout takes the steps independent_layout takes for it
    own_iterations = [
        default_iterations(g.n_nodes) if iterations is None else iterations for g in graphs
    ]

    frame: dict[str, float] = {}

    def to_output(pos):
        # intermediate frames: panels never closer than in any earlier frame, so that they
        # neither overlap nor jitter while the layout settles
        if arrangement == "overlay":
            return [p.copy() for p in pos]
        frame["step"] = max(frame.get("step", 0.0), _panel_step(pos, gap))
        return [p + np.array([g * frame["step"], 0.0]) for g, p in enumerate(pos)]

    info: dict = {}
    pos = _layout(
        graphs,
        coupling_strength=coupling_strength,
        iterations=resolved,
        seed=seed,
        progress=progress,
        callback=callback,
        callback_every=int(callback_every),
        to_output=to_output,
        info=info,
        own_iterations=own_iterations,
        stress_tol=stress_tol,
    )
    offsets = _panel_offsets(pos, arrangement, gap)
    params = {
        "arrangement": arrangement,
        "coupling_strength": coupling_strength,
        "iterations": resolved,
        "steps": info.get("steps", 0),
        "unit_lengths": info.get("unit_lengths", []),
        "stress_guard": info.get("guard") or [],
        "stress_tol": stress_tol,
        "own_iterations": own_iterations,
        "fallback": bool(info.get("fallback", False)),
        "alignment": info.get("alignment"),
        "baseline_alignment": info.get("baseline_alignment"),
        "random_state": random_state
        if isinstance(random_state, (int, np.integer, type(None)))
        else repr(random_state),
        "gap": gap,
    }
    if focus is not None:
        params["focus"] = _focus_report(graphs, names, pos, focus)
    return Layout(
        {n: p + o for n, p, o in zip(names, pos, offsets)}, dict(zip(names, offsets)), params
    )


def _focus_report(graphs, names, pos, focus) -> dict:
    """Alignment and stress of the pair ``focus`` at the positions ``pos`` (common frame)."""
    from .quality import alignment, stress

    a, b = (names.index(n) for n in focus)
    value = alignment(pos[a], pos[b], node_coupling(graphs[a], graphs[b]))
    return {
        "graphs": list(focus),
        "alignment": float(value),
        "stress": [float(stress(graphs[g], pos[g], max_sources=500)) for g in (a, b)],
    }


def independent_layout(
    graph: MapperGraph, *, iterations: int | None = None, random_state=None, progress=None
) -> np.ndarray:
    """Lay out one graph on its own with the same engine as :func:`joint_layout` (no
    cross-graph forces). Returns ``(n_nodes, 2)`` positions."""
    graphs = _check_graphs([graph])
    _, iterations, _, _ = _check_params("overlay", 0.0, iterations, 0.0)
    seed = _seed_sequence(random_state)
    resolved = default_iterations(graphs[0].n_nodes) if iterations is None else iterations
    return _layout(
        graphs,
        coupling_strength=0.0,
        iterations=resolved,
        seed=seed,
        progress=progress,
        callback=None,
        callback_every=1,
        to_output=lambda p: p,
        couple=False,
    )[0]
