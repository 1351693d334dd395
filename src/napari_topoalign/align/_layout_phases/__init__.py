"""The phases of :func:`napari_topoalign.align.joint_layout`, one module each.

- :mod:`.start`: components, pivots, pivot MDS and shelf packing (the start of phase 1);
- :mod:`.forces`: edge and anchor springs, repulsion, the cross-graph pull and the force
  iterations (phases 1, 3 and 4);
- :mod:`.rigid`: rigid fits of components onto their partners (phase 2);
- :mod:`.guard`: the stress guard (phase 5).

The constants of the engine live here, shared by the phases.
"""

ARRANGEMENTS = ("side_by_side", "overlay")

EDGE_LENGTH = 1.0  # the unit length L of every layout
_CUTOFF = 2.0  # repulsion cut-off, in units of L
_REPULSION = (
    0.5  # strength of the repulsion (force at distance d: strength * L**2 * (1/d - d/cutoff**2))
)
_ANCHOR = 2.0  # weight of the anchor springs to the pivots
_JOINT_SHARE = 2 / 3  # joint iterations (after the own layouts) per own iteration
_CROSS = 0.9  # cross-graph pull at coupling_strength=1
_HUBER = 0.3  # the cross-graph pull is linear up to this distance (units of L), constant beyond
_POLISH_SHARE = 0.25  # share of the joint iterations spent polishing (weaker cross pull)
_POLISH_TEMP = 0.1  # largest polish step (units of L)
_POLISH_CROSS = 0.25  # share of the cross-graph pull kept while polishing
_STRESS_TOL = 0.05  # the stress guard: no graph's stress above (1 + this) x its own layout's
_GUARD_STEPS = 12  # bisection steps of the stress guard
_SCALE_GRAPHS = True  # scale each graph's unit length to match its partners
_SCALE_RANGE = (0.5, 2.0)  # bounds of that scale
_RIGID_ROUNDS = 3  # rounds of rigid refitting of components onto their partners
_N_PIVOTS_LARGE = 12  # pivots per component when the layout has more than _LARGE nodes
_LARGE = 10_000
_SMALL = 200  # components up to this size get all their hop distances in one call
_N_PIVOTS = 24  # pivots per component for pivot MDS and anchor springs
